import { AppConfig } from '../config/app-config';
import { JobState } from '../etcd/lock.service';
import { JOB_DEFAULTS, JobSpec } from '../jobs/job.model';
import { ClaimAudit, ClaimWhereabouts } from './claim-audit';
import type { RunsRepository } from '../logs/runs.repository';
import { RunRecord } from './run-log/run-record';
import type { RunLogService } from './run-log/run-log.service';
import type { RunOutcomesService } from './run-outcomes.service';
import type { AuditLedger } from './audit-ledger';

// The real classes need mongoose models and NATS; the audit only sees this small surface.
jest.mock('../logs/runs.repository', () => ({ RunsRepository: class {} }));
jest.mock('./run-log/run-log.service', () => ({ RunLogService: class {} }));
jest.mock('./run-outcomes.service', () => ({ RunOutcomesService: class {} }));
jest.mock('./audit-ledger', () => ({ AuditLedger: class {} }));

const SELF = 'worker-2';
const GRACE_MS = 15_000;

const spec = { ...JOB_DEFAULTS, name: 'j', command: 'true', cronExpr: '* * * * * *' } as JobSpec;
const mark = (workerId: string, tick = 1_000): JobState => ({
  lastTick: tick,
  runId: `j@${tick}`,
  workerId,
});

/** The audit over in-memory stand-ins of this worker's own classes (no server behind them). */
function setUp(replayPending: () => boolean) {
  const written: RunRecord[] = [];
  const runLog = {
    replayPending,
    recordIfAbsent: (run: RunRecord) => {
      written.push(run);
      return Promise.resolve();
    },
  } as unknown as RunLogService;
  const records = {
    byIds: () => Promise.resolve(new Map()),
  } as unknown as RunsRepository;
  const outcomes = { ended: () => undefined } as unknown as RunOutcomesService;
  const config = { WORKER_ID: SELF } as AppConfig;
  const opened: string[] = [];
  const closed: string[] = [];
  const ledger = {
    open: (entry: { state: JobState }) => void opened.push(entry.state.runId),
    close: (runId: string) => void closed.push(runId),
  } as unknown as AuditLedger;
  return {
    audit: new ClaimAudit(config, runLog, records, outcomes, ledger),
    written,
    opened,
    closed,
  };
}

const nowhere = (registered: string[]): ClaimWhereabouts => ({
  inHand: () => false,
  triggered: () => false,
  registered: (id) => registered.includes(id),
});

/** Lets every grace period up to `ms` from now pass, with the writes they start. */
async function pass(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

describe('ClaimAudit', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('records a gone claimer’s tick lost after one grace period, kept in etcd meanwhile', async () => {
    const { audit, written, opened, closed } = setUp(() => false);
    audit.audit(spec, mark('ghost'), nowhere([SELF]));
    expect(opened).toEqual(['j@1000']);
    await pass(GRACE_MS - 1);
    expect(written).toEqual([]);
    expect(closed).toEqual([]);
    await pass(1);
    expect(written).toEqual([expect.objectContaining({ runId: 'j@1000', status: 'lost' })]);
    expect(closed).toEqual(['j@1000']);
  });

  it('an audit taken over from a dead auditor is not kept again, and settles the same way', async () => {
    const { audit, written, opened, closed } = setUp(() => false);
    audit.audit(spec, mark('ghost'), nowhere([SELF]), true);
    expect(opened).toEqual([]);
    await pass(GRACE_MS);
    expect(written.map((r) => r.status)).toEqual(['lost']);
    expect(closed).toEqual(['j@1000']);
  });

  it('gives another claimer registered again a minute (its journal may still replay)', async () => {
    const { audit, written } = setUp(() => false);
    audit.audit(spec, mark('worker-1'), nowhere([SELF, 'worker-1']));
    await pass(3 * GRACE_MS);
    expect(written).toEqual([]);
    await pass(GRACE_MS);
    expect(written.map((r) => r.status)).toEqual(['lost']);
  });

  it('does not wait for itself: its own earlier claim is lost once its journal is replayed', async () => {
    let replaying = true;
    const { audit, written } = setUp(() => replaying);
    audit.audit(spec, mark(SELF), nowhere([SELF]));
    await pass(GRACE_MS);
    expect(written).toEqual([]);
    replaying = false;
    await pass(GRACE_MS);
    expect(written).toEqual([
      expect.objectContaining({
        runId: 'j@1000',
        status: 'lost',
        workerId: SELF,
        error: `claimed by worker ${SELF}, which stopped before recording the run`,
      }),
    ]);
  });

  it('writes the lost ticks of one look together, not one durable write after another', async () => {
    const pending: Array<() => void> = [];
    const { audit } = setUp(() => false);
    const runLog = (audit as unknown as { runLog: RunLogService }).runLog;
    runLog.recordIfAbsent = () => new Promise<void>((resolve) => pending.push(resolve));
    for (const tick of [1_000, 2_000, 3_000]) audit.audit(spec, mark('ghost', tick), nowhere([]));
    await pass(GRACE_MS);
    expect(pending).toHaveLength(3);
    pending.forEach((resolve) => resolve());
  });
});
