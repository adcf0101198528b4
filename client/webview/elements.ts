/**
 * The SVG of one node and one edge as the graph draws them zoomed in, and what hovering them says.
 * Plain elements with classes (graph.css colours them from the theme's variables): no inline
 * styles, so the CSP stays strict. A status shows as a colour, an icon of its own shape and its
 * word, so it never rests on colour alone.
 */
import { firstLine, formatDuration, percent, type FlowNode } from "@flowsmith/contract";
import type { EdgeShape } from "./shapes";
import { behindBox, dynamicTooltipLines, overBox } from "./dynamic";

const SVG = "http://www.w3.org/2000/svg";

/** One decimal: enough for positions, short in the DOM. */
export const f1 = (v: number) => (Math.round(v * 10) / 10).toString();

export function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, cls?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  if (cls) e.setAttribute("class", cls);
  return e;
}

/**
 * Each status's icon in a 12 × 12 box: a shape in the status colour (filled, or a ring when
 * `hollow`) and a mark drawn over it in the background colour.
 */
const CIRCLE = "M6 0a6 6 0 1 1 0 12a6 6 0 1 1 0-12z";
const RING = "M6 1a5 5 0 1 1 0 10a5 5 0 1 1 0-10z";
const ICONS: Record<string, { shape: string; mark?: string; hollow?: boolean }> = {
  complete: { shape: CIRCLE, mark: "M3.1 6.3l2 2l3.8-4.3" },
  failed: { shape: CIRCLE, mark: "M3.8 3.8l4.4 4.4M8.2 3.8l-4.4 4.4" },
  running: { shape: "M6 1a5 5 0 1 1-5 5", hollow: true },
  pending: { shape: RING, hollow: true },
  stale: { shape: "M6 .5l6 11H0z", mark: "M6 4.2v3.6M6 9.3v.4" },
  stopped: { shape: "M1 1h10v10H1z" },
  skipped: { shape: `${RING}M2.6 9.4l6.8-6.8`, hollow: true },
};

/** Below this zoom nodes are compact: the id alone, drawn at COMPACT_PX on screen, with the status icon. */
const COMPACT_ZOOM = 0.8;
const COMPACT_PX = 12;
/** The compact id's largest size in drawing units (it must fit the box). */
const COMPACT_MAX = 22;

/**
 * Switches the drawn nodes between full and compact by one class and one CSS variable on their
 * layer (set through the CSSOM): a 30-node graph fitted into a side panel still reads.
 */
export function compact(layer: SVGGElement, k: number): void {
  const on = k < COMPACT_ZOOM;
  if (layer.classList.contains("compact") !== on) layer.classList.toggle("compact", on);
  const size = on ? `${Math.min(COMPACT_MAX, COMPACT_PX / k).toFixed(1)}px` : "";
  // Only a change restyles the drawn nodes (a zoom of a large graph calls this every frame).
  if (on && layer.style.getPropertyValue("--compact-size") !== size) layer.style.setProperty("--compact-size", size);
}

/** The id a node shows: without its composing flow's prefix inside that flow's cluster (`train/fit` → `fit`). */
export function shownId(node: FlowNode): string {
  return node.group !== undefined && node.id.startsWith(`${node.group}/`) ? node.id.slice(node.group.length + 1) : node.id;
}

/** A drawn node's elements that change with its status. */
export interface NodeElements {
  group: SVGGElement;
  bar: SVGRectElement;
  shape: SVGPathElement;
  mark: SVGPathElement;
  word: SVGTSpanElement;
  duration: SVGTSpanElement;
  /** What was last painted, to skip unchanged nodes. */
  painted: string;
}

/** A node's group (box, status stripe, id, task, status line, progress bar), unpainted. */
export function nodeElements(node: FlowNode, box: { x: number; y: number; width: number; height: number }, context: string): NodeElements {
  const { width: w, height: h } = box;
  const g = el("g", {
    transform: `translate(${f1(box.x)},${f1(box.y)})`, "data-id": node.id, tabindex: 0, role: "button",
    "data-vscode-context": context,
  }, "node");
  for (const x of behindBox(node, w, h)) g.appendChild(x);
  g.appendChild(el("rect", { width: w, height: h, rx: 6, ry: 6 }, node.kind === "when" ? "box when" : "box"));
  g.appendChild(el("rect", { x: 0, y: 0, width: 5, height: h, rx: 2 }, "stripe"));
  const label = el("text", { x: 14, y: 20 }, "label");
  // In a composition's cluster the group is the box's title: the node shows its id inside it.
  const shown = shownId(node);
  label.textContent = shown;
  g.appendChild(label);
  // Zoomed out (compact): the id alone, larger, never wider than the box (--fit, set through the CSSOM).
  const short = el("text", { x: 32, y: h / 2 }, "short");
  short.textContent = shown;
  short.style.setProperty("--fit", `${Math.min(COMPACT_MAX, (w - 38) / (0.62 * Math.max(1, shown.length))).toFixed(1)}px`);
  g.appendChild(short);
  const sub = el("text", { x: 14, y: 37 }, "sub");
  const key = el("tspan", {}, "key");
  key.textContent = "task ";
  const task = el("tspan", {}, "task");
  task.textContent = node.task;
  sub.append(key, task);
  g.appendChild(sub);
  const icon = el("g", { transform: "translate(14,44)" }, "icon");
  const shape = el("path", {}, "icon-shape");
  const mark = el("path", {}, "icon-mark");
  icon.append(shape, mark);
  g.appendChild(icon);
  const state = el("text", { x: 32, y: 54 }, "state");
  const word = el("tspan", {}, "word");
  const duration = el("tspan", {}, "duration");
  state.append(word, duration);
  g.appendChild(state);
  for (const x of overBox(node, w, h)) g.appendChild(x);
  const bar = el("rect", { x: 5, y: h - 3, width: 0, height: 3 }, "bar");
  g.appendChild(bar);
  return { group: g, bar, shape, mark, word, duration, painted: "" };
}

/** Paints a node's icon and status line. */
export function paintState(e: NodeElements, node: FlowNode, status: string, fraction: number): void {
  const icon = ICONS[status] ?? ICONS.pending!;
  e.shape.setAttribute("d", icon.shape);
  e.shape.classList.toggle("hollow", !!icon.hollow);
  e.mark.setAttribute("d", icon.mark ?? "");
  e.word.textContent = status === "running" && fraction ? `running ${percent(fraction)}` : status;
  const duration = status === "running" ? undefined : formatDuration(node.lastRun?.durationMs);
  // A pending, stale or skipped node's duration is an earlier run's: say so.
  const earlier = status === "pending" || status === "stale" || status === "skipped";
  e.duration.textContent = duration ? ` · ${earlier ? "last " : ""}${duration}` : "";
}

/** What hovering (or focusing) a node says: its task, status, last duration, cache key, the error. */
export function nodeTooltip(node: FlowNode, status: string, fraction: number): string {
  const last = node.lastRun;
  const lines = [`${node.id} — task ${node.task}`, `status: ${status}${fraction ? ` ${percent(fraction)}` : ""}`];
  const duration = formatDuration(last?.durationMs);
  if (duration) lines.push(`last duration: ${duration}${last?.finishedAt ? ` (finished ${new Date(last.finishedAt).toLocaleString()})` : ""}`);
  if (last?.cacheKey) lines.push(`cache key: ${last.cacheKey.slice(0, 16)}…`);
  if (last?.error && (status === "failed" || last.status === "failed")) {
    const error = last.error.split("\n").filter((l) => l.trim()).slice(0, 6).map((l) => (l.length > 160 ? `${l.slice(0, 157)}...` : l));
    lines.push(`error: ${error.join("\n") || firstLine(last.error)}`);
  }
  lines.push(...dynamicTooltipLines(node, status));
  lines.push("Enter or double-click: go to the call · F12: go to the task");
  return lines.join("\n");
}

/** An edge: a wide invisible path to hover, its path with an arrow, the output → input label. */
export function edgeElement(e: EdgeShape): SVGGElement {
  let d = "";
  e.points.forEach((p, i) => (d += `${i ? "L" : "M"}${f1(p.x)},${f1(p.y)}`));
  const tip = e.mapType ? mappedEdgeTooltip(e) : `${e.from} → ${e.to}\n${e.label}${e.type ? `\ntype: ${e.type}` : ""}`;
  const g = el("g", { "data-from": e.from, "data-to": e.to, "data-tip": tip, ...(e.mapType ? { "data-map-type": e.mapType } : {}) },
    e.mapType ? `edge mapped map-${e.mapType}` : "edge");
  g.appendChild(el("path", { d }, "hit"));
  g.appendChild(el("path", { d, "marker-end": "url(#arrow)" }, "line"));
  if (e.labelAt) {
    const t = el("text", { x: f1(e.labelAt.x), y: f1(e.labelAt.y + 4), "text-anchor": "middle" }, "edge-label");
    t.textContent = e.label;
    g.appendChild(t);
    // Zoomed out, where labels are hidden, a mapped edge still says its map type, larger (graph.css).
    if (e.mapType) {
      const badge = el("text", { x: f1(e.labelAt.x), y: f1(e.labelAt.y + 6), "text-anchor": "middle" }, "edge-badge");
      badge.textContent = e.mapType;
      g.appendChild(badge);
    }
  }
  return g;
}

/** What a composition's mapped parameter does with the value, by its map type (DESIGN "Compositions"). */
const MAP_TYPE_WORDS: Record<string, string> = {
  raw: "raw: the output's value becomes the param",
  file: "file: the output is a stored file; the param gets a readable path",
  db: "db: the output is recorded in the results database; the param is read from it",
};

/** A mapped edge's hover: the two nodes, `output → param`, what its map type does, the param's type. */
export function mappedEdgeTooltip(e: EdgeShape): string {
  const lines = [`${e.from} → ${e.to}`, `${e.output || "(all)"} → param ${e.input ?? ""}`, MAP_TYPE_WORDS[e.mapType ?? ""] ?? `map type: ${e.mapType}`];
  if (e.type) lines.push(`type: ${e.type}`);
  return lines.join("\n");
}
