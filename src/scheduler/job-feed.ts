import { Logger } from '@nestjs/common';
import { Etcd3 } from 'etcd3';
import { EtcdKeys, splitJobId } from '../etcd/etcd-keys';
import { JobSpec } from '../jobs/job.model';
import { PrefixMirror } from '../workers/prefix-mirror';
import { DependencyIndex } from './dependency-index';
import { JobBook } from './job-book';
import { JobSources, SourceChanges } from './job-sources';
import { specOf } from './job-table';
import { PartitionEvent, PartitionMirror } from './partition-mirror';

/**
 * Where a worker's job definitions come from (docs/coordination.md, "Partitions"): the partitions
 * it holds (PartitionMirror), the broad jobs (`broad/`) and the dependency edges (`children/`).
 * Every change is merged into the JobBook (JobSources) and reported to the scheduler.
 */
export class JobFeed {
  private readonly logger = new Logger(JobFeed.name);
  private readonly sources: JobSources;
  private readonly partitions: PartitionMirror;
  private readonly broad: PrefixMirror;
  private readonly children: PrefixMirror;

  constructor(
    private readonly client: Etcd3,
    private readonly keys: EtcdKeys,
    private readonly book: JobBook,
    dependencies: DependencyIndex,
    private readonly onChange: (changes: SourceChanges) => void,
  ) {
    this.partitions = new PartitionMirror(client, keys, (event) => this.onPartition(event));
    this.sources = new JobSources(book, (id) => this.partitions.get(id));
    this.broad = new PrefixMirror(client, keys.broadPrefix(), 'broad', (event) => {
      if (event.type === 'reset') {
        const entries = new Map(
          [...event.entries].map(([id, value]) => [id, { value, revision: 0 }]),
        );
        this.onChange(this.sources.broadReset(entries));
      } else if (event.type === 'put') {
        this.onChange(this.sources.broadPut(event.key, event.value, event.modRevision));
      } else {
        this.onChange(this.sources.broadDelete(event.key));
      }
    });
    this.children = new PrefixMirror(client, keys.childrenPrefix(), 'children', (event) => {
      if (event.type === 'reset') dependencies.reset(event.entries);
      else if (event.type === 'put') dependencies.put(event.key, event.value);
      else dependencies.delete(event.key);
    });
  }

  /** Resolves once `broad/` and `children/` are listed; partitions follow `hold`. */
  async start(): Promise<void> {
    await Promise.all([this.broad.start(), this.children.start()]);
  }

  stop(): void {
    this.partitions.stop();
    this.broad.stop();
    this.children.stop();
  }

  /** The definitions this worker reads: exactly these partitions, and every broad job. */
  hold(partitions: ReadonlySet<string>): void {
    this.partitions.hold(partitions);
  }

  get progress(): { listed: number; held: number } {
    return this.partitions.progress;
  }

  /** Reads again every held job of the namespaces `changed` (their pools changed). */
  reread(changed: ReadonlySet<string>): void {
    const inChanged = (id: string) => changed.has(splitJobId(id).namespace);
    const broad = [...this.broad.snapshot()]
      .filter(([id]) => inChanged(id))
      .map(([id, value]): [string, { value: string; revision: number }] => [
        id,
        { value, revision: this.book.table.get(id)?.revision ?? 0 },
      ]);
    this.onChange(
      this.sources.reread(
        broad,
        this.partitions.entries((namespace) => changed.has(namespace)),
      ),
    );
  }

  /** A held definition's stored value (to explain why it was refused). */
  valueOf(id: string): string | undefined {
    return this.broad.get(id) ?? this.partitions.get(id)?.value;
  }

  /** Whether the job's definition still exists in etcd (asked only when this worker cannot tell). */
  async exists(id: string): Promise<boolean> {
    const { kvs } = await this.client.get(this.keys.specOfJob(id)).exec();
    return kvs.length > 0;
  }

  /** A job's spec, from what this worker holds or else from etcd. */
  async spec(id: string): Promise<JobSpec | undefined> {
    const held = this.valueOf(id);
    if (held !== undefined) return specOf(id, held);
    const value = await this.client.get(this.keys.specOfJob(id)).string();
    return value === null ? undefined : specOf(id, value);
  }

  private onPartition(event: PartitionEvent): void {
    switch (event.type) {
      case 'reset':
        this.onChange(this.sources.partitionReset(event.partition, event.entries));
        if (this.partitions.progress.listed === this.partitions.progress.held)
          this.logger.log({
            msg: 'partitions listed',
            partitions: this.partitions.progress.held,
            jobs: this.book.table.size,
          });
        return;
      case 'put':
        this.onChange(this.sources.partitionPut(event.id, event.value, event.revision));
        return;
      case 'delete':
        this.onChange(this.sources.partitionDelete(event.id));
        return;
      case 'drop':
        this.onChange(this.sources.partitionDrop(event.partition, event.ids));
    }
  }
}
