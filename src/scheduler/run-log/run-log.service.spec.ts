import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../../config/app-config';
import type { BulkOutcome, RunLogRepository } from './run-log.repository';
import { RunLogService } from './run-log.service';
import { RunLogOp, RunRecord } from './run-record';
import { MetricsService } from '../../metrics/metrics.service';

// The real repository needs a mongoose model; the service only sees this small surface.
jest.mock('./run-log.repository', () => ({ RunLogRepository: class {} }));

/** An in-memory `runs` collection with the same write semantics, that can be switched off. */
class FakeRepository {
  up = true;
  writes: RunLogOp[][] = [];
  readonly records = new Map<string, RunRecord>();

  get connected(): boolean {
    return this.up;
  }

  async write(ops: RunLogOp[]): Promise<BulkOutcome> {
    if (!this.up) throw new Error('connection refused');
    this.writes.push(ops);
    for (const op of ops) {
      const existing = this.records.get(op.run.runId);
      if (!existing || op.kind === 'final') this.records.set(op.run.runId, op.run);
    }
    return { retry: [] };
  }
}

const run = (runId: string, status: RunRecord['status'] = 'running'): RunRecord => ({
  runId,
  job: 'j',
  tick: 1000,
  attempt: 1,
  trigger: 'schedule',
  workerId: 'w',
  status,
});

describe('RunLogService', () => {
  let repository: FakeRepository;
  let service: RunLogService;
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runlog-'));
    const config = Object.assign(new AppConfig(), {
      WORKER_ID: 'w',
      RUNLOG_BATCH_SIZE: 3,
      RUNLOG_FLUSH_MS: 20,
      RUNLOG_SPOOL_DIR: dir,
    });
    repository = new FakeRepository();
    service = new RunLogService(
      config,
      repository as unknown as RunLogRepository,
      new MetricsService(config),
    );
  });

  afterEach(() => service.drain());

  it('writes a run that ends before the flush as one final record', async () => {
    void service.started(run('a'));
    await service.finished(run('a', 'succeeded'));
    expect(repository.writes).toEqual([[{ kind: 'final', run: run('a', 'succeeded') }]]);
  });

  it('batches by size and resolves each record once it is written', async () => {
    const done = ['a', 'b', 'c', 'd'].map((id) => service.finished(run(id, 'succeeded')));
    await Promise.all(done);
    expect(repository.writes.map((w) => w.length)).toEqual([3, 1]);
  });

  it('spools while MongoDB is away and replays when it is back', async () => {
    repository.up = false;
    await Promise.all([
      service.finished(run('a', 'failed')),
      service.finished(run('b', 'succeeded')),
    ]);
    expect(readdirSync(dir)).toEqual(['runlog-w.jsonl']);
    expect(repository.records.size).toBe(0);
    repository.up = true;
    service.start();
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(repository.records.get('a')?.status).toBe('failed');
    expect(repository.records.get('b')?.status).toBe('succeeded');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('bounds memory: past ten batches the oldest records go to the spool', async () => {
    repository.up = false;
    const all = Array.from({ length: 40 }, (_, i) => service.finished(run(`r${i}`, 'succeeded')));
    await Promise.all(all);
    expect(readdirSync(dir)).toEqual(['runlog-w.jsonl']);
  });

  it('drain writes everything queued, and replays a spool left by an earlier process', async () => {
    repository.up = false;
    await service.finished(run('old', 'succeeded'));
    repository.up = true;
    void service.started(run('x'));
    await service.drain();
    expect(repository.records.get('old')?.status).toBe('succeeded');
    expect(repository.records.get('x')?.status).toBe('running');
    expect(readdirSync(dir)).toEqual([]);
  });
});
