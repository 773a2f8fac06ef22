import { JobSpec } from '../jobs/job.model';
import { RunTrigger } from '../logs/run.model';
import { RunRecord } from './run-log/run-record';
import { MissedTicks } from './tick-plan';

/** The fields every record of a tick that did not run shares. */
export interface TickIdentity {
  runId: string;
  job: string;
  tick: number;
  trigger: RunTrigger;
  workerId: string;
}

/** A tick that moved the mark without running: `missed` (misfire) or `skipped` (forbid). */
export function notRunRecord(
  spec: Pick<JobSpec, 'command'>,
  tick: TickIdentity,
  status: 'missed' | 'skipped' | 'lost',
  error: string,
  now: number,
): RunRecord {
  return { ...tick, attempt: 1, status, command: spec.command, error, endedAt: now };
}

/**
 * The records of a plan's missed ticks: one per listed tick, plus one summary record (at the
 * first tick it covers) for the ticks not listed one by one.
 */
export function missedRecords(
  spec: Pick<JobSpec, 'command' | 'misfirePolicy' | 'name'>,
  missed: MissedTicks,
  runIdOf: (tick: number) => string,
  workerId: string,
  now: number,
): RunRecord[] {
  const records: RunRecord[] = [];
  const record = (tick: number, error: string): void => {
    const identity: TickIdentity = {
      runId: runIdOf(tick),
      job: spec.name,
      tick,
      trigger: 'schedule',
      workerId,
    };
    records.push(notRunRecord(spec, identity, 'missed', error, now));
  };
  if (missed.more) {
    const { count, atLeast, first, last, reason } = missed.more;
    const from = new Date(first).toISOString();
    const to = new Date(last).toISOString();
    record(
      first,
      `${atLeast ? 'at least ' : ''}${count} ticks missed from ${from} to ${to} (${reason})`,
    );
  }
  for (const tick of missed.ticks) {
    record(tick, `tick missed: no worker fired it in time (misfire policy ${spec.misfirePolicy})`);
  }
  return records;
}

/** How many ticks `missed` stands for. */
export function missedCount(missed: MissedTicks): number {
  return missed.ticks.length + (missed.more?.count ?? 0);
}

/**
 * What a claimed run that never started becomes when it is handed back: run (by the owner,
 * through a trigger) or recorded `missed`, as its job's misfire policy says for a tick this late.
 */
export function handedBackAs(
  run: {
    tick: number;
    trigger: RunTrigger;
    job: Pick<JobSpec, 'misfirePolicy' | 'catchupWindowSeconds'>;
  },
  now: number,
  thresholdMs: number,
): 'run' | 'missed' {
  const scheduled = run.trigger === 'schedule' || run.trigger === 'catchup';
  const lateMs = now - run.tick;
  if (!scheduled || lateMs <= thresholdMs) return 'run';
  const inWindow = lateMs <= run.job.catchupWindowSeconds * 1000;
  return run.job.misfirePolicy === 'runAll' && inWindow ? 'run' : 'missed';
}
