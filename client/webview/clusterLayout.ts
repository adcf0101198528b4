/**
 * A composition's graph drawn as clusters (DESIGN "Compositions"): each composing flow is a box
 * around its nodes (ids `GROUP/NODE`, `FlowNode.group`), the mapped parameters run between boxes.
 * Only graphs whose nodes carry a `group` take this path; a workflow's layout is unchanged.
 *
 *  - small graphs: elkjs lays the groups out as compound nodes (`elk.hierarchyHandling:
 *    INCLUDE_CHILDREN`, every coordinate relative to the root), see `elkClusterChildren`;
 *  - large graphs: each group is laid out on its own by the built-in layered layout, and the groups
 *    are placed in columns by the longest path over the mapped edges between them (O(N + E)).
 */
import type { GraphEdge, GraphResult } from "@flowsmith/contract";
import type { ElkNode } from "elkjs/lib/elk-api.js";
import { fastLayout } from "./fastLayout";
import { shownId } from "./elements";
import { edgeLabel, NODE_HEIGHT, nodeWidth, type Box, type ClusterBox, type Direction, type EdgeShape, type Layout } from "./shapes";

/** Room inside a cluster's box: its title (name, workflow and counts on two lines) above the nodes. */
export const CLUSTER_PAD = { top: 46, left: 16, bottom: 16, right: 16 };
/** Gaps between clusters of one column, and between columns (room for the mapped edges' labels). */
const CLUSTER_GAP_Y = 36;
const CLUSTER_GAP_X = 150;
/** Width the title needs: the 13px name or the 11px workflow target and status counts. */
export function clusterMinWidth(name: string, flow: string): number {
  // Line 1: icon, name and, right-aligned, the counts ("1 running · 12/20 complete"); line 2: the workflow.
  return Math.ceil(Math.max(24 + name.length * 8.2 + 24 + 27 * 6.3, 12 + flow.length * 6.6)) + 12;
}

/** True when the graph is a composition's: some node names its composing flow. */
export function hasClusters(graph: GraphResult): boolean {
  return graph.nodes.some((n) => n.group !== undefined);
}

/** The groups in the order their first node appears, each with its nodes' indices. */
export function groupsOf(graph: GraphResult): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  graph.nodes.forEach((n, i) => {
    const g = n.group ?? "";
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push(i);
  });
  return groups;
}

/** Elk's id of a group's box (never a node id: those have no `::`). */
export const clusterElkId = (group: string) => `::cluster:${group}`;

/**
 * The root's children for elkjs: one compound node per group holding its nodes, sized at least
 * for its title (`flowOf` names the workflow a group runs). Nodes naming no group stay at the root.
 */
export function elkClusterChildren(graph: GraphResult, flowOf: (group: string) => string, direction: Direction = "RIGHT"): ElkNode[] {
  const children: ElkNode[] = [];
  for (const [group, indices] of groupsOf(graph)) {
    const nodes = indices.map((i) => graph.nodes[i]!).map((n) => ({ id: n.id, width: nodeWidth(shownId(n), n.task), height: NODE_HEIGHT }));
    if (!group) {
      children.push(...nodes);
      continue;
    }
    const { top, left, bottom, right } = CLUSTER_PAD;
    const min = [clusterMinWidth(group, flowOf(group)), top + bottom + NODE_HEIGHT];
    // elkjs 0.12 with INCLUDE_CHILDREN applies a compound node's minimum size transposed when the
    // layout runs DOWN (measured: "(300, 50)" gave a box 132 wide and 300 high): give it swapped.
    if (direction === "DOWN") min.reverse();
    children.push({
      id: clusterElkId(group),
      layoutOptions: {
        "elk.padding": `[top=${top},left=${left},bottom=${bottom},right=${right}]`,
        "elk.nodeSize.constraints": "[MINIMUM_SIZE]",
        "elk.nodeSize.minimum": `(${min[0]}, ${min[1]})`,
      },
      children: nodes,
    });
  }
  return children;
}

/** Root options that make elkjs lay the groups out with their nodes, in root coordinates. */
export const ELK_CLUSTER_OPTIONS: Record<string, string> = {
  "elk.hierarchyHandling": "INCLUDE_CHILDREN",
  "elk.json.edgeCoords": "ROOT",
  "elk.json.shapeCoords": "ROOT",
};

/** Node boxes and cluster boxes from elkjs' answer to `elkClusterChildren` (root coordinates). */
export function readElkClusters(laid: ElkNode): { nodes: Map<string, Box>; clusters: ClusterBox[] } {
  const nodes = new Map<string, Box>();
  const clusters: ClusterBox[] = [];
  const box = (c: ElkNode) => ({ x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 });
  for (const c of laid.children ?? []) {
    if (c.id.startsWith("::cluster:")) {
      clusters.push({ id: c.id.slice("::cluster:".length), ...box(c) });
      for (const n of c.children ?? []) nodes.set(n.id, { id: n.id, ...box(n) });
    } else nodes.set(c.id, { id: c.id, ...box(c) });
  }
  return { nodes, clusters };
}

/** An edge's shape without its points: label, type, map type. */
export function edgeShapeOf(e: GraphEdge): EdgeShape {
  return {
    from: e.from, to: e.to, label: edgeLabel(e.output, e.input, e.mapType), points: [],
    ...(e.type ? { type: e.type } : {}),
    ...(e.mapType ? { mapType: e.mapType, output: e.output, input: e.input } : {}),
  };
}

/**
 * The large-graph path: every group laid out on its own (fastLayout), groups placed in columns by
 * the longest path over the edges between them (a cycle's back edges are ignored for that), one
 * under the other in a column; edges inside a group keep their points, edges between groups run
 * straight from the upstream node's right side to the downstream node's left side.
 */
export function clusteredFastLayout(graph: GraphResult, flowOf: (group: string) => string): Layout {
  const groups = [...groupsOf(graph)];
  const groupIndex = new Map<string, number>();
  const nodeGroup = new Map<string, number>();
  groups.forEach(([g, indices], gi) => {
    groupIndex.set(g, gi);
    for (const i of indices) nodeGroup.set(graph.nodes[i]!.id, gi);
  });
  // Each group's own layout.
  const inner = groups.map(([, indices]) => {
    const nodes = indices.map((i) => graph.nodes[i]!);
    const ids = new Set(nodes.map((n) => n.id));
    const sub: GraphResult = {
      target: graph.target, name: graph.name,
      nodes: nodes.map((n) => ({ ...n, deps: n.deps.filter((d) => ids.has(d)) })),
      edges: graph.edges.filter((e) => ids.has(e.from) && ids.has(e.to)),
    };
    return fastLayout(sub);
  });
  // Columns: longest path over the groups' edges (Kahn's order; groups on a cycle go last).
  const succ = groups.map(() => new Set<number>());
  const indeg = new Int32Array(groups.length);
  const link = (a: number | undefined, b: number | undefined) => {
    if (a === undefined || b === undefined || a === b || succ[a]!.has(b)) return;
    succ[a]!.add(b);
    indeg[b]!++;
  };
  for (const e of graph.edges) link(nodeGroup.get(e.from), nodeGroup.get(e.to));
  for (const n of graph.nodes) for (const d of n.deps) link(nodeGroup.get(d), nodeGroup.get(n.id));
  const column = new Int32Array(groups.length);
  const queue = groups.map((_, i) => i).filter((i) => indeg[i] === 0);
  const done = new Uint8Array(groups.length);
  for (let q = 0; q < queue.length; q++) {
    const a = queue[q]!;
    done[a] = 1;
    for (const b of succ[a]!) {
      column[b] = Math.max(column[b]!, column[a]! + 1);
      if (--indeg[b]! === 0) queue.push(b);
    }
  }
  const maxColumn = Math.max(0, ...column);
  groups.forEach((_, i) => { if (!done[i]) column[i] = maxColumn + 1; });
  // Sizes, then positions column by column.
  const { top, left, bottom, right } = CLUSTER_PAD;
  const size = groups.map(([g], i) => ({
    width: Math.max(inner[i]!.width + left + right, g ? clusterMinWidth(g, flowOf(g)) : 0),
    height: inner[i]!.height + top + bottom,
  }));
  const columns = Math.max(0, ...column) + 1;
  const colWidth = new Array<number>(columns).fill(0);
  groups.forEach((_, i) => (colWidth[column[i]!] = Math.max(colWidth[column[i]!]!, size[i]!.width)));
  const colX: number[] = [];
  let x = 0;
  for (let c = 0; c < columns; c++) {
    colX.push(x);
    x += colWidth[c]! + CLUSTER_GAP_X;
  }
  const colY = new Array<number>(columns).fill(0);
  const nodes = new Map<string, Box>();
  const clusters: ClusterBox[] = [];
  const edges: EdgeShape[] = [];
  let height = 0;
  groups.forEach(([g], i) => {
    const c = column[i]!;
    const ox = colX[c]!;
    const oy = colY[c]!;
    colY[c] = oy + size[i]!.height + CLUSTER_GAP_Y;
    height = Math.max(height, oy + size[i]!.height);
    if (g) clusters.push({ id: g, x: ox, y: oy, ...size[i]! });
    const dx = ox + left;
    const dy = oy + top;
    for (const b of inner[i]!.nodes.values()) nodes.set(b.id, { ...b, x: b.x + dx, y: b.y + dy });
    for (const e of inner[i]!.edges) {
      edges.push({
        ...e, points: e.points.map((p) => ({ x: p.x + dx, y: p.y + dy })),
        ...(e.labelAt ? { labelAt: { x: e.labelAt.x + dx, y: e.labelAt.y + dy } } : {}),
      });
    }
  });
  for (const e of graph.edges) {
    const a = nodeGroup.get(e.from);
    const b = nodeGroup.get(e.to);
    if (a === undefined || b === undefined || a === b) continue;
    const from = nodes.get(e.from)!;
    const to = nodes.get(e.to)!;
    const p1 = { x: from.x + from.width, y: from.y + from.height / 2 };
    const p2 = { x: to.x, y: to.y + to.height / 2 };
    edges.push({ ...edgeShapeOf(e), points: [p1, p2], labelAt: { x: (p1.x + p2.x) / 2, y: (p1.y + p2.y) / 2 - 7 } });
  }
  return { nodes, edges, clusters, width: Math.max(0, x - CLUSTER_GAP_X), height, engine: "layered", direction: "RIGHT" };
}
