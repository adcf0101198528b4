/**
 * Coalesces reloads: concurrent `refresh()` calls share one load (plus one follow-up so the last
 * change is never missed), and `schedule()` debounces bursts of change events.
 */
export class Refresher {
  private pending: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly load: () => Promise<void>) {}

  schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delayMs);
  }

  refresh(): Promise<void> {
    if (this.pending) {
      this.again = true;
      return this.pending;
    }
    this.pending = this.load().finally(() => {
      this.pending = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.pending;
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
