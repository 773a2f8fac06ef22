/**
 * One BullMQ worker process for the peer comparison: runs each job's command with `sh -c`, as a
 * cronplane worker does, and reports `<intended fire time> <lateness ms>` (intended fire time to process start) on stdout.
 * Args: redis port, queue name, ledger file.
 */
import { spawn } from 'node:child_process';
import { Job, Worker } from 'bullmq';

const [port, queueName, ledger] = process.argv.slice(2);

const worker = new Worker(
  queueName,
  (job: Job<{ name: string }>) =>
    new Promise<void>((resolve, reject) => {
      const intended = job.timestamp + (job.opts.delay ?? 0);
      const tick = Math.round(intended / 1000) * 1000;
      const child = spawn('/bin/sh', ['-c', `true; echo "${job.data.name} ${tick}" >> ${ledger}`], {
        stdio: 'ignore',
      });
      child.once('spawn', () => process.stdout.write(`${intended} ${Date.now() - intended}\n`));
      child.once('error', reject);
      child.once('exit', () => resolve());
    }),
  {
    connection: { host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: null },
    concurrency: 5000,
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 0 },
  },
);

process.on('SIGTERM', () => {
  void worker.close().then(() => process.exit(0));
});
