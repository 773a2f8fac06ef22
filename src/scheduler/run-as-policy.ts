/**
 * Whether a worker may start a job's command as its `runAs` user (pure). The spawner then
 * resolves the identity on the machine and refuses uid 0 (or an explicitly named group of gid 0)
 * unless the decision allowed root, so another name for uid 0 cannot slip through a listing.
 */
import { isRootName, parseRunAs } from '../jobs/run-as';

/** What a namespace allows its jobs to run as. */
export interface NamespaceRunAsPolicy {
  /** User names (or numeric ids, compared as written) its jobs may name in `runAs`. */
  runAsUsers: readonly string[];
  /** Whether its jobs may run as root (`root`, uid 0, or a group of gid 0). */
  allowRoot: boolean;
}

/** Where the worker learns a namespace's policy: today a worker setting, later the namespace. */
export interface RunAsPolicies {
  policyFor(namespace: string): NamespaceRunAsPolicy;
}

export const RUN_AS_POLICIES = Symbol('RUN_AS_POLICIES');

export interface RunAsQuestion {
  /** The job's `runAs`. */
  runAs: string;
  namespace: string;
  /** The worker process's effective uid and user name. */
  workerUid: number;
  workerUser: string;
  policy: NamespaceRunAsPolicy;
}

export type RunAsDecision =
  /** `allowRoot`: the spawner may accept uid 0 for this run. */
  { allow: true; allowRoot: boolean } | { allow: false; reason: string };

function refuse(runAs: string, why: string): RunAsDecision {
  return { allow: false, reason: `runAs ${runAs} refused: ${why}` };
}

export function runAsDecision(question: RunAsQuestion): RunAsDecision {
  const { runAs, namespace, workerUid, workerUser, policy } = question;
  const parsed = parseRunAs(runAs);
  if (!parsed) return refuse(runAs, 'not of the form user or user:group');
  const { user, group } = parsed;
  if (workerUid !== 0) {
    // Without root it cannot change users; its own user is what a job without runAs gets anyway.
    if (user === workerUser || user === String(workerUid)) return { allow: true, allowRoot: false };
    return refuse(
      runAs,
      `this worker runs as ${workerUser} (uid ${workerUid}), not root, and can run commands only as itself`,
    );
  }
  const root = isRootName(user) || (group !== undefined && isRootName(group));
  if (root && !policy.allowRoot) {
    return refuse(runAs, `namespace ${namespace} does not allow running as root`);
  }
  if (!(isRootName(user) && policy.allowRoot) && !policy.runAsUsers.includes(user)) {
    const listed = policy.runAsUsers.length > 0 ? policy.runAsUsers.join(', ') : 'none';
    return refuse(runAs, `namespace ${namespace} does not list user ${user} (it lists ${listed})`);
  }
  return { allow: true, allowRoot: policy.allowRoot };
}
