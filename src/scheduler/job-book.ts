import { DueQueue } from './due-queue';
import { firstLookAt } from './first-look';
import { JobEntry, readEntry, TableJob } from './job-table';
import { JobRole, OwnerCandidate, roleOf } from './ownership';

/** A job this worker schedules, with its view of the job's high-water mark. */
export interface ScheduledJob {
  name: string;
  /** `state/<stateName>`: the job name, or `<job>@<workerId>` for target mode `all`. */
  stateName: string;
  table: TableJob;
  /** `helper`: the owner is saturated; only the ticks it leaves waiting are claimed here. */
  role: JobRole;
  /** The mark: every tick at or before it has been handled. Undefined until read from etcd. */
  cursor?: number;
  stateRevision: number;
  busy: boolean;
  /** Set when the job changed while it was being advanced: look at it again at once. */
  recheck?: boolean;
}

export interface OwnershipChange {
  gained: number;
  lost: number;
}

/**
 * The jobs a worker knows and the ones it schedules: every job of its partitions and every broad
 * job as a light entry (its stored value, revision, target and partition, which decide
 * ownership), the scheduled ones parsed in full, and when each scheduled job is due next.
 * Ownership follows the live membership (rendezvous hashing of partitions, of broad jobs one by
 * one, and a helper of a saturated worker). No I/O: JobSources feeds it watch events.
 */
export class JobBook {
  /** Every job, as an entry; parsed in full only in `owned`. */
  readonly table = new Map<string, JobEntry>();
  readonly owned = new Map<string, ScheduledJob>();
  /** When each owned job must be looked at next (absent while it cannot fire). */
  readonly due = new DueQueue<string>();
  private members: OwnerCandidate[] = [];
  /** Names in `owned` scheduled as helper. */
  private readonly helping = new Set<string>();

  constructor(
    private readonly self: OwnerCandidate,
    /** Parses a job in full (logging a schedule that does not parse); undefined if not a job. */
    private readonly parse: (name: string, entry: JobEntry) => TableJob | undefined,
    /** The worker pool of a job's namespace (by job id); undefined: the namespace is unknown. */
    private readonly poolOf: (name: string) => Record<string, string> | undefined = () => ({}),
  ) {}

  get workers(): readonly OwnerCandidate[] {
    return this.members;
  }

  /** Whether this worker appears in the live membership. */
  get listed(): boolean {
    return this.members.some((w) => w.id === this.self.id);
  }

  setWorkers(workers: OwnerCandidate[]): void {
    this.members = workers;
  }

  /**
   * Stores a job's new value, read from `partition` (undefined: from `broad/`); false when the
   * value is not a job at all, or not one for its namespace's pool (it is ignored).
   */
  put(name: string, value: string, revision: number, partition?: string): boolean {
    const entry = readEntry(name, value, revision, this.poolOf(name));
    if (entry && partition !== undefined) entry.partition = partition;
    if (!entry) {
      // Not a job, or not one for this namespace's pool: nobody here schedules it.
      if (this.table.delete(name)) this.disown(name);
      return false;
    }
    const before = this.table.get(name);
    this.table.set(name, entry);
    if (before && before.target.mode !== entry.target.mode) {
      // The mark key and run ids differ between modes: start over as a new scheduled job.
      this.disown(name);
      return true;
    }
    const scheduled = this.owned.get(name);
    if (!scheduled) return true;
    const job = this.parse(name, entry);
    if (!job) {
      this.disown(name);
      return true;
    }
    scheduled.table = job;
    scheduled.recheck = scheduled.busy;
    this.due.set(name, Date.now());
    return true;
  }

  /** Whether `value` is a job that may run in its namespace's pool (it need not be held). */
  acceptable(name: string, value: string): boolean {
    return readEntry(name, value, 0, this.poolOf(name)) !== undefined;
  }

  delete(name: string): void {
    this.table.delete(name);
    this.disown(name);
  }

  disown(name: string): boolean {
    this.due.set(name, undefined);
    this.helping.delete(name);
    return this.owned.delete(name);
  }

  /** How this worker schedules the job now (by its partition, or itself when broad), if at all. */
  roleFor(name: string): JobRole | undefined {
    const entry = this.table.get(name);
    return entry && roleOf(this.self, entry.partition ?? name, entry.target, this.members);
  }

  /** Takes, drops or re-roles one job as the membership says: +1 gained, -1 lost, 0 otherwise. */
  update(name: string, registered: boolean): number {
    const entry = this.table.get(name);
    const role = registered ? this.roleFor(name) : undefined;
    const scheduled = this.owned.get(name);
    if (role && scheduled) {
      if (scheduled.role !== role) {
        scheduled.role = role;
        this.countRole(name, role);
        this.due.set(name, Date.now());
      }
      return 0;
    }
    if (role && entry) {
      const job = this.parse(name, entry);
      if (!job) return 0;
      const all = entry.target.mode === 'all';
      this.owned.set(name, {
        name,
        stateName: all ? `${name}@${this.self.id}` : name,
        table: job,
        role,
        stateRevision: 0,
        busy: false,
      });
      this.countRole(name, role);
      this.due.set(name, firstLookAt(job, Date.now()));
      return 1;
    }
    return !role && this.disown(name) ? -1 : 0;
  }

  private countRole(name: string, role: JobRole): void {
    if (role === 'helper') this.helping.add(name);
    else this.helping.delete(name);
  }

  /** Recomputes every job's role (the membership changed). */
  recompute(registered: boolean): OwnershipChange {
    const change = { gained: 0, lost: 0 };
    for (const name of this.table.keys()) {
      const delta = this.update(name, registered);
      if (delta > 0) change.gained += 1;
      if (delta < 0) change.lost += 1;
    }
    return change;
  }

  /** Jobs this worker schedules as owner (the `cronplane_owned_jobs` gauge). */
  get ownedCount(): number {
    return this.owned.size - this.helping.size;
  }

  /** Jobs this worker helps a saturated owner with. */
  get helpingCount(): number {
    return this.helping.size;
  }

  /** Forgets every cached mark (the session was lost: marks are read again). */
  forgetMarks(): void {
    for (const job of this.owned.values()) job.cursor = undefined;
  }
}
