import { createHash } from 'node:crypto';
import { DEFAULT_NAMESPACE } from '../namespaces/namespace';

/** Slots per namespace: a job's slot is fixed by its namespace and name. */
export const SLOTS = 256;

/** Two hex digits: the first byte of sha1(`<namespace>/<name>`). */
export function slotOf(namespace: string, name: string): string {
  return createHash('sha1').update(`${namespace}/${name}`).digest('hex').slice(0, 2);
}

/**
 * A job's id on the workers, in marks, running keys, triggers and run ids: its name in the
 * default namespace (the first layout's keys and run ids stay valid), `<namespace>:<name>`
 * elsewhere. Neither names nor namespaces may contain `:`, so the id is unambiguous.
 */
export function jobId(namespace: string, name: string): string {
  return namespace === DEFAULT_NAMESPACE ? name : `${namespace}:${name}`;
}

export function splitJobId(id: string): { namespace: string; name: string } {
  const at = id.indexOf(':');
  return at < 0
    ? { namespace: DEFAULT_NAMESPACE, name: id }
    : { namespace: id.slice(0, at), name: id.slice(at + 1) };
}

/** The job id of a key's tail under `specs/` (`<namespace>/<slot>/<name>`), if it is one. */
export function jobIdOfSpecTail(tail: string): string | undefined {
  const parts = tail.split('/');
  if (parts.length !== 3 || parts.some((part) => part === '')) return undefined;
  const [namespace, slot, name] = parts;
  return slot === slotOf(namespace, name) ? jobId(namespace, name) : undefined;
}

/**
 * The key space of docs/coordination.md under one prefix (default `/cron/`). Every etcd key the
 * project reads or writes is built here, so names can never escape the prefix.
 */
export class EtcdKeys {
  constructor(readonly prefix: string) {}

  /** Job definitions: `specs/<namespace>/<slot>/<name>` (docs/coordination.md, "Keys"). */
  readonly specsPrefix = (namespace?: string): string =>
    namespace === undefined ? `${this.prefix}specs/` : `${this.prefix}specs/${namespace}/`;
  readonly spec = (namespace: string, name: string): string =>
    `${this.specsPrefix(namespace)}${slotOf(namespace, name)}/${name}`;
  /** The definition's key of a job known by its id (see `jobId`). */
  readonly specOfJob = (id: string): string => {
    const { namespace, name } = splitJobId(id);
    return this.spec(namespace, name);
  };
  /**
   * The worker-side indexes written with each job (docs/coordination.md, "Partitions"): a copy
   * of every job that is not owned by partition (`broad/<job id>`), and one key per dependency
   * edge (`children/<parent id>/<child id>`).
   */
  readonly broadPrefix = (): string => `${this.prefix}broad/`;
  readonly broad = (id: string): string => `${this.broadPrefix()}${id}`;
  readonly childrenPrefix = (): string => `${this.prefix}children/`;
  readonly childEdge = (parent: string, child: string): string =>
    `${this.childrenPrefix()}${parent}/${child}`;
  readonly namespacesPrefix = (): string => `${this.prefix}namespaces/`;
  readonly namespace = (name: string): string => `${this.namespacesPrefix()}${name}`;
  readonly secretsPrefix = (namespace: string): string => `${this.prefix}secrets/${namespace}/`;
  readonly secret = (namespace: string, name: string): string =>
    `${this.secretsPrefix(namespace)}${name}`;
  /** Put by every job write in a namespace, so a namespace is deleted only while empty. */
  readonly namespaceFence = (name: string): string => `${this.prefix}nsfence/${name}`;
  /**
   * The layout version the store is in: absent (the first layout), `2` (namespaced keys) or `3`
   * (namespaced keys and the worker-side indexes).
   */
  readonly layout = (): string => `${this.prefix}layout`;
  /** The first layout's job definitions, `jobs/<name>`: read only by the migration. */
  readonly legacyJobsPrefix = (): string => `${this.prefix}jobs/`;
  readonly legacyJob = (name: string): string => `${this.legacyJobsPrefix()}${name}`;
  readonly workersPrefix = (): string => `${this.prefix}workers/`;
  readonly worker = (workerId: string): string => `${this.workersPrefix()}${workerId}`;
  readonly statePrefix = (): string => `${this.prefix}state/`;
  readonly state = (name: string): string => `${this.statePrefix()}${name}`;
  readonly runningPrefix = (name?: string): string =>
    name === undefined ? `${this.prefix}running/` : `${this.prefix}running/${name}/`;
  readonly running = (name: string, runId: string): string => `${this.runningPrefix(name)}${runId}`;
  readonly triggerPrefix = (name?: string): string =>
    name === undefined ? `${this.prefix}trigger/` : `${this.prefix}trigger/${name}/`;
  readonly trigger = (name: string, id: string): string => `${this.triggerPrefix(name)}${id}`;
  /** A child job's parent state (fan-in), written with the end of its parents' runs. */
  readonly deps = (child: string): string => `${this.prefix}deps/${child}`;
  /** Present (on a lease) once a claim was handed back as a trigger: it is never handed twice. */
  readonly handedBack = (runId: string): string => `${this.prefix}handback/${runId}`;
  /** Backfills (src/backfill): their state, and the guard of each tick one of them triggered. */
  readonly backfillsPrefix = (): string => `${this.prefix}backfills/`;
  readonly backfill = (id: string): string => `${this.backfillsPrefix()}${id}`;
  readonly backfilled = (runId: string): string => `${this.prefix}backfilled/${runId}`;
  /** Keys under `<kind>/` whose run id belongs to the job `job` (`<kind>/<job>@...`). */
  readonly runIdsOfJob = (kind: 'backfilled' | 'handback' | 'audit', job: string): string =>
    `${this.prefix}${kind}/${job}@`;
  readonly killPrefix = (): string => `${this.prefix}kill/`;
  readonly kill = (target: string): string => `${this.killPrefix()}${target}`;
  readonly leader = (): string => `${this.prefix}leader`;
  readonly mastersPrefix = (): string => `${this.prefix}masters/`;
  readonly master = (id: string): string => `${this.mastersPrefix()}${id}`;
  readonly tokensPrefix = (): string => `${this.prefix}tokens/`;
  readonly token = (id: string): string => `${this.tokensPrefix()}${id}`;
  /** The last version number of a job's history (docs/versions.md); kept when the job is deleted. */
  readonly versionSeq = (ns: string, name: string): string =>
    `${this.prefix}versions/seq/${ns}/${name}`;
  /** Versions written with their job's change, until they are copied to MongoDB. */
  readonly versionOutboxPrefix = (): string => `${this.prefix}versions/outbox/`;
  readonly versionOutbox = (ns: string, name: string, version: number): string =>
    `${this.versionOutboxPrefix()}${ns}/${name}/${String(version).padStart(10, '0')}`;
  /** SSO: the groups-to-grants mapping, and sessions and pending logins by the hash of their id. */
  readonly ssoGroupGrants = (): string => `${this.prefix}sso/group-grants`;
  readonly ssoSession = (hash: string): string => `${this.prefix}sso/sessions/${hash}`;
  readonly ssoLogin = (hash: string): string => `${this.prefix}sso/logins/${hash}`;
  /** Present once the first admin token exists: only one master ever generates one. */
  readonly tokensBootstrapped = (): string => `${this.prefix}auth/bootstrapped`;

  /** The part of `key` after `prefix`, or undefined when the key is not under it. */
  static tail(key: string, prefix: string): string | undefined {
    return key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
  }
}
