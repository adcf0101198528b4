/**
 * The graph webview's script: receives a workflow's graph from the extension, lays it out once
 * (elkjs in a worker), draws it, and repaints statuses as runs go on. Re-layout only happens when
 * the graph's shape changes; pan and zoom are kept across updates.
 */
import type { FlowNode, GraphResult } from "../../server/src/protocol";
import type { FromWebview, LiveStatus, ToWebview } from "../src/graph/messages";
import { layoutGraph, type Layout } from "./layout";
import { PanZoom } from "./panzoom";
import { drawGraph, paintNode, type NodeElements } from "./render";

declare function acquireVsCodeApi(): { postMessage(message: FromWebview): void; getState(): unknown; setState(state: unknown): void };

const vscode = acquireVsCodeApi();
const $ = <T extends Element>(id: string) => document.getElementById(id) as unknown as T;
const svg = $<SVGSVGElement>("canvas");
const viewport = $<SVGGElement>("viewport");
const edgesLayer = $<SVGGElement>("edges");
const nodesLayer = $<SVGGElement>("nodes");
const message = $<HTMLDivElement>("message");
const selection = $<HTMLSpanElement>("selection");
const legend = $<HTMLDivElement>("legend");
const workerUrl = document.body.dataset.elkWorker ?? "";
const panzoom = new PanZoom(svg, viewport);

let graph: GraphResult | undefined;
let shape = "";
let layout: Layout | undefined;
let elements = new Map<string, NodeElements>();
let live: Record<string, LiveStatus> = {};
let selected: string | undefined;
let layoutMs = 0;
let generation = 0;

function post(m: FromWebview): void {
  vscode.postMessage(m);
}

function showMessage(text: string | undefined): void {
  message.hidden = !text;
  message.textContent = text ?? "";
}

/** Nodes and edges, not statuses: when this is unchanged the layout is reused. */
function shapeOf(g: GraphResult): string {
  return JSON.stringify([g.nodes.map((n) => [n.id, n.task]), g.edges.map((e) => [e.from, e.to, e.output, e.input])]);
}

function statusOf(node: FlowNode): { status: string; fraction?: number } {
  // Live statuses come from the run's own events (run-started reports pending/complete/stale too).
  return live[node.id] ?? { status: node.status };
}

function paint(): void {
  if (!graph) return;
  const counts = new Map<string, number>();
  const statuses: Record<string, string> = {};
  for (const node of graph.nodes) {
    const el = elements.get(node.id);
    const { status, fraction } = statusOf(node);
    statuses[node.id] = status;
    counts.set(status, (counts.get(status) ?? 0) + 1);
    if (el) paintNode(el, node, status, fraction);
  }
  legend.replaceChildren(...[...counts].map(([s, c]) => {
    const span = document.createElement("span");
    span.className = `legend-item status-${s}`;
    span.textContent = `${c} ${s}`;
    return span;
  }));
  post({ type: "rendered", nodes: elements.size, edges: graph.edges.length, layoutMs, statuses });
}

function select(id: string | undefined): void {
  if (selected) elements.get(selected)?.group.classList.remove("selected");
  selected = id && elements.has(id) ? id : undefined;
  if (selected) elements.get(selected)?.group.classList.add("selected");
  selection.textContent = selected ? selected : "No node selected";
  for (const b of document.querySelectorAll<HTMLButtonElement>(".needs-node")) b.disabled = !selected;
}

async function setGraph(g: GraphResult, fit: boolean): Promise<void> {
  const mine = ++generation;
  graph = g;
  const s = shapeOf(g);
  if (s !== shape || !layout) {
    showMessage(g.nodes.length > 300 ? `Laying out ${g.nodes.length} nodes…` : undefined);
    const started = performance.now();
    let laid: Layout;
    try {
      laid = await layoutGraph(g, workerUrl);
    } catch (e) {
      showMessage(`Layout failed: ${e instanceof Error ? e.message : String(e)}`);
      post({ type: "error", message: `layout failed: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    if (mine !== generation) return; // a newer graph arrived meanwhile
    layoutMs = Math.round(performance.now() - started);
    layout = laid;
    shape = s;
    elements = drawGraph(laid, g.nodes, edgesLayer, nodesLayer);
    if (fit) panzoom.fit(laid.width, laid.height);
    showMessage(g.nodes.length ? undefined : "This workflow has no nodes.");
  } else if (fit && layout) {
    panzoom.fit(layout.width, layout.height);
  }
  select(selected);
  paint();
}

function nodeIdOf(target: EventTarget | null): string | undefined {
  return (target as Element | null)?.closest?.(".node")?.getAttribute("data-id") ?? undefined;
}

nodesLayer.addEventListener("click", (e) => {
  const id = nodeIdOf(e.target);
  if (!id) return;
  select(id);
  post({ type: "reveal", node: id });
});
nodesLayer.addEventListener("keydown", (e) => {
  const id = nodeIdOf(e.target);
  if (id && (e.key === "Enter" || e.key === " ")) {
    e.preventDefault();
    select(id);
    post({ type: "reveal", node: id });
  }
});
svg.addEventListener("pointerdown", (e) => {
  if (!nodeIdOf(e.target) && e.detail === 2) select(undefined);
});

const on = (id: string, f: () => void) => $<HTMLButtonElement>(id).addEventListener("click", f);
on("run-workflow", () => post({ type: "run" }));
on("run-node", () => selected && post({ type: "run", node: selected }));
on("force-node", () => selected && post({ type: "run", node: selected, force: true }));
on("reset-node", () => selected && post({ type: "reset", node: selected }));
on("reset-downstream", () => selected && post({ type: "reset", node: selected, downstream: true }));
on("reveal-node", () => selected && post({ type: "reveal", node: selected }));
on("fit", () => layout && panzoom.fit(layout.width, layout.height));
// The panel was resized (split, sidebar toggled): keep the graph fitted unless the user moved it.
new ResizeObserver(() => {
  if (layout && !panzoom.moved) panzoom.fit(layout.width, layout.height);
}).observe(svg);
on("refresh", () => post({ type: "refresh" }));

window.addEventListener("message", (event: MessageEvent<ToWebview>) => {
  const m = event.data;
  switch (m.type) {
    case "graph":
      live = m.live;
      document.body.classList.toggle("untrusted", !m.trusted);
      void setGraph(m.graph, m.fit);
      break;
    case "status":
      live = m.live;
      paint();
      break;
    case "select": {
      select(m.node);
      const box = layout?.nodes.get(m.node);
      if (box) panzoom.center(box.x + box.width / 2, box.y + box.height / 2);
      break;
    }
    case "error":
      showMessage(m.message);
      break;
  }
});

select(undefined);
post({ type: "ready" });
