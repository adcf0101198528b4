/**
 * A run's stdout lines. When the run's tasks execute in other processes (`--workers`, `--cluster`)
 * lines are gathered for one turn of the event loop and written in one call: a run of 10,000 nodes
 * emits some 20,000 event lines, and written one by one that is a system call (and a string
 * converted) each, on the runner's one busy thread. Lines keep
 * their order and wait no longer than the current turn, so the extension still sees events live.
 *
 * When tasks execute in the runner's own process, each line is written at once: a task that
 * blocks the event loop (a CPU-bound one) would otherwise hold back the lines before it (the run
 * id, its own node-started) until it returned.
 */
export class LineBuffer {
  private parts: string[] = [];
  private size = 0;
  private scheduled = false;

  constructor(
    /** Gather lines per turn (tasks run elsewhere), or write each at once. */
    private readonly gather: boolean,
    private readonly out: { write(text: string): unknown } = process.stdout,
    /** Written at once past this many characters. */
    private readonly limit = 1 << 16,
  ) {}

  write(text: string): void {
    if (!this.gather) {
      this.out.write(text);
      return;
    }
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.limit) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Write what is gathered now (before exiting, or before anything written around this buffer). */
  flush(): void {
    this.scheduled = false;
    if (this.parts.length === 0) return;
    const text = this.parts.length === 1 ? this.parts[0]! : this.parts.join("");
    this.parts = [];
    this.size = 0;
    this.out.write(text);
  }
}
