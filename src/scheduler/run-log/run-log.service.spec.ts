import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../../config/app-config';
import type { BulkOutcome, RunLogRepository } from './run-log.repository';
import { RunLogService } from './run-log.service';
import { RunLogOp, RunRecord } from './run-record';
import { MetricsService } from '../../metrics/metrics.service';
import { testRun } from './run-record.fixture';

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

/** MongoDB as a worker sees it just before a SIGKILL: it answers `answers` writes, then hangs. */
class DyingRepository {
  readonly hung: RunLogOp[][] = [];
  readonly connected = true;

  constructor(
    private readonly db: FakeRepository,
    private answers = 0,
  ) {}

  write(ops: RunLogOp[]): Promise<BulkOutcome> {
    if (this.answers-- > 0) return this.db.write(ops);
    this.hung.push(ops);
    return new Promise(() => {});
  }
}

const run = testRun;

/** The operations in the journal segments in `dir`, oldest first. */
function journaled(dir: string): RunLogOp[] {
  return readdirSync(dir)
    .filter((file) => file.includes('.journal-'))
    .sort()
    .flatMap((file) => readFileSync(join(dir, file), 'utf8').split('\n'))
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RunLogOp);
}

describe('RunLogService', () => {
  let repository: FakeRepository;
  let service: RunLogService;
  let dir: string;

  const serviceOn = (repo: FakeRepository | DyingRepository): RunLogService => {
    const config = Object.assign(new AppConfig(), {
      WORKER_ID: 'w',
      RUNLOG_BATCH_SIZE: 3,
      RUNLOG_FLUSH_MS: 20,
      RUNLOG_SPOOL_DIR: dir,
    });
    return new RunLogService(
      config,
      repo as unknown as RunLogRepository,
      new MetricsService(config),
    );
  };

  /** A run whose process has started: its `running` record goes out after RUNLOG_FLUSH_MS. */
  const startedRun = (id: string): Promise<void> => {
    const record = run(id);
    const durable = service.started(record);
    service.processStarted(id, { startedAt: record.startedAt, latenessMs: record.latenessMs });
    return durable;
  };

  const withFakeTimers = async (body: () => Promise<void>): Promise<void> => {
    jest.useFakeTimers();
    try {
      await body();
    } finally {
      jest.useRealTimers();
    }
  };
  /** Under fake timers: records the end and lets one flush interval pass. */
  const finishedAndFlushed = async (record: RunRecord): Promise<void> => {
    const done = service.finished(record);
    await jest.advanceTimersByTimeAsync(20);
    await done;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runlog-'));
    repository = new FakeRepository();
    service = serviceOn(repository);
  });

  afterEach(async () => {
    await service.drain();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a run that ends before the flush as one final record', async () => {
    void service.started(run('a'));
    await service.finished(run('a', 'succeeded'));
    expect(repository.writes).toEqual([[{ kind: 'final', run: run('a', 'succeeded') }]]);
  });

  it('holds a start back while full batches go out, so a short run is never updated', async () => {
    void service.started(run('short'));
    await Promise.all(['a', 'b', 'c'].map((id) => service.finished(run(id, 'succeeded'))));
    await service.finished(run('short', 'succeeded'));
    const ops = repository.writes.flat();
    expect(ops.filter((op) => op.run.runId === 'short')).toEqual([
      { kind: 'final', run: run('short', 'succeeded') },
    ]);
  });

  it('writes the running record of a run still going after RUNLOG_FLUSH_MS', async () => {
    await startedRun('long');
    expect(repository.records.get('long')?.status).toBe('running');
  });

  it('never writes the running record of a run whose process has not started', async () => {
    await withFakeTimers(async () => {
      void service.started(run('waiting'));
      await jest.advanceTimersByTimeAsync(200); // ten flush intervals
      expect(repository.writes).toEqual([]);
      await finishedAndFlushed(run('waiting', 'failed'));
    });
    expect(repository.writes.flat()).toEqual([{ kind: 'final', run: run('waiting', 'failed') }]);
  });

  it('holds a start RUNLOG_FLUSH_MS from when its process started, not from the claim', async () => {
    await withFakeTimers(async () => {
      void service.started(run('late'));
      await jest.advanceTimersByTimeAsync(15);
      service.processStarted('late', { startedAt: 15, latenessMs: 15 });
      // 45 ms after the claim (a start held from the claim was written at 40), 30 after the start.
      await jest.advanceTimersByTimeAsync(30);
      await finishedAndFlushed(run('late', 'succeeded'));
    });
    expect(repository.writes.flat()).toEqual([{ kind: 'final', run: run('late', 'succeeded') }]);
  });

  it('batches by size and resolves each record once it is written', async () => {
    const done = ['a', 'b', 'c', 'd'].map((id) => service.finished(run(id, 'succeeded')));
    await Promise.all(done);
    expect(repository.writes.map((w) => w.length)).toEqual([3, 1]);
  });

  it('a worker that is behind writes up to ten batches as one', async () => {
    const done = Array.from({ length: 8 }, (_, i) => service.finished(run(`r${i}`, 'succeeded')));
    await Promise.all(done);
    expect(repository.writes.map((w) => w.length)).toEqual([8]);
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

  it('journals every operation before started() or finished() returns', () => {
    void service.started(run('a'));
    expect(journaled(dir)).toEqual([{ kind: 'start', run: run('a') }]);
    void service.finished(run('a', 'succeeded'));
    void service.finished(run('b', 'skipped'));
    expect(journaled(dir)).toEqual([
      { kind: 'start', run: run('a') },
      { kind: 'final', run: run('a', 'succeeded') },
      { kind: 'final', run: run('b', 'skipped') },
    ]);
  });

  it('deletes the journal once its operations are durable, and keeps it while one is not', async () => {
    await Promise.all([
      service.started(run('a')),
      service.finished(run('a', 'succeeded')), // replaces the queued start: both lines released
      startedRun('b'),
    ]);
    expect(readdirSync(dir)).toEqual([]);
    repository.up = false; // spooled counts as durable too
    await service.finished(run('c', 'failed'));
    expect(readdirSync(dir)).toEqual(['runlog-w.jsonl']);
    repository.up = true;

    const dying = new DyingRepository(repository);
    void serviceOn(dying).finished(run('d', 'succeeded'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(dying.hung).toEqual([[{ kind: 'final', run: run('d', 'succeeded') }]]);
    expect(journaled(dir)).toEqual([{ kind: 'final', run: run('d', 'succeeded') }]);
  });

  it('after a SIGKILL, a new process with the same WORKER_ID replays the journal; finals win', async () => {
    const dying = new DyingRepository(repository, 1);
    const killed = serviceOn(dying);
    void killed.started(run('f'));
    void killed.finished(run('f', 'succeeded'));
    void killed.finished(run('x', 'skipped'));
    void killed.finished(run('y', 'missed'));
    void killed.finished(run('z', 'failed'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // f, x and y reached MongoDB; z's batch is in flight, for ever.
    expect(dying.hung).toEqual([[{ kind: 'final', run: run('z', 'failed') }]]);
    void killed.started(run('a'));
    void killed.started(run('b'));
    void killed.finished(run('a', 'succeeded')); // replaces its queued start in memory
    void killed.finished(run('c', 'skipped'));
    // The process dies here. Its journal still holds f's start, next to z: replaying it must not
    // turn f's final record back into a running one.
    expect(journaled(dir)).toContainEqual({ kind: 'start', run: run('f') });
    expect(repository.records.get('f')?.status).toBe('succeeded');

    await serviceOn(repository).drain();
    expect(Object.fromEntries([...repository.records].map(([id, r]) => [id, r.status]))).toEqual({
      f: 'succeeded',
      x: 'skipped',
      y: 'missed',
      z: 'failed',
      a: 'succeeded',
      b: 'running',
      c: 'skipped',
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a journal that cannot be written does not stop the run log', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require('node:fs') as typeof import('node:fs');
    const spy = jest.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    let done: Promise<void>[] = [];
    try {
      expect(() => {
        done = [startedRun('a'), service.finished(run('b', 'skipped'))];
      }).not.toThrow();
    } finally {
      spy.mockRestore();
    }
    await Promise.all(done);
    expect(repository.records.get('a')?.status).toBe('running');
    expect(repository.records.get('b')?.status).toBe('skipped');
  });
});
