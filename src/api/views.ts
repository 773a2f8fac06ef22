import { splitJobId } from '../etcd/etcd-keys';
import { AuditEntry } from '../audit/schemas/audit-entry.schema';
import { StoredJob } from '../jobs/job.model';
import { Run } from '../logs/schemas/run.schema';
import { AuditEntryView } from './dto/misc.dto';
import { JobView } from './dto/job.dto';
import { RunSummaryView, RunView } from './dto/run.dto';

function iso(date: Date | undefined): string | undefined {
  return date === undefined || date === null ? undefined : new Date(date).toISOString();
}

/** A job as the API shows it: its name within its namespace (the service knows it by id). */
export function jobView(job: StoredJob): JobView {
  const { namespace, name } = splitJobId(job.name);
  return { ...job, name, namespace };
}

/** A run record as the API shows it; `output` only when asked for. */
export function runView(run: Run, withOutput: boolean): RunView {
  return {
    runId: run.runId,
    job: splitJobId(run.job).name,
    namespace: splitJobId(run.job).namespace,
    tick: new Date(run.tick).toISOString(),
    attempt: run.attempt,
    trigger: run.trigger,
    workerId: run.workerId,
    status: run.status,
    exitCode: run.exitCode,
    signal: run.signal,
    error: run.error,
    ...(withOutput
      ? { output: run.output ?? '', truncated: run.truncated ?? false }
      : { truncated: run.truncated }),
    startedAt: iso(run.startedAt),
    endedAt: iso(run.endedAt),
    durationMs: run.durationMs,
    latenessMs: run.latenessMs,
    ...(run.parentJob !== undefined && { parentJob: splitJobId(run.parentJob).name }),
    ...(run.parentRunId !== undefined && { parentRunId: run.parentRunId }),
  };
}

export function runSummary(run: Run): RunSummaryView {
  return {
    runId: run.runId,
    status: run.status,
    trigger: run.trigger,
    tick: new Date(run.tick).toISOString(),
    startedAt: iso(run.startedAt),
    endedAt: iso(run.endedAt),
    durationMs: run.durationMs,
    exitCode: run.exitCode,
    workerId: run.workerId,
  };
}

export function auditView(entry: AuditEntry): AuditEntryView {
  return { ...entry, at: new Date(entry.at).toISOString() };
}
