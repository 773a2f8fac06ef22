/**
 * Stands in for the worker runtime in the console's browser tests while the real one cannot run
 * jobs: it registers in etcd, takes the run requests the master writes (`trigger/<job>/...`),
 * and records runs, live output chunks and kills exactly where the master reads them.
 */
import { Etcd3 } from 'etcd3';
import { Db, MongoClient } from 'mongodb';

export interface FakeRun {
  runId: string;
  job: string;
}

export class FakeWorker {
  readonly id = 'fake-worker-1';
  private readonly etcd: Etcd3;
  private readonly mongo: MongoClient;
  private db!: Db;
  private readonly seq = new Map<string, number>();

  constructor(
    private readonly prefix: string,
    etcdEndpoints: string,
    private readonly mongoUrl: string,
  ) {
    this.etcd = new Etcd3({ hosts: etcdEndpoints.split(',') });
    this.mongo = new MongoClient(mongoUrl);
  }

  async start(labels: Record<string, string> = {}): Promise<void> {
    await this.mongo.connect();
    this.db = this.mongo.db(new URL(this.mongoUrl).pathname.slice(1));
    await this.etcd.put(`${this.prefix}workers/${this.id}`).value(
      JSON.stringify({
        id: this.id,
        host: 'test-host',
        ip: '127.0.0.1',
        pid: process.pid,
        labels,
        capacity: 4,
        version: '0.1.0-test',
        startedAt: new Date().toISOString(),
      }),
    );
  }

  async stop(): Promise<void> {
    await this.etcd.delete().prefix(`${this.prefix}workers/${this.id}`);
    this.etcd.close();
    await this.mongo.close();
  }

  /** Waits for a run request of `job` (Run now) and starts it: record, running entry. */
  async takeRequest(job: string, timeoutMs = 15000): Promise<FakeRun> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const requests = await this.etcd.getAll().prefix(`${this.prefix}trigger/${job}/`).strings();
      const [key, value] = Object.entries(requests)[0] ?? [];
      if (key && value) {
        await this.etcd.delete().key(key);
        const request = JSON.parse(value) as { runId: string; tick: number };
        await this.begin(job, request.runId, new Date(request.tick), 'manual');
        return { runId: request.runId, job };
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`no run request for ${job} within ${timeoutMs} ms`);
  }

  async begin(job: string, runId: string, tick: Date, trigger = 'schedule'): Promise<void> {
    await this.db.collection('runs').insertOne({
      runId,
      job,
      tick,
      attempt: 1,
      trigger,
      workerId: this.id,
      status: 'running',
      startedAt: new Date(),
      latenessMs: Math.max(0, Date.now() - tick.getTime()),
      output: '',
      truncated: false,
    });
    await this.etcd
      .put(`${this.prefix}running/${job}/${runId}`)
      .value(JSON.stringify({ runId, workerId: this.id, startedAt: new Date().toISOString() }));
  }

  /** Output as the real worker publishes it: a numbered chunk for the live stream. */
  async write(runId: string, text: string): Promise<void> {
    const seq = (this.seq.get(runId) ?? 0) + 1;
    this.seq.set(runId, seq);
    await this.db.collection('run_output').insertOne({ runId, seq, data: text, at: new Date() });
    // Also on the record, for a master that has no live stream and is polled instead.
    const record = await this.db.collection('runs').findOne({ runId });
    await this.db
      .collection('runs')
      .updateOne(
        { runId },
        { $set: { output: `${(record?.output as string | undefined) ?? ''}${text}` } },
      );
  }

  async finish(
    run: FakeRun,
    status: string,
    output: string,
    exitCode?: number,
    signal?: string,
  ): Promise<void> {
    const record = await this.db.collection('runs').findOne({ runId: run.runId });
    const startedAt = (record?.startedAt as Date | undefined) ?? new Date();
    await this.db.collection('runs').updateOne(
      { runId: run.runId },
      {
        $set: {
          status,
          output,
          exitCode,
          signal,
          endedAt: new Date(),
          durationMs: Date.now() - startedAt.getTime(),
        },
      },
    );
    await this.etcd.delete().key(`${this.prefix}running/${run.job}/${run.runId}`);
  }

  /** True once the master has written a kill request for the run. */
  async killRequested(runId: string): Promise<boolean> {
    return (await this.etcd.get(`${this.prefix}kill/${runId}`).string()) !== null;
  }

  /** Finished runs of a job, for its history and chart. */
  async seedHistory(
    job: string,
    runs: { status: string; durationMs: number; latenessMs: number; output?: string }[],
  ) {
    const now = Date.now();
    await this.db.collection('runs').insertMany(
      runs.map((run, index) => {
        const tick = new Date(now - (runs.length - index) * 60_000);
        return {
          runId: `${job}@${tick.getTime()}`,
          job,
          tick,
          attempt: 1,
          trigger: 'schedule',
          workerId: this.id,
          status: run.status,
          exitCode: run.status === 'succeeded' ? 0 : run.status === 'failed' ? 1 : undefined,
          output: run.output ?? `run ${index}\n`,
          truncated: false,
          startedAt: new Date(tick.getTime() + run.latenessMs),
          endedAt: new Date(tick.getTime() + run.latenessMs + run.durationMs),
          durationMs: run.durationMs,
          latenessMs: run.latenessMs,
        };
      }),
    );
  }
}
