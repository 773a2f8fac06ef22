import type { DependencyGraph } from '../api';
import { layoutGraph } from '../graph-layout';
import { paths } from '../router';

/**
 * A dependency graph as SVG, laid out by dagre: parents left, children right, each edge labelled
 * with its `on` when it is not `succeeded`; a dangling parent (not a job) is dashed and not a link.
 */
export function DependencyGraphView({
  graph,
  current,
}: {
  graph: DependencyGraph;
  current?: string;
}) {
  if (graph.nodes.length === 0) return <p class="muted">No job here runs after another.</p>;
  const layout = layoutGraph(graph);
  return (
    <svg
      class="dep-graph"
      role="img"
      aria-label="Dependency graph"
      width={layout.width}
      height={layout.height}
      viewBox={`0 0 ${layout.width} ${layout.height}`}
    >
      <defs>
        <marker
          id="dep-arrow"
          viewBox="0 0 10 10"
          refX="10"
          refY="5"
          markerWidth="6"
          markerHeight="6"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" />
        </marker>
      </defs>
      {layout.edges.map((edge) => {
        const d = edge.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
        const middle = edge.points[Math.floor(edge.points.length / 2)];
        return (
          <g
            key={`${edge.from}->${edge.to}`}
            class="dep-edge"
            data-edge={`${edge.from}->${edge.to}`}
          >
            <path d={d} marker-end="url(#dep-arrow)" />
            {edge.on !== 'succeeded' && middle && (
              <text x={middle.x} y={middle.y - 4} text-anchor="middle">
                {edge.on}
              </text>
            )}
          </g>
        );
      })}
      {layout.nodes.map((node) => {
        const box = (
          <g
            class={`dep-node${node.exists ? '' : ' dangling'}${node.job === current ? ' current' : ''}`}
            data-job={node.job}
          >
            <rect
              x={node.x - node.width / 2}
              y={node.y - node.height / 2}
              width={node.width}
              height={node.height}
              rx="6"
            />
            <text x={node.x} y={node.y + 4} text-anchor="middle">
              {node.job}
            </text>
            {!node.exists && <title>{`${node.job} is not a job (dangling)`}</title>}
          </g>
        );
        return node.exists && node.job !== current ? (
          <a key={node.job} href={paths.job(node.job)}>
            {box}
          </a>
        ) : (
          <g key={node.job}>{box}</g>
        );
      })}
    </svg>
  );
}
