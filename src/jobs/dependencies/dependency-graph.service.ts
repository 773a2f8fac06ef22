import { Injectable } from '@nestjs/common';
import { jobId, splitJobId } from '../../etcd/etcd-keys';
import { DomainError } from '../domain-error';
import { JobCatalog } from '../job-catalog';
import { JobSpec } from '../job.model';
import { describeCycle, findCycle } from './dependency-graph';
import { DependencyOn, JobDependency } from './dependency.model';

/** A parent of a job as the API shows it: `exists` false when it is dangling. */
export interface UpstreamLink {
  job: string;
  on: DependencyOn;
  exists: boolean;
}

export interface DownstreamLink {
  job: string;
  on: DependencyOn;
}

/** A namespace's dependency graph: every job that has or is a dependency, and the edges. */
export interface DependencyGraphView {
  nodes: { job: string; exists: boolean }[];
  /** `from` is the parent, `to` the child. */
  edges: { from: string; to: string; on: DependencyOn }[];
}

/**
 * The masters' view of the dependency graphs (one per namespace), from the job catalog: the
 * cycle check of a write, a job's upstream and downstream, and a namespace's whole graph. The
 * catalog is a watched copy, so two edits on two masters at the same moment can still close a
 * cycle: the workers stop one at run time (docs/coordination.md, "Dependencies").
 */
@Injectable()
export class DependencyGraph {
  constructor(private readonly catalog: JobCatalog) {}

  /** 422 when `spec`'s `after` closes a cycle with the stored jobs of its namespace. */
  async checkCycle(spec: Pick<JobSpec, 'name' | 'after'>): Promise<void> {
    if (!spec.after?.length) return;
    const { namespace, name } = splitJobId(spec.name);
    const parents = await this.parentsIn(namespace);
    parents.set(name, spec.after);
    const cycle = findCycle(name, (job) => (parents.get(job) ?? []).map((link) => link.job));
    if (!cycle) return;
    const reason = `cycle ${describeCycle(cycle)}`;
    throw new DomainError('unprocessable', `after: ${reason}`, [{ field: 'after', reason }]);
  }

  async upstream(spec: Pick<JobSpec, 'name' | 'after'>): Promise<UpstreamLink[]> {
    if (!spec.after?.length) return [];
    await this.catalog.ready();
    const { namespace } = splitJobId(spec.name);
    return spec.after.map(({ job, on }) => ({
      job,
      on,
      exists: this.catalog.value(jobId(namespace, job)) !== undefined,
    }));
  }

  async downstream(id: string): Promise<DownstreamLink[]> {
    const { namespace, name } = splitJobId(id);
    const links: DownstreamLink[] = [];
    for (const [child, after] of await this.parentsIn(namespace)) {
      const link = after.find((parent) => parent.job === name);
      if (link) links.push({ job: child, on: link.on });
    }
    return links;
  }

  async graph(namespace: string): Promise<DependencyGraphView> {
    const parents = await this.parentsIn(namespace);
    const nodes = new Map<string, boolean>();
    const edges: DependencyGraphView['edges'] = [];
    for (const [child, after] of parents) {
      nodes.set(child, true);
      for (const { job, on } of after) {
        if (!nodes.has(job))
          nodes.set(job, this.catalog.value(jobId(namespace, job)) !== undefined);
        edges.push({ from: job, to: child, on });
      }
    }
    return { nodes: [...nodes].map(([job, exists]) => ({ job, exists })), edges };
  }

  /** The `after` of every job of `namespace` that has one, by name. */
  private async parentsIn(namespace: string): Promise<Map<string, JobDependency[]>> {
    const { ids } = await this.catalog.page(namespace, { limit: Infinity, keep: () => true });
    const parents = new Map<string, JobDependency[]>();
    for (const id of ids) {
      const stored = this.catalog.value(id)?.value;
      if (!stored?.includes('"after"')) continue;
      try {
        const after = (JSON.parse(stored) as Pick<JobSpec, 'after'>).after;
        if (Array.isArray(after) && after.length > 0) parents.set(splitJobId(id).name, after);
      } catch {
        // not JSON: not a job the graph knows
      }
    }
    return parents;
  }
}
