/**
 * Draws a laid-out graph into the SVG: plain elements, colours from classes (graph.css uses the
 * theme's variables), positions as attributes — nothing needs inline styles, so the CSP stays strict.
 */
import type { FlowNode } from "../../server/src/protocol";
import type { Layout } from "./layout";

const SVG = "http://www.w3.org/2000/svg";

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, cls?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (cls) e.setAttribute("class", cls);
  return e;
}

export interface NodeElements {
  group: SVGGElement;
  bar: SVGRectElement;
  width: number;
}

export function drawGraph(
  layout: Layout,
  nodes: FlowNode[],
  edgesLayer: SVGGElement,
  nodesLayer: SVGGElement,
): Map<string, NodeElements> {
  const edgeFrag = document.createDocumentFragment();
  const labels = layout.nodes.size <= 800;
  for (const e of layout.edges) {
    if (e.points.length < 2) continue;
    const d = e.points.map((p, i) => `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
    const g = el("g", { "data-from": e.from, "data-to": e.to }, "edge");
    g.appendChild(el("path", { d, "marker-end": "url(#arrow)" }));
    if (labels && e.labelAt) {
      const t = el("text", { x: e.labelAt.x.toFixed(1), y: (e.labelAt.y + 4).toFixed(1), "text-anchor": "middle" }, "edge-label");
      t.textContent = e.label;
      g.appendChild(t);
    }
    const title = el("title", {});
    title.textContent = `${e.from} → ${e.to}: ${e.label}`;
    g.appendChild(title);
    edgeFrag.appendChild(g);
  }
  edgesLayer.replaceChildren(edgeFrag);

  const out = new Map<string, NodeElements>();
  const nodeFrag = document.createDocumentFragment();
  for (const n of nodes) {
    const box = layout.nodes.get(n.id);
    if (!box) continue;
    const g = el("g", { transform: `translate(${box.x.toFixed(1)},${box.y.toFixed(1)})`, "data-id": n.id, tabindex: 0, role: "button" }, "node");
    g.appendChild(el("rect", { width: box.width, height: box.height, rx: 6, ry: 6 }, "box"));
    g.appendChild(el("rect", { x: 0, y: 0, width: 5, height: box.height, rx: 2 }, "stripe"));
    const label = el("text", { x: 14, y: 18 }, "label");
    label.textContent = n.id;
    g.appendChild(label);
    const sub = el("text", { x: 14, y: 34 }, "sub");
    sub.textContent = n.task;
    g.appendChild(sub);
    const bar = el("rect", { x: 5, y: box.height - 3, width: 0, height: 3 }, "bar");
    g.appendChild(bar);
    const title = el("title", {});
    g.appendChild(title);
    nodeFrag.appendChild(g);
    out.set(n.id, { group: g, bar, width: box.width });
  }
  nodesLayer.replaceChildren(nodeFrag);
  return out;
}

const STATUSES = ["pending", "complete", "stale", "running", "failed", "stopped", "skipped"];

/** Sets a node's status class, its progress bar and its tooltip. */
export function paintNode(n: NodeElements, node: FlowNode, status: string, fraction: number | undefined): void {
  const cls = n.group.classList;
  for (const s of STATUSES) if (s !== status) cls.remove(`status-${s}`);
  cls.add(`status-${status}`);
  const f = status === "running" && fraction !== undefined ? Math.min(1, Math.max(0, fraction)) : 0;
  n.bar.setAttribute("width", String(((n.width - 5) * f).toFixed(1)));
  const last = node.lastRun;
  const lines = [`${node.id} (task ${node.task})`, `status: ${status}${f ? ` ${Math.round(f * 100)}%` : ""}`];
  if (last?.durationMs !== undefined) lines.push(`last duration: ${last.durationMs} ms`);
  if (last?.cacheKey) lines.push(`cache key: ${last.cacheKey.slice(0, 16)}…`);
  if (last?.error) lines.push(`error: ${last.error.split("\n")[0]}`);
  const title = n.group.querySelector("title");
  if (title) title.textContent = lines.join("\n");
}
