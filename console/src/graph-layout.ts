import dagre from '@dagrejs/dagre';
import type { DependencyGraph, DependencyOn } from './api';

export interface PlacedNode {
  job: string;
  exists: boolean;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  on: DependencyOn;
  points: { x: number; y: number }[];
}

export interface Layout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

const NODE_HEIGHT = 32;
const CHAR_WIDTH = 7.5;

/** Places a dependency graph left to right (parents before children) with dagre. */
export function layoutGraph(graph: DependencyGraph): Layout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 16, ranksep: 80, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const exists = new Map(graph.nodes.map((node) => [node.job, node.exists]));
  for (const node of graph.nodes) {
    g.setNode(node.job, {
      width: Math.max(60, node.job.length * CHAR_WIDTH + 24),
      height: NODE_HEIGHT,
    });
  }
  for (const edge of graph.edges) {
    for (const end of [edge.from, edge.to])
      if (!g.hasNode(end))
        g.setNode(end, { width: end.length * CHAR_WIDTH + 24, height: NODE_HEIGHT });
    g.setEdge(edge.from, edge.to);
  }
  dagre.layout(g);
  const label = g.graph();
  return {
    width: label.width ?? 0,
    height: label.height ?? 0,
    nodes: g.nodes().map((job) => {
      const node = g.node(job);
      return {
        job,
        exists: exists.get(job) ?? true,
        x: node.x,
        y: node.y,
        width: node.width,
        height: node.height,
      };
    }),
    edges: graph.edges.map((edge) => ({
      ...edge,
      points: g.edge(edge.from, edge.to).points ?? [],
    })),
  };
}

/** The part of `graph` around `job`: its parents and its children. */
export function neighbourhood(
  job: string,
  upstream: { job: string; on: DependencyOn; exists: boolean }[],
  downstream: { job: string; on: DependencyOn }[],
): DependencyGraph {
  const nodes = new Map<string, boolean>([[job, true]]);
  for (const parent of upstream) nodes.set(parent.job, parent.exists);
  for (const child of downstream) nodes.set(child.job, true);
  return {
    nodes: [...nodes].map(([name, exists]) => ({ job: name, exists })),
    edges: [
      ...upstream.map((parent) => ({ from: parent.job, to: job, on: parent.on })),
      ...downstream.map((child) => ({ from: job, to: child.job, on: child.on })),
    ],
  };
}
