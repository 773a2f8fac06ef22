/**
 * The key space of docs/coordination.md under one prefix (default `/cron/`). Every etcd key the
 * project reads or writes is built here, so names can never escape the prefix.
 */
export class EtcdKeys {
  constructor(readonly prefix: string) {}

  readonly jobsPrefix = (): string => `${this.prefix}jobs/`;
  readonly job = (name: string): string => `${this.jobsPrefix()}${name}`;
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
  /** Present (on a lease) once a claim was handed back as a trigger: it is never handed twice. */
  readonly handedBack = (runId: string): string => `${this.prefix}handback/${runId}`;
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
  /** Present once the first admin token exists: only one master ever generates one. */
  readonly tokensBootstrapped = (): string => `${this.prefix}auth/bootstrapped`;

  /** The part of `key` after `prefix`, or undefined when the key is not under it. */
  static tail(key: string, prefix: string): string | undefined {
    return key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
  }
}
