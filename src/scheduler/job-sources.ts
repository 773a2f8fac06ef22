import { JobBook } from './job-book';
import { StoredValue } from './partition-mirror';
import { isBroadValue, partitionOfJob } from './partitions';

/** What a change of the sources did to jobs beyond the book, for the scheduler to act on. */
export interface SourceChanges {
  /** Values that are not jobs, or not for their namespace's pool: explained in the log. */
  ignored: string[];
  /** Definitions deleted: their runs here are killed. */
  deleted: string[];
  /**
   * Broad jobs gone from `broad/`, deleted or no longer broad in a partition not held here: the
   * scheduler asks etcd which before it kills anything.
   */
  unsure: string[];
  /** Jobs of partitions no longer held: scheduled elsewhere now, their runs go on. */
  released: string[];
  /** Jobs put into the book: their role is decided again. */
  touched: string[];
}

const none = (): SourceChanges => ({
  ignored: [],
  deleted: [],
  unsure: [],
  released: [],
  touched: [],
});

/**
 * Merges the two places a worker reads job definitions from into its JobBook (no I/O): the
 * partitions it holds (PartitionMirror) and the broad jobs (`broad/`, a copy written with the
 * definition, so both carry the same revision). A job's entry in the book says where it came
 * from. A broad job is taken from `broad/` only; a partition's copy of it is not used, so the two
 * watches may deliver the same transaction in either order and the job is neither lost nor
 * scheduled twice (docs/coordination.md, "Partitions").
 */
export class JobSources {
  constructor(
    private readonly book: JobBook,
    /** A job's definition in the held partitions. */
    private readonly inPartition: (id: string) => StoredValue | undefined,
  ) {}

  broadPut(id: string, value: string, revision: number, out = none()): SourceChanges {
    const before = this.book.table.get(id);
    if (before?.partition !== undefined && before.revision > revision) return out;
    if (this.book.put(id, value, revision)) out.touched.push(id);
    else out.ignored.push(id);
    return out;
  }

  broadDelete(id: string, out = none()): SourceChanges {
    const before = this.book.table.get(id);
    if (before?.partition !== undefined) return out;
    const stored = this.inPartition(id);
    if (stored && !isBroadValue(stored.value)) {
      this.partitionPut(id, stored.value, stored.revision, out);
      return out;
    }
    if (before) {
      this.book.delete(id);
      out.unsure.push(id);
    }
    return out;
  }

  /** A listing of `broad/`: entries gone are deleted as above, changed ones put. */
  broadReset(entries: ReadonlyMap<string, StoredValue>): SourceChanges {
    const out = none();
    for (const [id, entry] of this.book.table)
      if (entry.partition === undefined && !entries.has(id)) this.broadDelete(id, out);
    for (const [id, { value, revision }] of entries)
      if (this.book.table.get(id)?.value !== value) this.broadPut(id, value, revision, out);
    return out;
  }

  /** A definition in a held partition (a job's partition follows from its id). */
  partitionPut(id: string, value: string, revision: number, out = none()): SourceChanges {
    const before = this.book.table.get(id);
    if (isBroadValue(value)) {
      // Broad now: `broad/` carries it. A copy this worker took from the partition goes.
      if (before?.partition !== undefined) {
        this.book.delete(id);
        out.released.push(id);
      }
      // One that may never run here is explained by its partition's holder, indexed or not.
      if (!this.book.acceptable(id, value)) out.ignored.push(id);
      return out;
    }
    if (before && before.partition === undefined && before.revision > revision) return out;
    if (this.book.put(id, value, revision, partitionOfJob(id))) out.touched.push(id);
    else out.ignored.push(id);
    return out;
  }

  partitionDelete(id: string): SourceChanges {
    const out = none();
    // A broad job's definition went too: its `broad/` copy's deletion settles it.
    if (this.book.table.get(id)?.partition === undefined) return out;
    this.book.delete(id);
    out.deleted.push(id);
    return out;
  }

  /** A partition's whole content: jobs gone from it were deleted, changed ones are put. */
  partitionReset(partition: string, entries: ReadonlyMap<string, StoredValue>): SourceChanges {
    const out = none();
    for (const [id, entry] of this.book.table) {
      if (entry.partition !== partition || entries.has(id)) continue;
      this.book.delete(id);
      out.deleted.push(id);
    }
    for (const [id, { value, revision }] of entries)
      if (this.book.table.get(id)?.value !== value) this.partitionPut(id, value, revision, out);
    return out;
  }

  /** A partition no longer held: its jobs leave the book, not deleted. */
  partitionDrop(partition: string, ids: readonly string[]): SourceChanges {
    const out = none();
    for (const id of ids) {
      if (this.book.table.get(id)?.partition !== partition) continue;
      this.book.delete(id);
      out.released.push(id);
    }
    return out;
  }

  /** Reads again the given jobs (their namespace's pool changed), changed or not. */
  reread(
    broad: Iterable<[string, StoredValue]>,
    partitions: Iterable<[string, StoredValue]>,
  ): SourceChanges {
    const out = none();
    for (const [id, { value, revision }] of broad) this.broadPut(id, value, revision, out);
    for (const [id, { value, revision }] of partitions) this.partitionPut(id, value, revision, out);
    return out;
  }
}
