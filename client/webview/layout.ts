/**
 * Layered left-to-right layout. Small graphs: elkjs, in a web worker so it does not freeze the page
 * (the worker script is a local file; it is fetched and started from a blob: URL, because a webview
 * cannot start a worker from its resource origin). Large graphs: the built-in layered layout
 * (fastLayout.ts) — elkjs takes seconds from a few hundred nodes of a deep workflow and runs out of
 * memory at 10,000.
 */
import ELK from "elkjs/lib/elk-api.js";
import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api.js";
import type { GraphResult } from "@flowsmith/contract";
import { fastLayout, layering } from "./fastLayout";
import { edgeLabel, NODE_HEIGHT, nodeWidth, type Direction, type EdgeShape, type Layout } from "./shapes";
import { clusteredFastLayout, edgeShapeOf, ELK_CLUSTER_OPTIONS, elkClusterChildren, hasClusters, readElkClusters } from "./clusterLayout";

/**
 * Which graphs elkjs lays out. Its layered algorithm's cost grows faster than linearly with what it
 * lays out: nodes, dummy nodes (one per layer an edge skips: the long edges of deep workflows) and
 * edge labels (each one a label node), so the limit is on that sum ("work"). Measured in headless
 * Chromium on a loaded 2-core machine, warm worker: work 140-170 ≈ 0.3 s, 280 ≈ 0.3-0.75 s, 560
 * (200 nodes) ≈ 1.1 s, and 3-10 s at 400 nodes with NETWORK_SIMPLEX placement; the worker's first
 * start adds ≈ 0.3 s. Above ELK_MAX_WORK the built-in layout (fastLayout.ts) takes milliseconds.
 */
export const ELK_MAX_WORK = 200;
/** Up to this work elkjs places nodes with NETWORK_SIMPLEX (straightest edges, the slowest), else BRANDES_KOEPF. */
const SIMPLEX_MAX_WORK = 80;
/** elkjs answers a graph under ELK_MAX_WORK within a second or two; past this it is given up on. */
const ELK_TIMEOUT_MS = 15_000;

let elk: InstanceType<typeof ELK> | undefined;
/** Rejects when the worker reports an error (elkjs itself would then never answer). */
let workerFailed: Promise<never> = new Promise<never>(() => {});

async function engine(workerUrl: string): Promise<InstanceType<typeof ELK>> {
  if (elk) return elk;
  const response = await fetch(workerUrl);
  if (!response.ok) throw new Error(`could not load the elkjs worker (${response.status})`);
  const source = await response.text();
  const blobUrl = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  let fail: (e: Error) => void = () => {};
  workerFailed = new Promise<never>((_, reject) => (fail = reject));
  workerFailed.catch(() => undefined);
  const workerFactory = () => {
    const worker = new Worker(blobUrl);
    worker.addEventListener("error", (e) => fail(new Error(`the elkjs worker failed: ${e.message}`)));
    return worker as never;
  };
  elk = new ELK({ workerFactory, workerUrl: blobUrl });
  return elk;
}

/**
 * Which way a small graph reads best in a width × height panel: the direction whose drawing,
 * estimated from its layers (how many, how many nodes across), fits at the larger zoom — a chain of
 * three runs down a tall side panel and across a wide one. Large graphs always run rightwards.
 */
export function preferredDirection(graph: GraphResult, width: number, height: number, maxZoom: number): Direction {
  if (!graph.nodes.length || graph.nodes.length + graph.edges.length > ELK_MAX_WORK) return "RIGHT";
  const laid = layering(graph);
  if (graph.nodes.length + laid.dummies + graph.edges.length > ELK_MAX_WORK) return "RIGHT";
  const across = new Array<number>(laid.layers).fill(0);
  let nodeW = 0;
  graph.nodes.forEach((n, i) => {
    across[laid.layer[i]!]!++;
    nodeW = Math.max(nodeW, nodeWidth(n.id, n.task));
  });
  const wide = Math.max(...across);
  const deep = laid.layers;
  const label = Math.max(0, ...graph.edges.map((e) => edgeLabel(e.output, e.input).length * 6.8 + 10));
  const zoom = (w: number, h: number) => Math.min(maxZoom, (width - 48) / w, (height - 48) / h);
  const right = zoom(deep * nodeW + (deep - 1) * (100 + label), wide * NODE_HEIGHT + (wide - 1) * 28);
  const down = zoom(wide * nodeW + (wide - 1) * 22, deep * NODE_HEIGHT + (deep - 1) * 90);
  return down > right * 1.1 ? "DOWN" : "RIGHT";
}

/**
 * Lays a graph out: elkjs in its worker for small graphs (it draws them best), edges pointing
 * `direction`; the built-in layered layout (synchronous, milliseconds, always rightwards) for large ones.
 */
export function layoutGraph(graph: GraphResult, workerUrl: string, direction: Direction = "RIGHT", flowOf: (group: string) => string = () => ""): Layout | Promise<Layout> {
  const laid = layering(graph);
  const work = graph.nodes.length + laid.dummies + graph.edges.length;
  // A composition: its composing flows as clusters (clusterLayout.ts); only when nodes name a group.
  const clustered = hasClusters(graph);
  const fallback = () => (clustered ? clusteredFastLayout(graph, flowOf) : fastLayout(graph, laid));
  if (work > ELK_MAX_WORK) return fallback();
  // If elkjs fails or hangs (its worker could not start, say), the built-in layout draws the graph.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ELK_TIMEOUT_MS / 1000} s`)), ELK_TIMEOUT_MS);
  });
  const placement = work <= SIMPLEX_MAX_WORK ? "NETWORK_SIMPLEX" : "BRANDES_KOEPF";
  return Promise.race([elkLayout(graph, workerUrl, placement, direction, clustered ? flowOf : undefined), timeout])
    .catch((e: unknown) => {
      console.warn(`elkjs layout failed, using the built-in layout: ${e instanceof Error ? e.message : String(e)}`);
      elk?.terminateWorker();
      elk = undefined;
      return fallback();
    })
    .finally(() => clearTimeout(timer));
}

/** `flowOf` given: a composition, its groups laid out as compound nodes (clusterLayout.ts). */
async function elkLayout(graph: GraphResult, workerUrl: string, placement: string, direction: Direction, flowOf?: (group: string) => string): Promise<Layout> {
  const ids = new Set(graph.nodes.map((n) => n.id));
  const root: ElkNode = {
    id: "__root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": direction,
      "elk.edgeRouting": "POLYLINE",
      "elk.layered.spacing.nodeNodeBetweenLayers": direction === "DOWN" ? "36" : "50",
      "elk.spacing.nodeNode": direction === "DOWN" ? "22" : "28",
      "elk.spacing.edgeLabel": "4",
      "elk.edgeLabels.placement": "CENTER",
      "elk.layered.nodePlacement.strategy": placement,
      ...(flowOf ? ELK_CLUSTER_OPTIONS : {}),
    },
    children: flowOf ? elkClusterChildren(graph, flowOf, direction) : graph.nodes.map((n) => ({ id: n.id, width: nodeWidth(n.id, n.task), height: NODE_HEIGHT })),
    edges: graph.edges
      .filter((e) => ids.has(e.from) && ids.has(e.to))
      .map((e, i): ElkExtendedEdge => {
        const text = edgeLabel(e.output, e.input, e.mapType);
        return {
          id: `e${i}`,
          sources: [e.from],
          targets: [e.to],
          labels: [{ id: `l${i}`, text, width: text.length * 6.8 + 10, height: 16 }],
        };
      }),
  };
  const laid = await Promise.race([(await engine(workerUrl)).layout(root), workerFailed]);
  const { nodes, clusters } = readElkClusters(laid);
  const edges: EdgeShape[] = [];
  const byId = new Map((laid.edges ?? []).map((e) => [e.id, e]));
  graph.edges.filter((e) => ids.has(e.from) && ids.has(e.to)).forEach((e, i) => {
    const laidEdge = byId.get(`e${i}`);
    const points: { x: number; y: number }[] = [];
    for (const s of laidEdge?.sections ?? []) {
      points.push(s.startPoint, ...(s.bendPoints ?? []), s.endPoint);
    }
    const label = laidEdge?.labels?.[0];
    edges.push({
      ...edgeShapeOf(e), points,
      labelAt: label && label.x !== undefined ? { x: label.x + (label.width ?? 0) / 2, y: (label.y ?? 0) + (label.height ?? 0) / 2 } : undefined,
    });
  });
  return { nodes, edges, width: laid.width ?? 0, height: laid.height ?? 0, engine: "elk", direction, ...(flowOf ? { clusters } : {}) };
}
