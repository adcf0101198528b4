/**
 * The SVG of one node and one edge as the graph draws them zoomed in, and a node's tooltip. Plain
 * elements with classes (graph.css colours them from the theme): no inline styles, so the CSP stays
 * strict.
 */
import { firstLine, formatDuration, percent, type FlowNode } from "@flowsmith/contract";
import type { EdgeShape } from "./shapes";

const SVG = "http://www.w3.org/2000/svg";

/** One decimal: enough for positions, short in the DOM. */
export const f1 = (v: number) => (Math.round(v * 10) / 10).toString();

export function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, cls?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  if (cls) e.setAttribute("class", cls);
  return e;
}

/** A drawn node's elements that change with its status. */
export interface NodeElements {
  group: SVGGElement;
  bar: SVGRectElement;
  title: SVGTitleElement;
  /** What was last painted, to skip unchanged nodes. */
  painted: string;
}

/** A node's group (box, status stripe, id, task name, progress bar, tooltip), unpainted. */
export function nodeElements(node: FlowNode, box: { x: number; y: number; width: number; height: number }): NodeElements {
  const { width: w, height: h } = box;
  const g = el("g", { transform: `translate(${f1(box.x)},${f1(box.y)})`, "data-id": node.id, tabindex: 0, role: "button" }, "node");
  g.appendChild(el("rect", { width: w, height: h, rx: 6, ry: 6 }, "box"));
  g.appendChild(el("rect", { x: 0, y: 0, width: 5, height: h, rx: 2 }, "stripe"));
  const label = el("text", { x: 14, y: 18 }, "label");
  label.textContent = node.id;
  g.appendChild(label);
  const sub = el("text", { x: 14, y: 34 }, "sub");
  sub.textContent = node.task;
  g.appendChild(sub);
  const bar = el("rect", { x: 5, y: h - 3, width: 0, height: 3 }, "bar");
  g.appendChild(bar);
  const title = el("title", {});
  g.appendChild(title);
  return { group: g, bar, title, painted: "" };
}

/** What hovering a node says: its task, status (with progress), last duration, cache key, error. */
export function nodeTooltip(node: FlowNode, status: string, fraction: number): string {
  const last = node.lastRun;
  const lines = [`${node.id} (task ${node.task})`, `status: ${status}${fraction ? ` ${percent(fraction)}` : ""}`];
  const duration = formatDuration(last?.durationMs);
  if (duration) lines.push(`last duration: ${duration}`);
  if (last?.cacheKey) lines.push(`cache key: ${last.cacheKey.slice(0, 16)}…`);
  if (last?.error) lines.push(`error: ${firstLine(last.error)}`);
  return lines.join("\n");
}

/** An edge: its path with an arrow, the output → input label, and a tooltip. */
export function edgeElement(e: EdgeShape): SVGGElement {
  let d = "";
  e.points.forEach((p, i) => (d += `${i ? "L" : "M"}${f1(p.x)},${f1(p.y)}`));
  const g = el("g", { "data-from": e.from, "data-to": e.to }, "edge");
  g.appendChild(el("path", { d, "marker-end": "url(#arrow)" }));
  if (e.labelAt) {
    const t = el("text", { x: f1(e.labelAt.x), y: f1(e.labelAt.y + 4), "text-anchor": "middle" }, "edge-label");
    t.textContent = e.label;
    g.appendChild(t);
  }
  const title = el("title", {});
  title.textContent = `${e.from} → ${e.to}: ${e.label}`;
  g.appendChild(title);
  return g;
}
