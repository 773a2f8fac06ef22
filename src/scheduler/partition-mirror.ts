import { Logger } from '@nestjs/common';
import { Etcd3, IKeyValue, Range, Watcher } from 'etcd3';
import { EtcdKeys, jobIdOfSpecTail, SLOTS } from '../etcd/etcd-keys';
import { scanPrefix } from '../etcd/paged-range';
import { partitionOfJob, splitPartition } from './partitions';

/** A job definition as read, with its mod revision. */
export interface StoredValue {
  value: string;
  revision: number;
}

export type PartitionEvent =
  /** The partition's whole content (after it was gained, or re-listed after a watch failure). */
  | { type: 'reset'; partition: string; entries: ReadonlyMap<string, StoredValue> }
  | { type: 'put'; partition: string; id: string; value: string; revision: number }
  | { type: 'delete'; partition: string; id: string }
  /** The partition is no longer held: its jobs leave this worker (they were not deleted). */
  | { type: 'drop'; partition: string; ids: string[] };

interface Held {
  entries: Map<string, StoredValue>;
  /** The revision it was listed at; undefined while the listing is pending. */
  listedAt?: number;
  /** Watch events that arrived before the listing. */
  buffer: { id: string; kv: IKeyValue; put: boolean }[];
}

/** A namespace this small is listed in one read when any of its partitions is gained. */
const WHOLE_NAMESPACE_KEYS = 2000;
const LISTINGS_IN_FLIGHT = 4;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 2000;

/** Ends a scan whose generation is over (the watch was restarted: everything is re-listed). */
class StaleListing extends Error {}

/**
 * The job definitions of the partitions a worker holds (docs/coordination.md, "Partitions"):
 * one watch on `specs/`, whose events outside the held partitions are dropped at the key, and a
 * paged listing per gained partition (one per namespace when it is small). A listing at revision
 * L applies the watch's events after L only, so nothing between the two is lost or applied
 * twice. A failed watch (compaction, disconnection) re-lists the held partitions only.
 */
export class PartitionMirror {
  private readonly logger = new Logger(PartitionMirror.name);
  private readonly held = new Map<string, Held>();
  private readonly queue = new Set<string>();
  private watcher?: Watcher;
  private watching?: Promise<void>;
  private generation = 0;
  private listings = 0;
  private retryMs = RETRY_MIN_MS;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private layoutWarned = false;

  constructor(
    private readonly client: Etcd3,
    private readonly keys: EtcdKeys,
    private readonly onEvent: (event: PartitionEvent) => void,
  ) {}

  /** Partitions held and listed / held in all. */
  get progress(): { listed: number; held: number } {
    let listed = 0;
    for (const state of this.held.values()) if (state.listedAt !== undefined) listed += 1;
    return { listed, held: this.held.size };
  }

  get(id: string): StoredValue | undefined {
    return this.held.get(partitionOfJob(id))?.entries.get(id);
  }

  /** The held jobs of the namespaces `which` selects. */
  *entries(which: (namespace: string) => boolean): Generator<[string, StoredValue]> {
    for (const [partition, state] of this.held)
      if (which(splitPartition(partition).namespace)) yield* state.entries;
  }

  /** Holds exactly `partitions`: gained ones are listed (in the background), lost ones dropped. */
  hold(partitions: ReadonlySet<string>): void {
    if (this.stopped) return;
    for (const [partition, state] of this.held) {
      if (partitions.has(partition)) continue;
      this.held.delete(partition);
      this.queue.delete(partition);
      this.onEvent({ type: 'drop', partition, ids: [...state.entries.keys()] });
    }
    for (const partition of partitions) {
      if (this.held.has(partition)) continue;
      this.held.set(partition, { entries: new Map(), buffer: [] });
      this.queue.add(partition);
    }
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.dropWatcher();
  }

  private pump(): void {
    if (this.stopped || this.timer) return;
    if (!this.watcher) {
      this.watching ??= this.watch().finally(() => (this.watching = undefined));
      return;
    }
    const byNamespace = new Map<string, string[]>();
    for (const partition of this.queue) {
      const { namespace } = splitPartition(partition);
      byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), partition]);
    }
    for (const [namespace, partitions] of byNamespace) {
      if (this.listings >= LISTINGS_IN_FLIGHT) return;
      for (const partition of partitions) this.queue.delete(partition);
      this.listings += 1;
      const generation = this.generation;
      void this.list(namespace, partitions, generation)
        .then(() => (this.retryMs = RETRY_MIN_MS))
        .catch((error: Error) => {
          if (generation !== this.generation) return;
          for (const partition of partitions)
            if (this.held.has(partition)) this.queue.add(partition);
          this.retryLater('partition listing failed; retrying', error);
        })
        .finally(() => {
          this.listings -= 1;
          this.pump();
        });
    }
  }

  /** Starts the watch at the current revision + 1, then lists every held partition again. */
  private async watch(): Promise<void> {
    const generation = ++this.generation;
    try {
      const { header, kvs } = await this.client.kv.range({
        key: Buffer.from(this.keys.layout()),
      });
      this.checkLayout(kvs[0]?.value.toString());
      const watcher = await this.client
        .watch()
        .prefix(this.keys.specsPrefix())
        .startRevision(String(Number(header.revision) + 1))
        .create();
      if (this.stopped || generation !== this.generation) {
        void watcher.cancel().catch(() => undefined);
        return;
      }
      this.watcher = watcher;
      watcher.on('put', (kv: IKeyValue) => this.onChange(kv, true));
      watcher.on('delete', (kv: IKeyValue) => this.onChange(kv, false));
      watcher.on('disconnected', (error: Error) => this.resync('watch disconnected', error));
      watcher.on('error', (error: Error) => this.resync('watch cancelled or failed', error));
      for (const [partition, state] of this.held) {
        state.listedAt = undefined;
        state.buffer = [];
        this.queue.add(partition);
      }
      this.pump();
    } catch (error) {
      if (generation === this.generation) this.retryLater('watch failed; retrying', error as Error);
    }
  }

  /** Says once when no master of this release has built the worker-side indexes yet. */
  private checkLayout(layout: string | undefined): void {
    if (this.layoutWarned || layout === undefined || Number(layout) >= 3) return;
    this.layoutWarned = true;
    this.logger.warn({
      msg: 'store layout is older than 3: broad jobs and dependencies written by older masters are not seen until a master of this release starts (upgrade masters first)',
      layout,
    });
  }

  private resync(why: string, error: Error): void {
    if (this.stopped) return;
    this.generation += 1;
    this.dropWatcher();
    this.retryLater(`${why}: re-listing the held partitions`, error);
  }

  private retryLater(why: string, error: Error): void {
    if (this.stopped || this.timer) return;
    const delayMs = this.retryMs;
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
    this.logger.warn({ msg: why, err: error.message, delayMs });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, delayMs);
  }

  /**
   * Lists `partitions` of one namespace. A small namespace, or a large one of which at least
   * half the partitions are wanted (a worker that starts alone, or the first to start), is read
   * in one paged scan that keeps only the wanted partitions' jobs: one pass costs less than many
   * (etcd walks the rest of the range for every page). Otherwise each partition is read alone.
   */
  private async list(namespace: string, partitions: string[], generation: number): Promise<void> {
    const prefix = this.keys.specsPrefix(namespace);
    if (partitions.length * 2 >= SLOTS || (await this.countKeys(prefix)) <= WHOLE_NAMESPACE_KEYS) {
      await this.scan(prefix, partitions, generation);
      return;
    }
    for (const partition of partitions) {
      if (generation !== this.generation || !this.held.has(partition)) continue;
      await this.scan(this.keys.specsPrefix(partition), [partition], generation);
    }
  }

  private async scan(prefix: string, partitions: string[], generation: number): Promise<void> {
    const wanted = new Set(partitions);
    let found = new Map<string, Map<string, StoredValue>>();
    const listing = await scanPrefix(this.client, prefix, {
      page: (kvs) => {
        if (generation !== this.generation) throw new StaleListing();
        for (const kv of kvs) {
          const id = this.idOf(kv);
          if (id === undefined) continue;
          const partition = partitionOfJob(id);
          if (!wanted.has(partition) || !this.held.has(partition)) continue;
          let entries = found.get(partition);
          if (!entries) found.set(partition, (entries = new Map()));
          entries.set(id, { value: kv.value.toString(), revision: Number(kv.mod_revision) });
        }
      },
      restart: () => (found = new Map()),
    }).catch((error: unknown) => {
      if (error instanceof StaleListing) return undefined;
      throw error;
    });
    if (listing) this.listed(partitions, found, listing.revision, generation);
  }

  private async countKeys(prefix: string): Promise<number> {
    const range = Range.prefix(prefix);
    const response = await this.client.kv.range({
      key: range.start,
      range_end: range.end,
      count_only: true,
    });
    return Number(response.count);
  }

  private listed(
    partitions: string[],
    found: Map<string, Map<string, StoredValue>>,
    revision: number,
    generation: number,
  ): void {
    if (this.stopped || generation !== this.generation) return;
    for (const partition of partitions) {
      const state = this.held.get(partition);
      if (!state || state.listedAt !== undefined) continue;
      state.entries = found.get(partition) ?? new Map();
      state.listedAt = revision;
      const buffered = state.buffer;
      state.buffer = [];
      for (const { id, kv, put } of buffered) this.apply(state, id, kv, put, false);
      this.onEvent({ type: 'reset', partition, entries: state.entries });
    }
  }

  private onChange(kv: IKeyValue, put: boolean): void {
    const id = this.idOf(kv);
    const state = id === undefined ? undefined : this.held.get(partitionOfJob(id));
    if (!state || id === undefined) return;
    if (state.listedAt === undefined) state.buffer.push({ id, kv, put });
    else this.apply(state, id, kv, put, true);
  }

  private apply(state: Held, id: string, kv: IKeyValue, put: boolean, report: boolean): void {
    const revision = Number(kv.mod_revision);
    if (state.listedAt === undefined || revision <= state.listedAt) return;
    const partition = partitionOfJob(id);
    if (put) {
      const value = kv.value.toString();
      state.entries.set(id, { value, revision });
      if (report) this.onEvent({ type: 'put', partition, id, value, revision });
    } else if (state.entries.delete(id) && report) {
      this.onEvent({ type: 'delete', partition, id });
    }
  }

  private idOf(kv: IKeyValue): string | undefined {
    return jobIdOfSpecTail(kv.key.toString().slice(this.keys.specsPrefix().length));
  }

  private dropWatcher(): void {
    const watcher = this.watcher;
    this.watcher = undefined;
    if (!watcher) return;
    watcher.removeAllListeners();
    watcher.on('error', () => undefined);
    void watcher.cancel().catch(() => undefined);
  }
}
