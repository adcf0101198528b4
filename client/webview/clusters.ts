/**
 * A composition's composing flows drawn behind their nodes: one labelled box per group (its name,
 * the workflow it runs, how many of its nodes are complete). A handful of elements, always in the
 * DOM (a composition has few groups); drawn into their own layer under the edges. Clicking a
 * group's title reveals its entry in the YAML (`revealGroup`).
 */
import type { CompositionGroup, FlowNode } from "@flowsmith/contract";
import { el, f1 } from "./elements";
import type { ClusterBox } from "./shapes";

/** The cluster's status: running or failed if any node is, complete if all are, else pending. */
export function clusterStatus(statuses: string[]): string {
  for (const s of ["running", "failed", "stopped", "stale"]) if (statuses.includes(s)) return s;
  return statuses.length && statuses.every((s) => s === "complete") ? "complete" : "pending";
}

/** `3/4 complete`, `1 running · 2/4 complete`, `1 failed · 1/4 complete`. */
export function clusterCounts(statuses: string[]): string {
  const complete = statuses.filter((s) => s === "complete").length;
  const notes = ["running", "failed", "stale"].map((s) => [s, statuses.filter((x) => x === s).length] as const)
    .filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`);
  return [...notes, `${complete}/${statuses.length} complete`].join(" · ");
}

/** As the nodes (elements.ts): compact below this zoom, the name at this size on screen, at most this in drawing units. */
const COMPACT_ZOOM = 0.8;
const COMPACT_PX = 12;
const COMPACT_MAX = 24;

interface Drawn {
  box: SVGGElement;
  group: SVGGElement;
  counts: SVGTextElement;
  icon: SVGCircleElement;
}

/**
 * `layer` holds the boxes (under the edges); `titles` their title bands (over the edges, under the
 * nodes), so an edge entering a box from above passes under its title instead of over its words.
 */
export class ClusterView {
  private drawn = new Map<string, Drawn>();
  private members = new Map<string, FlowNode[]>();

  constructor(private readonly layer: SVGGElement, private readonly titles: SVGGElement) {}

  /** Draws the boxes of a new layout (none for a workflow). */
  set(clusters: ClusterBox[] | undefined, nodes: FlowNode[], groups: CompositionGroup[] | undefined): void {
    this.layer.replaceChildren();
    this.titles.replaceChildren();
    this.drawn.clear();
    this.members.clear();
    if (!clusters?.length) return;
    for (const n of nodes) {
      if (n.group === undefined) continue;
      const list = this.members.get(n.group) ?? [];
      list.push(n);
      this.members.set(n.group, list);
    }
    const flows = new Map((groups ?? []).map((g) => [g.name, g.flow]));
    for (const c of clusters) {
      const flow = flows.get(c.id) ?? "";
      const at = `translate(${f1(c.x)},${f1(c.y)})`;
      const box = el("g", { transform: at, "data-group": c.id }, "cluster");
      box.appendChild(el("rect", { width: f1(c.width), height: f1(c.height), rx: 10, ry: 10 }, "cluster-box"));
      this.layer.appendChild(box);
      const g = el("g", { transform: at, "data-group": c.id, "data-tip": `${c.id} — composing flow\n${flow ? `runs ${flow}\n` : ""}click the title: go to its entry in the composition` }, "cluster");
      // The title band: the box's top, rounded like it, squared off below.
      g.appendChild(el("path", { d: `M0 10a10 10 0 0 1 10-10h${f1(c.width - 20)}a10 10 0 0 1 10 10v28h${f1(-c.width)}z` }, "cluster-head"));
      const icon = el("circle", { cx: 14, cy: 15, r: 4.5 }, "cluster-icon");
      const name = el("text", { x: 25, y: 19 }, "cluster-name");
      name.textContent = c.id;
      const sub = el("text", { x: 12, y: 33 }, "cluster-flow");
      sub.textContent = flow;
      const counts = el("text", { x: f1(c.width - 12), y: 19, "text-anchor": "end" }, "cluster-counts");
      // Zoomed out (compact): the name alone, larger, centred in the band and never wider than the box.
      const short = el("text", { x: 28, y: 19 }, "cluster-short");
      short.textContent = c.id;
      short.style.setProperty("--fit", `${Math.min(COMPACT_MAX, (c.width - 40) / (0.62 * Math.max(1, c.id.length))).toFixed(1)}px`);
      g.append(icon, name, sub, counts, short);
      this.titles.appendChild(g);
      this.drawn.set(c.id, { box, group: g, counts, icon });
    }
  }

  /** Counts and colours from the nodes' current statuses. */
  paint(statusOf: (node: FlowNode) => string): void {
    for (const [id, d] of this.drawn) {
      const statuses = (this.members.get(id) ?? []).map(statusOf);
      const status = clusterStatus(statuses);
      d.group.setAttribute("class", `cluster status-${status}`);
      d.box.setAttribute("class", `cluster status-${status}`);
      d.counts.textContent = clusterCounts(statuses);
      d.counts.setAttribute("class", `cluster-counts status-${status}`);
      d.group.setAttribute("data-status", status);
    }
  }

  /**
   * Below COMPACT_ZOOM the titles turn compact like the nodes (elements.ts `compact`): the name
   * alone, drawn at COMPACT_PX on screen, beside a larger status dot; the workflow and counts are in
   * the hover. Only a change restyles them.
   */
  zoom(k: number): void {
    const on = k < COMPACT_ZOOM && this.drawn.size > 0;
    if (this.titles.classList.contains("compact") !== on) this.titles.classList.toggle("compact", on);
    const size = on ? `${Math.min(COMPACT_MAX, COMPACT_PX / k).toFixed(1)}px` : "";
    if (on && this.titles.style.getPropertyValue("--compact-size") !== size) this.titles.style.setProperty("--compact-size", size);
  }

  /** What the tests and the UI stories read: each cluster's name, workflow, counts and status. */
  get count(): number {
    return this.drawn.size;
  }
}

/** The group whose title was clicked (the box itself lets clicks through to the empty drawing). */
export function clusterTitleAt(target: EventTarget | null): string | undefined {
  const t = target as Element | null;
  if (!t?.closest?.(".cluster-head, .cluster-name, .cluster-flow, .cluster-icon, .cluster-counts, .cluster-short")) return undefined;
  return t.closest(".cluster")?.getAttribute("data-group") ?? undefined;
}
