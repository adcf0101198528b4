/**
 * The graph's hover: one HTML box that shows the `data-tip` of the node or edge under the pointer
 * (or of the focused node, for the keyboard). The first line is its title. Positioned through the
 * CSSOM (element.style), which a strict style-src allows, unlike style attributes.
 */
const DELAY_MS = 250;

export class Tooltip {
  private readonly box: HTMLDivElement;
  private current: Element | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(root: Element) {
    this.box = document.body.appendChild(document.createElement("div"));
    this.box.id = "tooltip";
    this.box.setAttribute("role", "tooltip");
    this.box.hidden = true;
    root.addEventListener("pointerover", (e) => {
      const target = this.tipped(e.target);
      if (target !== this.current) this.later(target, e as PointerEvent);
    });
    root.addEventListener("pointermove", (e) => {
      if (this.current && !this.box.hidden) this.place((e as PointerEvent).clientX, (e as PointerEvent).clientY);
    });
    root.addEventListener("pointerleave", () => this.hide());
    root.addEventListener("pointerdown", () => this.hide());
    root.addEventListener("focusin", (e) => {
      const target = this.tipped(e.target);
      if (!target) return;
      const r = target.getBoundingClientRect();
      this.show(target, r.left + 8, r.bottom);
    });
    root.addEventListener("focusout", () => this.hide());
    root.addEventListener("wheel", () => this.hide(), { passive: true });
  }

  private tipped(target: EventTarget | null): Element | undefined {
    return (target as Element | null)?.closest?.("[data-tip]") ?? undefined;
  }

  private later(target: Element | undefined, e: PointerEvent): void {
    clearTimeout(this.timer);
    if (!target) return this.hide();
    this.current = target;
    const { clientX: x, clientY: y } = e;
    this.timer = setTimeout(() => this.show(target, x, y), DELAY_MS);
  }

  private show(target: Element, x: number, y: number): void {
    const [title = "", ...rest] = (target.getAttribute("data-tip") ?? "").split("\n");
    this.current = target;
    const head = document.createElement("div");
    head.className = "tip-title";
    head.textContent = title;
    let error = false;
    const body = rest.map((line) => {
      const div = document.createElement("div");
      const help = line.includes("double-click");
      error = !help && (error || line.startsWith("error: "));
      div.className = error ? "tip-error" : help ? "tip-help" : "tip-line";
      div.textContent = line;
      return div;
    });
    this.box.replaceChildren(head, ...body);
    this.box.hidden = false;
    this.place(x, y);
  }

  private place(x: number, y: number): void {
    const { offsetWidth: w, offsetHeight: h } = this.box;
    const left = Math.max(4, Math.min(x + 14, window.innerWidth - w - 4));
    const top = y + 18 + h > window.innerHeight ? Math.max(4, y - h - 10) : y + 18;
    this.box.style.left = `${left}px`;
    this.box.style.top = `${top}px`;
  }

  hide(): void {
    clearTimeout(this.timer);
    this.current = undefined;
    this.box.hidden = true;
  }
}
