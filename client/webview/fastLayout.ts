/**
 * The built-in layered layout for large graphs: left to right like the elkjs one, but O(N + E) per
 * phase and synchronous (a few milliseconds at 10,000 nodes, where elkjs takes seconds to minutes
 * or runs out of memory):
 *
 *  1. layers: longest path from the sources over `deps` (and the edges), in topological order;
 *     a source is then pulled right to just before its first consumer (no long edges from inputs);
 *  2. order within a layer: call order, then barycenter sweeps (down, up, down) over the
 *     neighbours' positions — each sweep is O(E) plus a sort per layer;
 *  3. coordinates on a grid: a layer is a column as wide as its widest node; within a column a node
 *     wants the mean height of its upstream nodes, packed down and packed up one row apart, the two
 *     averaged (which keeps the spacing) and snapped to rows;
 *  4. edges: straight, from the upstream node's right side to the downstream node's left side (a
 *     node's inputs spread down that side); the label sits in the gap before the downstream column.
 *
 * A cycle (which the analysis reports, but a graph may still carry) does not stop it: the nodes on
 * it are layered after the rest, in call order, and their back edges are drawn leftwards.
 */
import type { GraphResult } from "@flowsmith/contract";
import { edgeLabel, NODE_HEIGHT, nodeWidth, type Box, type EdgeShape, type Layout } from "./shapes";

/** Vertical gap between two nodes of a column, and horizontal gap between two columns. */
const GAP_Y = 20;
const GAP_X = 80;
const ROW = NODE_HEIGHT + GAP_Y;

/** Adjacency in compressed form: the neighbours of i are list[start[i] .. start[i + 1]). */
interface Adjacency {
  start: Int32Array;
  list: Int32Array;
}

function adjacency(n: number, pairs: Int32Array, count: number, side: 0 | 1): Adjacency {
  const start = new Int32Array(n + 1);
  for (let e = 0; e < count; e++) start[pairs[2 * e + side]! + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, n);
  const list = new Int32Array(count);
  for (let e = 0; e < count; e++) list[fill[pairs[2 * e + side]!]!++] = pairs[2 * e + 1 - side]!;
  return { start, list };
}

export interface Layering {
  index: Map<string, number>;
  preds: Adjacency;
  succs: Adjacency;
  layer: Int32Array;
  layers: number;
  /** Sum over edges of the layers they skip: the dummy nodes a layered layout (elkjs) would add. */
  dummies: number;
}

/** Phase 1: the layer of every node (index = position in graph.nodes). */
export function layering(graph: GraphResult): Layering {
  const n = graph.nodes.length;
  const index = new Map<string, number>();
  graph.nodes.forEach((node, i) => index.set(node.id, i));
  // Unique (upstream, downstream) pairs from deps and edges.
  const seen = new Set<number>();
  const buf: number[] = [];
  const add = (u: number | undefined, v: number): void => {
    if (u === undefined || u === v) return;
    const key = u * n + v;
    if (seen.has(key)) return;
    seen.add(key);
    buf.push(u, v);
  };
  graph.nodes.forEach((node, v) => {
    for (const d of node.deps ?? []) add(index.get(d), v);
  });
  for (const e of graph.edges) {
    const v = index.get(e.to);
    if (v !== undefined) add(index.get(e.from), v);
  }
  const pairs = Int32Array.from(buf);
  const count = buf.length / 2;
  const preds = adjacency(n, pairs, count, 1);
  const succs = adjacency(n, pairs, count, 0);

  // Kahn's algorithm in call order; what a cycle leaves over follows in call order.
  const indegree = new Int32Array(n);
  for (let v = 0; v < n; v++) indegree[v] = preds.start[v + 1]! - preds.start[v]!;
  const order = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let v = 0; v < n; v++) if (indegree[v] === 0) order[tail++] = v;
  let scan = 0;
  while (head < tail || tail < n) {
    if (head === tail) {
      // A cycle: take the first node not yet ordered (ordered ones have no indegree left).
      while (indegree[scan] === 0) scan++;
      indegree[scan] = 0;
      order[tail++] = scan;
    }
    const u = order[head++]!;
    for (let k = succs.start[u]!; k < succs.start[u + 1]!; k++) {
      const w = succs.list[k]!;
      if (indegree[w]! > 0 && --indegree[w]! === 0) order[tail++] = w;
    }
  }
  // Longest path from the sources.
  const layer = new Int32Array(n);
  const done = new Uint8Array(n);
  for (let o = 0; o < n; o++) {
    const v = order[o]!;
    let l = 0;
    for (let k = preds.start[v]!; k < preds.start[v + 1]!; k++) {
      const u = preds.list[k]!;
      if (done[u] && layer[u]! + 1 > l) l = layer[u]! + 1;
    }
    layer[v] = l;
    done[v] = 1;
  }
  // Sources move right, next to their first consumer.
  for (let v = 0; v < n; v++) {
    if (preds.start[v + 1] !== preds.start[v] || succs.start[v + 1] === succs.start[v]) continue;
    let first = Infinity;
    for (let k = succs.start[v]!; k < succs.start[v + 1]!; k++) first = Math.min(first, layer[succs.list[k]!]!);
    layer[v] = Math.max(0, first - 1);
  }
  let layers = 0;
  for (let v = 0; v < n; v++) layers = Math.max(layers, layer[v]! + 1);
  let dummies = 0;
  for (let e = 0; e < count; e++) dummies += Math.max(0, Math.abs(layer[pairs[2 * e + 1]!]! - layer[pairs[2 * e]!]!) - 1);
  return { index, preds, succs, layer, layers, dummies };
}

/** Phase 2: one barycenter sweep over the layers in `direction`, against `side`'s neighbours. */
function sweep(columns: Int32Array[], pos: Float64Array, side: Adjacency, key: Float64Array, direction: 1 | -1): void {
  const from = direction === 1 ? 1 : columns.length - 2;
  for (let l = from; l >= 0 && l < columns.length; l += direction) {
    const col = columns[l]!;
    if (col.length < 2) continue;
    for (const v of col) {
      let sum = 0;
      let c = 0;
      for (let k = side.start[v]!; k < side.start[v + 1]!; k++) {
        sum += pos[side.list[k]!]!;
        c++;
      }
      key[v] = c ? sum / c : pos[v]!;
    }
    col.sort((a, b) => key[a]! - key[b]! || pos[a]! - pos[b]!);
    col.forEach((v, i) => (pos[v] = i));
  }
}

export function fastLayout(graph: GraphResult, laid: Layering = layering(graph)): Layout {
  const n = graph.nodes.length;
  const { preds, succs, layer, layers, index } = laid;

  // Columns in call order.
  const sizes = new Int32Array(layers);
  for (let v = 0; v < n; v++) sizes[layer[v]!]!++;
  const columns = Array.from(sizes, (s) => new Int32Array(s));
  const fill = new Int32Array(layers);
  const pos = new Float64Array(n);
  for (let v = 0; v < n; v++) {
    const l = layer[v]!;
    pos[v] = fill[l]!;
    columns[l]![fill[l]!++] = v;
  }
  const key = new Float64Array(n);
  sweep(columns, pos, preds, key, 1);
  sweep(columns, pos, succs, key, -1);
  sweep(columns, pos, preds, key, 1);

  // Columns' x and widths.
  const widths = new Float64Array(n);
  graph.nodes.forEach((node, v) => (widths[v] = nodeWidth(node.id, node.task)));
  const colWidth = new Float64Array(layers);
  for (let v = 0; v < n; v++) colWidth[layer[v]!] = Math.max(colWidth[layer[v]!]!, widths[v]!);
  const colX = new Float64Array(layers);
  for (let l = 1; l < layers; l++) colX[l] = colX[l - 1]! + colWidth[l - 1]! + GAP_X;

  // Rows: each column in turn, from its upstream nodes' heights.
  const y = new Float64Array(n);
  const placed = new Uint8Array(n);
  let want = new Float64Array(16);
  let has = new Uint8Array(16);
  let down = new Float64Array(16);
  for (let l = 0; l < layers; l++) {
    const col = columns[l]!;
    const m = col.length;
    if (want.length < m) {
      want = new Float64Array(m * 2);
      has = new Uint8Array(m * 2);
      down = new Float64Array(m * 2);
    }
    let anyWant = -1;
    for (let i = 0; i < m; i++) {
      const v = col[i]!;
      let sum = 0;
      let c = 0;
      for (let k = preds.start[v]!; k < preds.start[v + 1]!; k++) {
        const u = preds.list[k]!;
        if (placed[u]) {
          sum += y[u]!;
          c++;
        }
      }
      has[i] = c ? 1 : 0;
      want[i] = c ? sum / c : 0;
      if (c && anyWant < 0) anyWant = i;
    }
    // Nodes with nothing placed upstream sit next to their neighbours in the column.
    if (anyWant < 0) for (let i = 0; i < m; i++) want[i] = i * ROW;
    else {
      for (let i = anyWant - 1; i >= 0; i--) want[i] = want[i + 1]! - ROW;
      for (let i = anyWant + 1; i < m; i++) if (!has[i]) want[i] = want[i - 1]! + ROW;
    }
    for (let i = 0; i < m; i++) down[i] = i === 0 ? want[0]! : Math.max(want[i]!, down[i - 1]! + ROW);
    let up = 0;
    for (let i = m - 1; i >= 0; i--) {
      up = i === m - 1 ? want[i]! : Math.min(want[i]!, up - ROW);
      const v = col[i]!;
      y[v] = Math.round((down[i]! + up) / 2 / ROW) * ROW;
      placed[v] = 1;
    }
  }
  let minY = Infinity;
  let maxY = -Infinity;
  for (let v = 0; v < n; v++) {
    minY = Math.min(minY, y[v]!);
    maxY = Math.max(maxY, y[v]!);
  }
  if (!n) minY = maxY = 0;

  const nodes = new Map<string, Box>();
  const xs = new Float64Array(n);
  graph.nodes.forEach((node, v) => {
    const l = layer[v]!;
    xs[v] = colX[l]! + Math.round((colWidth[l]! - widths[v]!) / 2);
    y[v] = y[v]! - minY;
    nodes.set(node.id, { id: node.id, x: xs[v]!, y: y[v]!, width: widths[v]!, height: NODE_HEIGHT });
  });

  // Straight edges. The inputs of a node are spread down its left side (ordered by where their
  // upstream nodes are, so they do not cross there), which also keeps their labels apart.
  const edges: EdgeShape[] = [];
  const shapes: (EdgeShape | undefined)[] = [];
  const incoming = new Map<number, number[]>();
  graph.edges.forEach((e, k) => {
    const u = index.get(e.from);
    const v = index.get(e.to);
    if (u === undefined || v === undefined) return;
    const shape: EdgeShape = { from: e.from, to: e.to, label: edgeLabel(e.output, e.input), ...(e.type ? { type: e.type } : {}), points: [] };
    edges.push(shape);
    shapes[k] = shape;
    if (u === v) return;
    let list = incoming.get(v);
    if (!list) incoming.set(v, (list = []));
    list.push(k);
  });
  for (const [v, list] of incoming) {
    list.sort((a, b) => {
      const ua = index.get(graph.edges[a]!.from)!;
      const ub = index.get(graph.edges[b]!.from)!;
      return y[ua]! - y[ub]! || xs[ub]! - xs[ua]! || a - b;
    });
    const x2 = xs[v]!;
    const lx = colX[layer[v]!]! - GAP_X / 2;
    let previous = -1;
    let nth = 0;
    list.forEach((k, i) => {
      const u = index.get(graph.edges[k]!.from)!;
      // A second edge from the same upstream node: its label a line lower.
      nth = u === previous ? nth + 1 : 0;
      previous = u;
      const x1 = xs[u]! + widths[u]!;
      const y1 = y[u]! + NODE_HEIGHT / 2;
      const y2 = y[v]! + (NODE_HEIGHT * (i + 1)) / (list.length + 1);
      const t = x2 > x1 ? Math.min(1, Math.max(0, (lx - x1) / (x2 - x1))) : 0.5;
      const shape = shapes[k]!;
      shape.points = [{ x: x1, y: y1 }, { x: x2, y: y2 }];
      shape.labelAt = { x: x1 + t * (x2 - x1), y: y1 + t * (y2 - y1) - 7 + nth * 12 };
    });
  }
  const width = layers ? colX[layers - 1]! + colWidth[layers - 1]! : 0;
  return { nodes, edges, width, height: n ? maxY - minY + NODE_HEIGHT : 0, engine: "layered", direction: "RIGHT" };
}
