/**
 * The graph webview's script: receives a workflow's graph from the extension, lays it out once
 * (elkjs in a worker for small graphs, the built-in layered layout for large ones), draws what is in
 * the window (render.ts) and repaints statuses as runs go on. Re-layout only happens when the graph's
 * shape changes; pan and zoom are kept across updates.
 */
import type { CompositionGroup, FlowNode, GraphResult } from "@flowsmith/contract";
import type { FromWebview, LiveStatus, ToWebview } from "../src/graph/messages";
import { layoutGraph, preferredDirection } from "./layout";
import { drawnDynamic, dynamicShapeKey, isDynamic, withBranchLabels } from "./dynamic";
import { MAX_FIT_K, PanZoom } from "./panzoom";
import { DETAIL_ZOOM, GraphView } from "./render";
import type { Direction, Layout } from "./shapes";
import { Tooltip } from "./tooltip";
import { ClusterView, clusterTitleAt } from "./clusters";

declare function acquireVsCodeApi(): { postMessage(message: FromWebview): void; getState(): unknown; setState(state: unknown): void };

/** When fitting the whole graph would zoom out below this, it opens at its start instead. */
const MIN_FIT_ZOOM = 0.05;
/** The zoom the start of a large graph opens at, and a selected node is shown at. */
const START_ZOOM = 0.8;

const vscode = acquireVsCodeApi();
const $ = <T extends Element>(id: string) => document.getElementById(id) as unknown as T;
const svg = $<SVGSVGElement>("canvas");
const viewport = $<SVGGElement>("viewport");
const edgesLayer = $<SVGGElement>("edges");
const nodesLayer = $<SVGGElement>("nodes");
/** A composition's cluster boxes under the edges, their titles over them (a page without the layers, like bench/graph.ts's, gets them). */
const layer = (id: string, before: SVGGElement) => (document.getElementById(id) as SVGGElement | null)
  ?? viewport.insertBefore(Object.assign(document.createElementNS("http://www.w3.org/2000/svg", "g"), { id }), before);
const clustersLayer = layer("clusters", edgesLayer);
const clusterTitles = layer("cluster-titles", nodesLayer);
const clusters = new ClusterView(clustersLayer, clusterTitles);
const message = $<HTMLDivElement>("message");
const selection = $<HTMLSpanElement>("selection");
const legend = $<HTMLDivElement>("legend");
/** A note over the drawing's corner (does not move it, unlike #message). */
const hint = document.body.appendChild(document.createElement("div"));
hint.id = "hint";
hint.hidden = true;
const workerUrl = document.body.dataset.elkWorker ?? "";
const panzoom = new PanZoom(svg, viewport);
const view = new GraphView(svg, edgesLayer, nodesLayer, panzoom);
const tooltip = new Tooltip(svg);
panzoom.onChange = () => {
  view.schedule();
  clusters.zoom(panzoom.view.k);
};

let graph: GraphResult | undefined;
/** A composition's composing flows (name → workflow target), from the Flows model. */
let groups: CompositionGroup[] | undefined;
let shape = "";
let layout: Layout | undefined;
let live: Record<string, LiveStatus> = {};
let selected: string | undefined;
/** A node the extension asked to show before its graph was laid out. */
let pendingSelect: string | undefined;
/** How the view was last set without the user moving it (a resize sets it again). */
let lastView: "initial" | "fit" = "initial";
let layoutMs = 0;
let generation = 0;

function post(m: FromWebview): void {
  vscode.postMessage(m);
}

function showMessage(text: string | undefined): void {
  message.hidden = !text;
  message.textContent = text ?? "";
}

function showHint(text: string | undefined): void {
  hint.hidden = !text;
  hint.textContent = text ?? "";
}

/** Nodes and edges, not statuses: when this is unchanged the layout is reused. */
function shapeOf(g: GraphResult): string {
  return JSON.stringify([g.nodes.map((n) => [n.id, n.task, n.group, dynamicShapeKey(n)]), g.edges.map((e) => [e.from, e.to, e.output, e.input, e.mapType]), groups?.map((x) => [x.name, x.flow])]);
}

function statusOf(node: FlowNode): { status: string; fraction?: number } {
  // Live statuses come from the run's own events (run-started reports pending/complete/stale too).
  return live[node.id] ?? { status: node.status };
}

function paint(): void {
  if (!graph) return;
  view.setStatuses(statusOf);
  const counts = new Map<string, number>();
  const statuses: Record<string, string> = {};
  for (const node of graph.nodes) {
    if (!view.has(node.id)) continue;
    const { status } = statusOf(node);
    statuses[node.id] = status;
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  legend.replaceChildren(...[...counts].map(([s, c]) => {
    const span = document.createElement("span");
    span.className = `legend-item status-${s}`;
    span.textContent = `${c} ${s}`;
    return span;
  }));
  clusters.paint((node) => statusOf(node).status);
  post({ type: "rendered", nodes: view.nodeCount, edges: graph.edges.length, layoutMs, statuses, ...drawnComposition(), ...(graph.nodes.some(isDynamic) ? drawnDynamic(nodesLayer, edgesLayer) : {}) });
}

/** A composition's clusters and mapped edges as they are in the DOM (tests and UI stories read them). */
function drawnComposition(): Pick<Extract<FromWebview, { type: "rendered" }>, "clusters" | "mapped"> {
  if (!clusters.count) return {};
  return {
    clusters: [...document.querySelectorAll<SVGGElement>("#cluster-titles .cluster")].map((c) => ({
      id: c.getAttribute("data-group") ?? "", flow: c.querySelector(".cluster-flow")?.textContent ?? "",
      counts: c.querySelector(".cluster-counts")?.textContent ?? "", status: c.getAttribute("data-status") ?? "",
    })),
    mapped: [...edgesLayer.querySelectorAll<SVGGElement>(".edge.mapped")].map((e) => ({
      from: e.getAttribute("data-from") ?? "", to: e.getAttribute("data-to") ?? "", mapType: e.getAttribute("data-map-type") ?? "",
      label: e.querySelector(".edge-label")?.textContent ?? "",
    })),
  };
}

function select(id: string | undefined): void {
  selected = id && view.has(id) ? id : undefined;
  view.select(selected);
  selection.textContent = selected ? selected : "No node selected";
  for (const b of document.querySelectorAll<HTMLButtonElement>(".needs-node")) b.disabled = !selected;
}

/** Shows a node: selects it and centres it, zoomed in far enough to read it. */
function showNode(id: string): void {
  select(id);
  const box = view.box(id);
  if (!box) return;
  panzoom.center(box.x + box.width / 2, box.y + box.height / 2, panzoom.view.k >= DETAIL_ZOOM ? panzoom.view.k : START_ZOOM);
  panzoom.moved = true;
}

/**
 * The whole graph fitted, unless that would make its nodes too small to see (thousands of nodes in
 * a long chain): then its start — the first node of the leftmost column — at a readable zoom.
 */
function initialView(): void {
  if (!layout || !graph) return;
  lastView = "initial";
  if (panzoom.fitScale(layout.width, layout.height) >= MIN_FIT_ZOOM) {
    panzoom.fit(layout.width, layout.height);
    showHint(undefined);
    return;
  }
  let first: { x: number; y: number; width: number; height: number } | undefined;
  for (const node of graph.nodes) {
    const b = view.box(node.id);
    if (b && (!first || b.x < first.x)) first = b;
  }
  if (!first) return;
  const { height } = panzoom.size();
  panzoom.place(first.x, first.y + first.height / 2, 24, height / 2, START_ZOOM);
  showHint(`${graph.nodes.length.toLocaleString("en-US")} nodes: this is the start of the graph. Zoom out (wheel) or Fit to see all of it.`);
}

function fitAll(): void {
  if (!layout) return;
  lastView = "fit";
  panzoom.fit(layout.width, layout.height);
  showHint(undefined);
}

/** Which way the graph should run in the panel as it is now (small graphs only; see layout.ts). */
function direction(g: GraphResult): Direction {
  const { width, height } = panzoom.size();
  return preferredDirection(g, width, height, MAX_FIT_K);
}

async function setGraph(g: GraphResult, fit: boolean): Promise<void> {
  const mine = ++generation;
  graph = g;
  const s = shapeOf(g);
  // A graph the user has panned or zoomed keeps its direction; only a fitted one turns with the panel.
  const dir = layout && panzoom.moved ? layout.direction : direction(g);
  if (s !== shape || !layout || dir !== layout.direction) {
    const started = performance.now();
    let laid: Layout;
    try {
      // Large graphs are laid out synchronously, in milliseconds; small ones by elkjs in its worker.
      const flows = new Map((groups ?? []).map((x) => [x.name, x.flow]));
      const result = layoutGraph(withBranchLabels(g), workerUrl, dir, (name) => flows.get(name) ?? "");
      laid = result instanceof Promise ? await result : result;
    } catch (e) {
      showMessage(`Layout failed: ${e instanceof Error ? e.message : String(e)}`);
      post({ type: "error", message: `layout failed: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    if (mine !== generation) return; // a newer graph arrived meanwhile
    layoutMs = Math.round(performance.now() - started);
    const firstLayout = !layout || (layout.direction !== laid.direction && !panzoom.moved);
    layout = laid;
    shape = s;
    view.setLayout(laid, g.nodes);
    clusters.set(laid.clusters, g.nodes, groups);
    view.setStatuses(statusOf);
    showMessage(g.nodes.length ? undefined : "This workflow has no nodes.");
    if (fit || firstLayout) initialView();
    else panzoom.fitScale(laid.width, laid.height); // only the zoom-out limit
    if (pendingSelect && view.has(pendingSelect)) showNode(pendingSelect);
    pendingSelect = undefined;
    select(selected);
    view.render(true);
    clusters.zoom(panzoom.view.k);
  } else {
    view.updateNodes(g.nodes);
    if (fit) initialView();
  }
  select(selected);
  paint();
}

function nodeIdOf(target: EventTarget | null): string | undefined {
  return (target as Element | null)?.closest?.(".node")?.getAttribute("data-id") ?? undefined;
}

function reveal(id: string, what: "call" | "task" = "call"): void {
  select(id);
  tooltip.hide();
  post({ type: "reveal", node: id, what });
}

clusterTitles.addEventListener("click", (e) => {
  const group = clusterTitleAt(e.target);
  if (group && !panzoom.dragged) post({ type: "revealGroup", group });
});
nodesLayer.addEventListener("click", (e) => {
  const id = nodeIdOf(e.target);
  if (id) reveal(id);
});
nodesLayer.addEventListener("keydown", (e) => {
  const id = nodeIdOf(e.target);
  if (!id) return;
  if (e.key === "Enter" || e.key === " ") reveal(id);
  else if (e.key === "F12") reveal(id, "task");
  else return;
  e.preventDefault();
  e.stopPropagation();
});
// The keyboard's zoom and pan, on the drawing or a node in it.
svg.addEventListener("keydown", (e) => {
  const step = 60;
  const keys: Record<string, () => void> = {
    "+": () => panzoom.zoomBy(1.25), "=": () => panzoom.zoomBy(1.25), "-": () => panzoom.zoomBy(0.8), "0": fitAll,
    ArrowLeft: () => panzoom.panBy(step, 0), ArrowRight: () => panzoom.panBy(-step, 0),
    ArrowUp: () => panzoom.panBy(0, step), ArrowDown: () => panzoom.panBy(0, -step),
  };
  const act = !e.ctrlKey && !e.metaKey && !e.altKey ? keys[e.key] : undefined;
  if (!act) return;
  e.preventDefault();
  act();
});
// Zoomed out the nodes are blocks in one path per status: a click is hit-tested.
svg.addEventListener("click", (e) => {
  if (nodeIdOf(e.target) || panzoom.dragged) return;
  const r = svg.getBoundingClientRect();
  const { x, y, k } = panzoom.view;
  const id = view.nodeAt((e.clientX - r.left - x) / k, (e.clientY - r.top - y) / k);
  if (id) reveal(id);
});
svg.addEventListener("pointerdown", (e) => {
  if (!nodeIdOf(e.target) && e.detail === 2) select(undefined);
});

const on = (id: string, f: () => void) => document.getElementById(id)?.addEventListener("click", f);
on("run-workflow", () => post({ type: "run" }));
/** A composition's Run runs all its composing flows: the button says so. */
function nameRunButton(composition: boolean): void {
  const button = document.getElementById("run-workflow");
  if (!button) return;
  button.textContent = composition ? "Run composition" : "Run workflow";
  button.title = composition ? "Run the composition (every composing flow, in the order its mappings need)" : "Run the workflow";
}
on("run-node", () => selected && post({ type: "run", node: selected }));
on("force-node", () => selected && post({ type: "run", node: selected, force: true }));
on("reset-node", () => selected && post({ type: "reset", node: selected }));
on("reset-downstream", () => selected && post({ type: "reset", node: selected, downstream: true }));
on("reveal-node", () => selected && reveal(selected));
on("task-node", () => selected && reveal(selected, "task"));
on("zoom-in", () => panzoom.zoomBy(1.25));
on("zoom-out", () => panzoom.zoomBy(0.8));
on("fit", fitAll);
// The panel was resized (split, sidebar toggled): keep the graph fitted unless the user moved it,
// and turn a small graph to run down a tall panel or across a wide one.
let turning: ReturnType<typeof setTimeout> | undefined;
new ResizeObserver(() => {
  if (!layout || panzoom.moved) return;
  if (graph && direction(graph) !== layout.direction) {
    clearTimeout(turning);
    const g = graph;
    turning = setTimeout(() => void setGraph(g, true), 150);
  } else if (lastView === "fit") panzoom.fit(layout.width, layout.height);
  else initialView();
}).observe(svg);
on("refresh", () => post({ type: "refresh" }));

window.addEventListener("message", (event: MessageEvent<ToWebview>) => {
  const m = event.data;
  switch (m.type) {
    case "graph":
      live = m.live;
      groups = m.groups;
      nameRunButton(m.groups !== undefined);
      document.body.classList.toggle("untrusted", !m.trusted);
      void setGraph(m.graph, m.fit);
      break;
    case "status":
      live = m.live;
      paint();
      break;
    case "select":
      if (layout && view.has(m.node)) showNode(m.node);
      else pendingSelect = m.node;
      break;
    case "error":
      showMessage(m.message);
      break;
  }
});

select(undefined);
post({ type: "ready" });
