import type { JobDetail } from '../api';
import { neighbourhood } from '../graph-layout';
import { paths } from '../router';
import { DependencyGraphView } from './DependencyGraph';

/** A job's upstream and downstream on its page, with its dangling parents named. */
export function JobDependencies({ detail }: { detail: JobDetail }) {
  const upstream = detail.upstream ?? [];
  const downstream = detail.downstream ?? [];
  if (upstream.length === 0 && downstream.length === 0) return null;
  const dangling = detail.danglingParents ?? [];
  return (
    <section aria-label="Dependencies" data-testid="job-dependencies">
      <div class="page-head">
        <h2>Dependencies</h2>
        <a href={paths.dependencies()}>Whole graph</a>
      </div>
      {dangling.length > 0 && (
        <p class="warn" data-testid="dangling-parents">
          Not jobs (dangling): {dangling.join(', ')}. A run after them waits until they exist and
          run.
        </p>
      )}
      <div class="dep-scroll">
        <DependencyGraphView
          graph={neighbourhood(detail.name, upstream, downstream)}
          current={detail.name}
        />
      </div>
    </section>
  );
}
