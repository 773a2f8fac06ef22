import { RunRecord } from './run-record';

/** A minimal run record for the run-log specs. */
export const testRun = (runId: string, status: RunRecord['status'] = 'running'): RunRecord => ({
  runId,
  job: 'j',
  tick: 1000,
  attempt: 1,
  trigger: 'schedule',
  workerId: 'w',
  status,
});
