import { Logger } from '@nestjs/common';
import { Etcd3, IKeyValue, Watcher } from 'etcd3';
import { listPrefix } from '../etcd/paged-range';

export type MirrorEvent =
  | { type: 'reset'; entries: ReadonlyMap<string, string> }
  | { type: 'put'; key: string; value: string; modRevision: number }
  | { type: 'delete'; key: string };

const RESYNC_MIN_MS = 250;
const RESYNC_MAX_MS = 2000;

/**
 * A live copy of every key under an etcd prefix: one listing (a paged range read at one
 * revision), then a watch from that revision + 1, so no change between the two is lost. When the watch is cancelled (compaction),
 * fails or disconnects, the copy is rebuilt the same way (re-list, re-watch) after a short
 * back-off, and every such moment is logged at warn: the copy never goes stale silently.
 * Keys are reported relative to the prefix.
 */
export class PrefixMirror {
  private readonly logger: Logger;
  private readonly entries = new Map<string, string>();
  private watcher?: Watcher;
  private timer?: NodeJS.Timeout;
  private backoffMs = RESYNC_MIN_MS;
  private generation = 0;
  private stopped = false;
  private synced = false;

  /**
   * `keyOf` names an entry after its key's tail (default: the tail itself); keys it returns
   * undefined for are not mirrored.
   */
  constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    name: string,
    private readonly onEvent: (event: MirrorEvent) => void,
    private readonly keyOf: (tail: string) => string | undefined = (tail) => tail,
  ) {
    this.logger = new Logger(`PrefixMirror(${name})`);
  }

  /** True once the first listing arrived and while the watch is believed current. */
  get isSynced(): boolean {
    return this.synced;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): string | undefined {
    return this.entries.get(key);
  }

  snapshot(): ReadonlyMap<string, string> {
    return this.entries;
  }

  /** Resolves after the first successful listing; retries in the background until then. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      const attempt = (): void => {
        this.sync().then(resolve, (error: Error) => {
          this.logger.warn({
            msg: 'initial listing failed; retrying',
            prefix: this.prefix,
            err: error.message,
          });
          this.timer = setTimeout(attempt, this.nextBackoff());
        });
      };
      attempt();
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.dropWatcher();
  }

  private nextBackoff(): number {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(RESYNC_MAX_MS, this.backoffMs * 2);
    return delay;
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    const generation = ++this.generation;
    // Paged, every page at the first page's revision: any number of keys, one snapshot.
    const listing = await listPrefix(this.client, this.prefix);
    if (this.stopped || generation !== this.generation) return;
    const { revision } = listing;
    this.entries.clear();
    for (const kv of listing.kvs) {
      const key = this.tail(kv);
      if (key !== undefined) this.entries.set(key, kv.value.toString());
    }
    const watcher = await this.client
      .watch()
      .prefix(this.prefix)
      .startRevision(String(revision + 1))
      .create();
    if (this.stopped || generation !== this.generation) {
      void watcher.cancel().catch(() => undefined);
      return;
    }
    this.watcher = watcher;
    watcher.on('put', (kv: IKeyValue) => {
      const key = this.tail(kv);
      if (key === undefined) return;
      const value = kv.value.toString();
      this.entries.set(key, value);
      this.onEvent({ type: 'put', key, value, modRevision: Number(kv.mod_revision) });
    });
    watcher.on('delete', (kv: IKeyValue) => {
      const key = this.tail(kv);
      if (key === undefined) return;
      this.entries.delete(key);
      this.onEvent({ type: 'delete', key });
    });
    watcher.on('disconnected', (error: Error) =>
      this.resync(generation, 'watch disconnected', error),
    );
    watcher.on('error', (error: Error) =>
      this.resync(generation, 'watch cancelled or failed', error),
    );
    this.synced = true;
    this.backoffMs = RESYNC_MIN_MS;
    this.onEvent({ type: 'reset', entries: this.entries });
  }

  private resync(generation: number, why: string, error: Error): void {
    if (this.stopped || generation !== this.generation) return;
    this.generation += 1;
    this.synced = false;
    this.dropWatcher();
    const delay = this.nextBackoff();
    this.logger.warn({
      msg: `${why}: re-listing and re-watching`,
      prefix: this.prefix,
      err: error.message,
      delayMs: delay,
    });
    const retry = (): void => {
      this.timer = undefined;
      this.sync().catch((failure: Error) => {
        this.logger.warn({
          msg: 're-listing failed; retrying',
          prefix: this.prefix,
          err: failure.message,
        });
        this.synced = false;
        this.timer = setTimeout(retry, this.nextBackoff());
      });
    };
    this.timer = setTimeout(retry, delay);
  }

  private dropWatcher(): void {
    const watcher = this.watcher;
    this.watcher = undefined;
    if (!watcher) return;
    watcher.removeAllListeners('put');
    watcher.removeAllListeners('delete');
    watcher.removeAllListeners('disconnected');
    watcher.removeAllListeners('error');
    watcher.on('error', () => undefined);
    void watcher.cancel().catch(() => undefined);
  }

  private tail(kv: IKeyValue): string | undefined {
    return this.keyOf(kv.key.toString().slice(this.prefix.length));
  }
}
