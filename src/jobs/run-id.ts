import { splitJobId } from '../etcd/etcd-keys';

/**
 * Run ids are built from job ids (`<namespace>:<name>`, or the name in `default`), ticks, worker
 * ids and `@ ! #` (src/logs/run.model.ts).
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@!#:-]{0,299}$/;

/** The namespace a run id belongs to (its job id is the part before the first `@`). */
export function namespaceOfRun(runId: string): string {
  return splitJobId(runId.split('@')[0]).namespace;
}
