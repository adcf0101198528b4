/** Pan (drag the background) and zoom (wheel, around the pointer) by one transform on a <g>. */
export interface View {
  x: number;
  y: number;
  k: number;
}

export class PanZoom {
  view: View = { x: 20, y: 20, k: 1 };
  /** Whether the user panned or zoomed since the last fit (then a resize keeps their view). */
  moved = false;
  private drag: { x: number; y: number; vx: number; vy: number } | undefined;

  constructor(private readonly svg: SVGSVGElement, private readonly target: SVGGElement) {
    svg.addEventListener("wheel", (e) => {
      e.preventDefault();
      const r = svg.getBoundingClientRect();
      const px = e.clientX - r.left;
      const py = e.clientY - r.top;
      const factor = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
      const k = Math.min(4, Math.max(0.02, this.view.k * factor));
      this.moved = true;
      this.set({ k, x: px - ((px - this.view.x) * k) / this.view.k, y: py - ((py - this.view.y) * k) / this.view.k });
    }, { passive: false });
    svg.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || (e.target as Element).closest(".node")) return;
      this.drag = { x: e.clientX, y: e.clientY, vx: this.view.x, vy: this.view.y };
      svg.setPointerCapture(e.pointerId);
      svg.classList.add("panning");
    });
    svg.addEventListener("pointermove", (e) => {
      if (!this.drag) return;
      this.moved = true;
      this.set({ k: this.view.k, x: this.drag.vx + e.clientX - this.drag.x, y: this.drag.vy + e.clientY - this.drag.y });
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
    this.target.setAttribute("transform", `translate(${view.x.toFixed(1)},${view.y.toFixed(1)}) scale(${view.k.toFixed(4)})`);
  }

  /** Fits a width × height drawing into the SVG (never zooming in past 1.25). */
  fit(width: number, height: number, margin = 24): void {
    const r = this.svg.getBoundingClientRect();
    const k = Math.min(1.25, (r.width - 2 * margin) / Math.max(1, width), (r.height - 2 * margin) / Math.max(1, height));
    const kk = Math.max(0.02, k);
    this.moved = false;
    this.set({ k: kk, x: (r.width - width * kk) / 2, y: Math.max(margin, (r.height - height * kk) / 2) });
  }

  /** Centres a point of the drawing. */
  center(x: number, y: number): void {
    const r = this.svg.getBoundingClientRect();
    this.set({ k: this.view.k, x: r.width / 2 - x * this.view.k, y: r.height / 2 - y * this.view.k });
  }
}
