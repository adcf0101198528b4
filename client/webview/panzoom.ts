/** Pan (drag the background) and zoom (wheel, around the pointer) by one transform on a <g>. */
export interface View {
  x: number;
  y: number;
  k: number;
}

/** Zoom limits: never further in than MAX_K; out as far as fitting the whole drawing needs. */
const MAX_K = 4;
/**
 * Fitting never zooms in past this: a three-node graph in a big panel reads at about 1.4 × its
 * 13px ids, not as giant boxes.
 */
export const MAX_FIT_K = 1.4;
/** Room left around a fitted drawing (pixels). */
const FIT_MARGIN = 24;
const MIN_K = 0.02;
/** A pointer that moved less than this (pixels) between down and up clicked rather than dragged. */
const CLICK_SLOP = 4;

export class PanZoom {
  view: View = { x: 20, y: 20, k: 1 };
  /** Whether the user panned or zoomed since the last fit (then a resize keeps their view). */
  moved = false;
  /** Whether the last press on the background became a drag (its click is then not a click). */
  dragged = false;
  /** Called after every change of the view (the renderer redraws on the next frame). */
  onChange: (() => void) | undefined;
  private minK = MIN_K;
  private drag: { x: number; y: number; vx: number; vy: number } | undefined;

  constructor(private readonly svg: SVGSVGElement, private readonly target: SVGGElement) {
    svg.addEventListener("wheel", (e) => {
      e.preventDefault();
      const r = svg.getBoundingClientRect();
      const px = e.clientX - r.left;
      const py = e.clientY - r.top;
      const factor = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
      const k = Math.min(MAX_K, Math.max(this.minK, this.view.k * factor));
      this.moved = true;
      this.set({ k, x: px - ((px - this.view.x) * k) / this.view.k, y: py - ((py - this.view.y) * k) / this.view.k });
    }, { passive: false });
    svg.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || (e.target as Element).closest(".node")) return;
      this.drag = { x: e.clientX, y: e.clientY, vx: this.view.x, vy: this.view.y };
      this.dragged = false;
      svg.setPointerCapture(e.pointerId);
      svg.classList.add("panning");
    });
    svg.addEventListener("pointermove", (e) => {
      if (!this.drag) return;
      const dx = e.clientX - this.drag.x;
      const dy = e.clientY - this.drag.y;
      if (!this.dragged && Math.abs(dx) + Math.abs(dy) < CLICK_SLOP) return;
      this.dragged = true;
      this.moved = true;
      this.set({ k: this.view.k, x: this.drag.vx + dx, y: this.drag.vy + dy });
    });
    const end = (e: PointerEvent) => {
      if (!this.drag) return;
      this.drag = undefined;
      svg.releasePointerCapture(e.pointerId);
      svg.classList.remove("panning");
    };
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
  }

  set(view: View): void {
    this.view = view;
    // Enough digits for the smallest zooms of very large drawings (k ≈ 0.001).
    this.target.setAttribute("transform", `translate(${view.x.toFixed(1)},${view.y.toFixed(1)}) scale(${view.k.toPrecision(6)})`);
    this.onChange?.();
  }

  /** The zoom at which a width × height drawing fits the SVG (never more than MAX_FIT_K). */
  fitScale(width: number, height: number, margin = FIT_MARGIN): number {
    const r = this.svg.getBoundingClientRect();
    const k = Math.min(MAX_FIT_K, (r.width - 2 * margin) / Math.max(1, width), (r.height - 2 * margin) / Math.max(1, height));
    // Zooming out must always be able to show the whole drawing.
    this.minK = Math.max(1e-4, Math.min(MIN_K, k));
    return Math.max(this.minK, k);
  }

  /** Fits a width × height drawing into the SVG, centred (never zooming in past MAX_FIT_K). */
  fit(width: number, height: number, margin = FIT_MARGIN): void {
    const r = this.svg.getBoundingClientRect();
    const kk = this.fitScale(width, height, margin);
    this.moved = false;
    this.set({ k: kk, x: (r.width - width * kk) / 2, y: Math.max(margin, (r.height - height * kk) / 2) });
  }

  /** Zooms by a factor around the SVG's centre (the +/- buttons and keys). */
  zoomBy(factor: number): void {
    const { width, height } = this.size();
    const k = Math.min(MAX_K, Math.max(this.minK, this.view.k * factor));
    this.moved = true;
    this.set({ k, x: width / 2 - ((width / 2 - this.view.x) * k) / this.view.k, y: height / 2 - ((height / 2 - this.view.y) * k) / this.view.k });
  }

  /** Pans by (dx, dy) screen pixels (the arrow keys). */
  panBy(dx: number, dy: number): void {
    this.moved = true;
    this.set({ k: this.view.k, x: this.view.x + dx, y: this.view.y + dy });
  }

  /** Centres a point of the drawing, at zoom `k` (default: the current one). */
  center(x: number, y: number, k = this.view.k): void {
    const r = this.svg.getBoundingClientRect();
    this.set({ k, x: r.width / 2 - x * k, y: r.height / 2 - y * k });
  }

  /** Puts a point of the drawing at (sx, sy) in the SVG, at zoom k; the view counts as not moved. */
  place(x: number, y: number, sx: number, sy: number, k: number): void {
    this.moved = false;
    this.set({ k, x: sx - x * k, y: sy - y * k });
  }

  /** The SVG's size. */
  size(): { width: number; height: number } {
    const r = this.svg.getBoundingClientRect();
    return { width: r.width, height: r.height };
  }
}
