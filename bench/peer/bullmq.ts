/**
 * The peer: BullMQ job schedulers (Redis from Debian) running the same command with the same
 * number of worker processes, measured like scenario (a) and the ramp (c).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { ensureDebianBinary } from '../../tools/stack/install';
import { freePort, tcpOpen } from '../../tools/stack/ports';
import { startService, RunningService } from '../../tools/stack/services';
import { sleep } from '../lib/cluster';
import { duplicates, summarize } from '../lib/stats';
import { SteadyResult } from '../scenarios/steady';

/** The same figures as scenario (a), less the etcd and RSS ones, which do not apply. */
export type PeerResult = Omit<
  SteadyResult,
  | 'etcdRequestsPerFire'
  | 'raftWritesPerFire'
  | 'workerRssMiB'
  | 'workerPeakRssMB'
  | 'runRecordsPerSecond'
>;

export async function startRedis(dir: string): Promise<RunningService> {
  const binary = ensureDebianBinary('redis-server', 'redis-server');
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  return startService({
    name: 'redis',
    binary,
    port,
    url: `redis://127.0.0.1:${port}`,
    logFile: join(dir, 'redis.log'),
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    isReady: () => tcpOpen(port, 500),
  });
}

export async function peerSteady(
  redis: RunningService,
  dir: string,
  options: { jobs: number; workers: number; seconds: number; label: string },
): Promise<PeerResult> {
  const connection = { host: '127.0.0.1', port: redis.spec.port };
  const queueName = `peer-${options.label}`;
  const ledger = join(dir, `peer-ledger-${options.label}`);
  const queue = new Queue(queueName, { connection });
  const lateness: { intended: number; ms: number }[] = [];
  const workers: ChildProcess[] = [];
  const tsx = resolve(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
  for (let i = 0; i < options.workers; i++) {
    const child = spawn(
      tsx,
      [join(__dirname, 'bullmq-worker.ts'), String(redis.spec.port), queueName, ledger],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const [intended, ms] = line.split(' ').map(Number);
        lateness.push({ intended, ms });
      }
    });
    workers.push(child);
  }
  for (let i = 0; i < options.jobs; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, options.jobs - i) }, (_, k) => {
        const name = `${options.label}-${i + k}`;
        return queue.upsertJobScheduler(name, { every: 1000 }, { name, data: { name } });
      }),
    );
  }
  await sleep(5000);
  const from = Math.ceil(Date.now() / 1000) * 1000;
  await sleep(from - Date.now());
  await sleep(options.seconds * 1000);
  const to = from + options.seconds * 1000;
  await queue.obliterate({ force: true }).catch(() => undefined);
  await sleep(2000);
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
  await queue.close();
  const lines = (existsSync(ledger) ? readFileSync(ledger, 'utf8').split('\n') : []).filter(
    (line) => {
      const tick = Number(line.split(' ')[1]);
      return line && tick >= from && tick < to;
    },
  );
  const expected = options.jobs * options.seconds;
  const misses = Math.max(0, expected - new Set(lines).size);
  return {
    jobs: options.jobs,
    workers: options.workers,
    seconds: options.seconds,
    expectedFires: expected,
    fires: lines.length,
    firesPerSecond: lines.length / options.seconds,
    duplicates: duplicates(lines).length,
    misses,
    // BullMQ keeps no record of a tick it dropped: every miss vanished silently.
    recordedNotRun: 0,
    unaccounted: misses,
    lateness: summarize(
      lateness.filter((l) => l.intended >= from && l.intended < to).map((l) => l.ms),
    ),
  };
}
