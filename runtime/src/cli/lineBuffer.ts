/**
 * A run's stdout lines. When the run's tasks execute in other processes (`--workers`, `--cluster`)
 * lines are gathered for one turn of the event loop and written in one call, off the main thread:
 * a run of 10,000 nodes emits some 20,000 event lines; written one by one (stdout is synchronous
 * for pipes and files on Linux) that is a system call each, and a reader slower than the run (an
 * editor parsing the events on the same cores) held the runner's one busy thread in write() for
 * ~0.7 s. Gathered lines go to the descriptor through libuv's thread pool, one write at a time, so
 * they keep their order; they wait no longer than the write before them, so the extension still
 * sees events live. `close()` waits for the last.
 *
 * When tasks execute in the runner's own process, each line is written at once: a task that
 * blocks the event loop (a CPU-bound one) would otherwise hold back the lines before it (the run
 * id, its own node-started) until it returned.
 */
import * as fs from "node:fs";

/** Where gathered lines go: a file descriptor (stdout's), or a stream (tests). */
type Sink = { fd: number } | { write(text: string): unknown };

export class LineBuffer {
  private parts: string[] = [];
  private scheduled = false;
  /** Text taken from `parts`, being written or waiting for the write before it. */
  private writing: Buffer | undefined;
  private readonly idle: (() => void)[] = [];
  /** The reader went away (EPIPE): the rest is dropped, as a closed terminal drops it. */
  private broken = false;

  constructor(
    /** Gather lines per turn (tasks run elsewhere), or write each at once. */
    private readonly gather: boolean,
    private readonly sink: Sink = { fd: process.stdout.fd ?? 1 },
  ) {}

  write(text: string): void {
    if (!this.gather) {
      // (Through the stream: lines written around the run, by anyone, keep their order.)
      process.stdout.write(text);
      return;
    }
    this.parts.push(text);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Start writing what is gathered (it is written after what is being written). */
  flush(): void {
    this.scheduled = false;
    if (this.writing || this.parts.length === 0) return;
    this.next();
  }

  /** Everything gathered so far, written: before the run's command returns. */
  close(): Promise<void> {
    this.flush();
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Before a forced exit: what is not being written yet, written now (best effort). */
  flushSync(): void {
    const text = this.parts.join("");
    this.parts = [];
    if (!text || this.broken) return;
    if ("write" in this.sink) this.sink.write(text);
    else {
      try {
        fs.writeSync(this.sink.fd, text);
      } catch {
        // (A full pipe left non-blocking: the process is quitting anyway.)
      }
    }
  }

  private next(): void {
    if (this.parts.length === 0 || this.broken) {
      this.writing = undefined;
      this.parts = [];
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    const text = this.parts.length === 1 ? this.parts[0]! : this.parts.join("");
    this.parts = [];
    const sink = this.sink;
    if ("write" in sink) {
      sink.write(text);
      this.writing = undefined;
      setImmediate(() => this.next());
      return;
    }
    this.writing = Buffer.from(text);
    this.pump(sink.fd, 0);
  }

  private pump(fd: number, at: number): void {
    const buffer = this.writing!;
    fs.write(fd, buffer, at, buffer.length - at, null, (error, written) => {
      if (error) {
        // A descriptor another process left non-blocking: try again shortly.
        if (error.code === "EAGAIN") return void setTimeout(() => this.pump(fd, at), 1);
        this.broken = true;
        return this.next();
      }
      if (at + written < buffer.length) return this.pump(fd, at + written);
      this.next();
    });
  }
}
