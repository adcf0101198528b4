/**
 * Draws a laid-out graph into the SVG, virtualised: the geometry lives in typed arrays and only the
 * part of the graph in (or near) the window is in the DOM. Plain elements, colours from classes
 * (graph.css uses the theme's variables), positions as attributes — nothing needs inline styles, so
 * the CSP stays strict.
 *
 *  - zoomed in (nodes readable): every node in the drawn region is a `.node` group (box, stripe,
 *    id, task, status icon and word, last duration, progress bar; `data-id`, `status-*` classes,
 *    `data-tip` for the hover, focusable, a context menu) and every edge an `.edge` group (path with
 *    an arrow, label when zoomed in further, `data-tip`);
 *  - zoomed out: one path per status holds all the nodes of the region as plain blocks, one path all
 *    the edges; a click is hit-tested against the geometry.
 *
 * The drawn region is the window plus a margin, so a pan inside it only moves the transform; a pan
 * or zoom out of it redraws on the next frame, adding and removing only the difference.
 */
import type { FlowNode } from "@flowsmith/contract";
import type { PanZoom } from "./panzoom";
import type { EdgeShape, Layout } from "./shapes";
import { compact, edgeElement, el, f1, nodeElements, nodeTooltip, paintState, type NodeElements } from "./elements";

/** From this zoom nodes are drawn in full (their 12px text is legible); below it, as blocks. */
export const DETAIL_ZOOM = 0.45;
/** Edge labels (10px text) from this zoom. */
const LABEL_ZOOM = 0.6;
/** At most this many nodes in full at once; a denser window is drawn as blocks. */
const DETAIL_BUDGET = 800;
/** Up to this many nodes in the region are drawn in full at any zoom (small graphs keep their text). */
const SMALL = 300;
/** The drawn region is the window grown by this fraction of its size on every side. */
const OVERSCAN = 0.3;
/** A click this close (screen pixels) to a block picks it (zoomed out). */
const HIT_SLOP = 3;
interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
type Mode = "none" | "detail" | "overview";

export class GraphView {
  private nodes: FlowNode[] = [];
  private ids: string[] = [];
  private index = new Map<string, number>();
  private nx = new Float64Array(0);
  private ny = new Float64Array(0);
  private nw = new Float64Array(0);
  private nh = new Float64Array(0);
  private edges: EdgeShape[] = [];
  /** Edge bounding boxes. */
  private ex0 = new Float64Array(0);
  private ey0 = new Float64Array(0);
  private ex1 = new Float64Array(0);
  private ey1 = new Float64Array(0);
  private status: string[] = [];
  private fraction: (number | undefined)[] = [];
  private selected = -1;

  private mode: Mode = "none";
  /** The mode the zoom asked for (detail may have fallen back to overview over the budget). */
  private wanted: Mode = "none";
  private region: Rect = { x0: 0, y0: 0, x1: 0, y1: 0 };
  private mountedNodes = new Map<number, NodeElements>();
  private mountedEdges = new Map<number, SVGGElement>();
  private mark = new Uint8Array(0);
  private visible = new Int32Array(0);
  private visibleCount = 0;
  private statusPaths = new Map<string, SVGPathElement>();
  private edgePath: SVGPathElement | undefined;
  private outline: SVGRectElement | undefined;
  private frame = 0;
  /** Repaint on the next setStatuses even if no status changed. */
  private dirty = false;
  private size = { width: 0, height: 0 };

  constructor(
    private readonly svg: SVGSVGElement,
    private readonly edgesLayer: SVGGElement,
    private readonly nodesLayer: SVGGElement,
    private readonly panzoom: PanZoom,
  ) {
    new ResizeObserver((entries) => {
      const r = entries[entries.length - 1]?.contentRect;
      if (r) this.size = { width: r.width, height: r.height };
      this.schedule();
    }).observe(svg);
  }

  /** How many nodes the graph has (all of them are laid out and drawn when in view). */
  get nodeCount(): number {
    return this.ids.length;
  }

  has = (id: string): boolean => this.index.has(id);

  /** A node's box, for centring on it. */
  box(id: string): { x: number; y: number; width: number; height: number } | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : { x: this.nx[i]!, y: this.ny[i]!, width: this.nw[i]!, height: this.nh[i]! };
  }

  /** A new layout: the geometry is copied into arrays, the DOM is emptied and drawn on `render`. */
  setLayout(layout: Layout, nodes: FlowNode[]): void {
    this.clear();
    const list = nodes.filter((n) => layout.nodes.has(n.id));
    const n = list.length;
    this.nodes = list;
    this.ids = list.map((node) => node.id);
    this.index = new Map(this.ids.map((id, i) => [id, i]));
    this.nx = new Float64Array(n);
    this.ny = new Float64Array(n);
    this.nw = new Float64Array(n);
    this.nh = new Float64Array(n);
    list.forEach((node, i) => {
      const b = layout.nodes.get(node.id)!;
      this.nx[i] = b.x;
      this.ny[i] = b.y;
      this.nw[i] = b.width;
      this.nh[i] = b.height;
    });
    this.edges = layout.edges.filter((e) => e.points.length >= 2);
    const m = this.edges.length;
    this.ex0 = new Float64Array(m);
    this.ey0 = new Float64Array(m);
    this.ex1 = new Float64Array(m);
    this.ey1 = new Float64Array(m);
    this.edges.forEach((e, i) => {
      let x0 = Infinity;
      let y0 = Infinity;
      let x1 = -Infinity;
      let y1 = -Infinity;
      for (const p of e.points) {
        x0 = Math.min(x0, p.x);
        y0 = Math.min(y0, p.y);
        x1 = Math.max(x1, p.x);
        y1 = Math.max(y1, p.y);
      }
      this.ex0[i] = x0;
      this.ey0[i] = y0;
      this.ex1[i] = x1;
      this.ey1[i] = y1;
    });
    this.mark = new Uint8Array(Math.max(n, m));
    this.visible = new Int32Array(n);
    this.status = list.map((node) => node.status);
    this.fraction = new Array(n);
    this.selected = -1;
    const r = this.svg.getBoundingClientRect();
    this.size = { width: r.width, height: r.height };
  }

  /** The same graph again (same nodes and edges) with new statuses and last runs: no new layout. */
  updateNodes(nodes: FlowNode[]): void {
    const list = nodes.filter((n) => this.index.has(n.id));
    if (list.length !== this.ids.length) return;
    list.forEach((node) => (this.nodes[this.index.get(node.id)!] = node));
    // Tooltips show the last run: repaint the drawn nodes on the next setStatuses.
    for (const e of this.mountedNodes.values()) e.painted = "";
    this.dirty = true;
  }

  private clear(): void {
    this.edgesLayer.replaceChildren();
    this.nodesLayer.replaceChildren();
    this.mountedNodes.clear();
    this.mountedEdges.clear();
    this.statusPaths.clear();
    this.edgePath = undefined;
    this.outline = undefined;
    this.mode = this.wanted = "none";
  }

  /** Statuses by node id; only the drawn nodes are repainted. */
  setStatuses(statusOf: (node: FlowNode) => { status: string; fraction?: number | undefined }): void {
    let changed = false;
    this.nodes.forEach((node, i) => {
      const { status, fraction } = statusOf(node);
      if (status !== this.status[i] || fraction !== this.fraction[i]) changed = true;
      this.status[i] = status;
      this.fraction[i] = fraction;
    });
    if (!changed && !this.dirty) return;
    this.dirty = false;
    if (this.mode === "detail") for (const [i, e] of this.mountedNodes) this.paintNode(i, e);
    else if (this.mode === "overview") this.drawBlocks();
  }

  select(id: string | undefined): void {
    const i = id === undefined ? -1 : (this.index.get(id) ?? -1);
    if (i === this.selected) return;
    const before = this.selected;
    this.selected = i;
    if (this.mode === "detail") {
      for (const j of [before, i]) {
        const e = this.mountedNodes.get(j);
        if (e) this.paintNode(j, e);
      }
    } else if (this.mode === "overview") this.drawOutline();
  }

  /** The node under a point of the drawing (with a few pixels of slop when zoomed out), or undefined. */
  nodeAt(x: number, y: number): string | undefined {
    const slop = this.mode === "overview" ? HIT_SLOP / this.panzoom.view.k : 0;
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < this.ids.length; i++) {
      const dx = Math.max(this.nx[i]! - x, 0, x - this.nx[i]! - this.nw[i]!);
      const dy = Math.max(this.ny[i]! - y, 0, y - this.ny[i]! - this.nh[i]!);
      const d = Math.max(dx, dy);
      if (d <= slop && d < bestD) {
        best = i;
        bestD = d;
      }
    }
    return best < 0 ? undefined : this.ids[best];
  }

  /** Redraws on the next animation frame (pan, zoom, resize). */
  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** The window in drawing coordinates. */
  private windowRect(): Rect {
    const { x, y, k } = this.panzoom.view;
    const { width, height } = this.size;
    return { x0: -x / k, y0: -y / k, x1: (width - x) / k, y1: (height - y) / k };
  }

  /** Draws what the window needs, unless what is drawn already covers it. */
  render(force = false): void {
    if (!this.ids.length) {
      if (this.mode !== "none") this.clear();
      return;
    }
    const k = this.panzoom.view.k;
    const w = this.windowRect();
    const wanted: Mode = k >= DETAIL_ZOOM ? "detail" : "overview";
    this.edgesLayer.classList.toggle("no-labels", k < LABEL_ZOOM);
    compact(this.nodesLayer, k);
    const r = this.region;
    const inside = w.x0 >= r.x0 && w.y0 >= r.y0 && w.x1 <= r.x1 && w.y1 <= r.y1;
    // Zoomed far into what was drawn for a wider window: draw less.
    const tooBig = (r.x1 - r.x0) * (r.y1 - r.y0) > 25 * (w.x1 - w.x0) * (w.y1 - w.y0);
    if (!force && wanted === this.wanted && inside && !tooBig) return;

    const gx = (w.x1 - w.x0) * OVERSCAN;
    const gy = (w.y1 - w.y0) * OVERSCAN;
    const region = { x0: w.x0 - gx, y0: w.y0 - gy, x1: w.x1 + gx, y1: w.y1 + gy };
    let count = 0;
    const { nx, ny, nw, nh, visible } = this;
    for (let i = 0; i < nx.length; i++) {
      if (nx[i]! <= region.x1 && nx[i]! + nw[i]! >= region.x0 && ny[i]! <= region.y1 && ny[i]! + nh[i]! >= region.y0) visible[count++] = i;
    }
    this.visibleCount = count;
    this.region = region;
    this.wanted = wanted;
    const mode: Mode = count <= SMALL || (wanted === "detail" && count <= DETAIL_BUDGET) ? "detail" : "overview";
    if (mode === "detail") this.drawDetail(region);
    else this.drawOverview(region);
  }

  private edgeIn(i: number, r: Rect): boolean {
    if (this.ex0[i]! > r.x1 || this.ex1[i]! < r.x0 || this.ey0[i]! > r.y1 || this.ey1[i]! < r.y0) return false;
    const p = this.edges[i]!.points;
    if (p.length !== 2) return true;
    // A straight edge misses the rectangle when all four corners are on one side of its line.
    const dx = p[1]!.x - p[0]!.x;
    const dy = p[1]!.y - p[0]!.y;
    const side = (x: number, y: number) => Math.sign(dx * (y - p[0]!.y) - dy * (x - p[0]!.x));
    const s = side(r.x0, r.y0) + side(r.x1, r.y0) + side(r.x0, r.y1) + side(r.x1, r.y1);
    return Math.abs(s) !== 4;
  }

  private drawDetail(region: Rect): void {
    if (this.mode !== "detail") {
      this.edgesLayer.replaceChildren();
      this.nodesLayer.replaceChildren();
      this.statusPaths.clear();
      this.edgePath = undefined;
      this.outline = undefined;
      this.mode = "detail";
    }
    const mark = this.mark;
    // Nodes: drop those that left the region, add those that entered it.
    mark.fill(0);
    for (let j = 0; j < this.visibleCount; j++) mark[this.visible[j]!] = 1;
    for (const [i, e] of this.mountedNodes) {
      if (!mark[i]) {
        e.group.remove();
        this.mountedNodes.delete(i);
      }
    }
    const nodeFrag = document.createDocumentFragment();
    for (let j = 0; j < this.visibleCount; j++) {
      const i = this.visible[j]!;
      if (this.mountedNodes.has(i)) continue;
      const e = this.makeNode(i);
      this.mountedNodes.set(i, e);
      nodeFrag.appendChild(e.group);
    }
    this.nodesLayer.appendChild(nodeFrag);
    // Edges the same way.
    mark.fill(0);
    for (let i = 0; i < this.edges.length; i++) if (this.edgeIn(i, region)) mark[i] = 1;
    for (const [i, g] of this.mountedEdges) {
      if (!mark[i]) {
        g.remove();
        this.mountedEdges.delete(i);
      }
    }
    const edgeFrag = document.createDocumentFragment();
    for (let i = 0; i < this.edges.length; i++) {
      if (!mark[i] || this.mountedEdges.has(i)) continue;
      const g = edgeElement(this.edges[i]!);
      this.mountedEdges.set(i, g);
      edgeFrag.appendChild(g);
    }
    this.edgesLayer.appendChild(edgeFrag);
  }

  private makeNode(i: number): NodeElements {
    const context = JSON.stringify({ webviewSection: "node", node: this.ids[i], preventDefaultContextMenuItems: true });
    const e = nodeElements(this.nodes[i]!, { x: this.nx[i]!, y: this.ny[i]!, width: this.nw[i]!, height: this.nh[i]! }, context);
    this.paintNode(i, e);
    return e;
  }

  /** A node's status class, icon and line, selection, progress bar and hover text. */
  private paintNode(i: number, e: NodeElements): void {
    const status = this.status[i]!;
    const fraction = this.fraction[i];
    const f = status === "running" && fraction !== undefined ? Math.min(1, Math.max(0, fraction)) : 0;
    const selected = i === this.selected;
    const key = `${status}|${f}|${selected}`;
    if (key === e.painted) return;
    e.painted = key;
    e.group.setAttribute("class", `node status-${status}${selected ? " selected" : ""}`);
    e.bar.setAttribute("width", ((this.nw[i]! - 5) * f).toFixed(1));
    paintState(e, this.nodes[i]!, status, f);
    const tip = nodeTooltip(this.nodes[i]!, status, f);
    e.group.setAttribute("data-tip", tip);
    e.group.setAttribute("aria-label", tip.split("\n").slice(0, 3).join(", "));
  }

  private drawOverview(region: Rect): void {
    if (this.mode !== "overview") {
      this.edgesLayer.replaceChildren();
      this.nodesLayer.replaceChildren();
      this.mountedNodes.clear();
      this.mountedEdges.clear();
      this.mode = "overview";
    }
    if (!this.edgePath) {
      this.edgePath = el("path", {}, "overview-edges");
      this.edgesLayer.appendChild(this.edgePath);
    }
    const parts: string[] = [];
    for (let i = 0; i < this.edges.length; i++) {
      if (!this.edgeIn(i, region)) continue;
      const p = this.edges[i]!.points;
      for (let j = 0; j < p.length; j++) parts.push(`${j ? "L" : "M"}${Math.round(p[j]!.x)} ${Math.round(p[j]!.y)}`);
    }
    this.edgePath.setAttribute("d", parts.join(""));
    this.drawBlocks();
  }

  /** Zoomed out: the nodes of the region as blocks, one path per status. */
  private drawBlocks(): void {
    const byStatus = new Map<string, string[]>();
    for (let j = 0; j < this.visibleCount; j++) {
      const i = this.visible[j]!;
      const s = this.status[i]!;
      let list = byStatus.get(s);
      if (!list) byStatus.set(s, (list = []));
      list.push(`M${Math.round(this.nx[i]!)} ${Math.round(this.ny[i]!)}h${Math.round(this.nw[i]!)}v${Math.round(this.nh[i]!)}h${-Math.round(this.nw[i]!)}z`);
    }
    for (const [s, p] of this.statusPaths) {
      if (!byStatus.has(s)) {
        p.remove();
        this.statusPaths.delete(s);
      }
    }
    for (const [s, list] of byStatus) {
      let p = this.statusPaths.get(s);
      if (!p) {
        p = el("path", {}, `overview-node status-${s}`);
        this.statusPaths.set(s, p);
        this.nodesLayer.insertBefore(p, this.outline ?? null);
      }
      p.setAttribute("d", list.join(""));
    }
    this.drawOutline();
  }

  private drawOutline(): void {
    const i = this.selected;
    if (i < 0) {
      this.outline?.remove();
      this.outline = undefined;
      return;
    }
    if (!this.outline) {
      this.outline = el("rect", {}, "overview-selected");
      this.nodesLayer.appendChild(this.outline);
    }
    const pad = 4;
    this.outline.setAttribute("x", f1(this.nx[i]! - pad));
    this.outline.setAttribute("y", f1(this.ny[i]! - pad));
    this.outline.setAttribute("width", f1(this.nw[i]! + 2 * pad));
    this.outline.setAttribute("height", f1(this.nh[i]! + 2 * pad));
  }
}
