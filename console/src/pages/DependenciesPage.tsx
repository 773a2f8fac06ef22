import { api } from '../api';
import { DependencyGraphView } from '../components/DependencyGraph';
import { ErrorBox, Loading, useLoad } from '../components/ui';

/** `/dependencies`: the namespace's whole dependency graph. */
export function DependenciesPage() {
  const graph = useLoad((signal) => api.getDependencies(signal), []);
  return (
    <section>
      <div class="page-head">
        <h1>Dependencies</h1>
      </div>
      <p class="muted">
        Each arrow goes from a job to one that runs after it; a dashed box is a parent that is not a
        job (dangling).
      </p>
      {graph.error ? <ErrorBox error={graph.error} onRetry={graph.reload} /> : null}
      {!graph.data && !graph.error ? <Loading what="the dependency graph" /> : null}
      {graph.data && (
        <div class="dep-scroll">
          <DependencyGraphView graph={graph.data} />
        </div>
      )}
    </section>
  );
}
