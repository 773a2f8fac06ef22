import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { runsMaster } from '../config/role';
import { EtcdService } from '../etcd/etcd.service';
import { jobId, jobIdOfSpecTail, splitJobId } from '../etcd/etcd-keys';
import { MirrorEvent, PrefixMirror } from '../workers/prefix-mirror';
import { SortedNames } from './sorted-names';

/**
 * The master's index of job definitions, for listing them by name: in the store they are keyed
 * by slot (`specs/<namespace>/<slot>/<name>`), so key order is not name order. A watched copy of
 * `specs/` (a paged listing, then a watch), with each namespace's names kept sorted. A write made
 * through this master is applied at once (`applied`), so a list right after it shows it; writes
 * of other masters arrive through the watch within milliseconds.
 */
@Injectable()
export class JobCatalog implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(JobCatalog.name);
  private readonly mirror: PrefixMirror;
  private readonly values = new Map<string, { value: string; revision: number }>();
  private readonly names = new Map<string, SortedNames>();
  private started?: Promise<void>;

  constructor(
    etcd: EtcdService,
    private readonly config: AppConfig,
  ) {
    this.mirror = new PrefixMirror(
      etcd.client,
      etcd.keys.specsPrefix(),
      'catalog',
      (event) => this.onEvent(event),
      jobIdOfSpecTail,
    );
  }

  /** Resolves once the first listing is in (started on first use). */
  ready(): Promise<void> {
    this.started ??= this.mirror.start();
    return this.started;
  }

  /** Masters list at start, so the first page does not wait for the listing. */
  onApplicationBootstrap(): void {
    if (runsMaster(this.config.ROLE)) void this.ready();
  }

  onModuleDestroy(): void {
    this.mirror.stop();
  }

  /**
   * Up to `limit` values of `namespace`'s jobs by name after `after` (exclusive) or from `from`
   * (inclusive), for which `keep` holds; `more` when further names follow.
   */
  async page(
    namespace: string,
    options: { after?: string; from?: string; limit: number; keep: (id: string) => boolean },
  ): Promise<{ ids: string[]; more: boolean }> {
    await this.ready();
    const sorted = this.names.get(namespace);
    if (!sorted) return { ids: [], more: false };
    const ids: string[] = [];
    for (const name of sorted.from(options.after, options.from)) {
      const id = jobId(namespace, name);
      if (!options.keep(id)) continue;
      if (ids.length === options.limit) return { ids, more: true };
      ids.push(id);
    }
    return { ids, more: false };
  }

  /** The stored value of a job (by id), as last seen. */
  value(id: string): { value: string; revision: number } | undefined {
    return this.values.get(id);
  }

  /** Names of a namespace's jobs (how many), for deciding whether it is empty. */
  count(namespace: string): number {
    return this.names.get(namespace)?.size ?? 0;
  }

  /** A write this master made (value undefined: a deletion) at `revision`. */
  applied(id: string, value: string | undefined, revision: number): void {
    const known = this.values.get(id);
    if (known && known.revision > revision) return;
    if (value === undefined) this.remove(id);
    else this.set(id, value, revision);
  }

  private onEvent(event: MirrorEvent): void {
    if (event.type === 'reset') {
      this.values.clear();
      this.names.clear();
      const byNamespace = new Map<string, string[]>();
      for (const [id, value] of event.entries) {
        this.values.set(id, { value, revision: 0 });
        const { namespace, name } = splitJobId(id);
        let names = byNamespace.get(namespace);
        if (!names) byNamespace.set(namespace, (names = []));
        names.push(name);
      }
      for (const [namespace, names] of byNamespace)
        this.names.set(namespace, SortedNames.of(names));
      this.logger.log({ msg: 'job catalog listed', jobs: this.values.size });
    } else if (event.type === 'put') {
      this.set(event.key, event.value, event.modRevision);
    } else {
      this.remove(event.key);
    }
  }

  private set(id: string, value: string, revision: number): void {
    const { namespace, name } = splitJobId(id);
    if (!this.values.has(id)) {
      let sorted = this.names.get(namespace);
      if (!sorted) this.names.set(namespace, (sorted = new SortedNames()));
      sorted.add(name);
    }
    this.values.set(id, { value, revision });
  }

  private remove(id: string): void {
    if (!this.values.delete(id)) return;
    const { namespace, name } = splitJobId(id);
    const sorted = this.names.get(namespace);
    sorted?.delete(name);
    if (sorted?.size === 0) this.names.delete(namespace);
  }
}
