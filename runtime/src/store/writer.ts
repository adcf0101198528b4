/**
 * The store writer of a run: a worker thread that makes outputs durable (temp file, fsync, rename)
 * and appends node states to the run's journals. Off the main thread, so the engine keeps
 * scheduling while outputs reach the disk, and — unlike callbacks on libuv's pool — what was
 * handed over is written even while a task blocks the main event loop (a CPU-bound step) and
 * before the process is killed. Writes happen in the order they were asked for: an output and
 * the state that says its node is complete go together, and after its upstream's.
 */
import { Worker } from "node:worker_threads";

/** The worker, as CommonJS source: no extra file to ship in the bundles. */
const WORKER = `
const { parentPort, threadId } = require("node:worker_threads");
const fs = require("node:fs");
const path = require("node:path");
const journals = new Map();
const dirs = new Set();
let counter = 0;
function ensureDir(dir) {
  if (dirs.has(dir)) return;
  fs.mkdirSync(dir, { recursive: true });
  dirs.add(dir);
}
function append(file, text) {
  let fd = journals.get(file);
  if (fd === undefined) {
    ensureDir(path.dirname(file));
    fd = fs.openSync(file, "a");
    journals.set(file, fd);
  }
  fs.writeSync(fd, text);
}
function writeDurable(file, text, tmpDir) {
  ensureDir(tmpDir);
  ensureDir(path.dirname(file));
  const tmp = path.join(tmpDir, process.pid + "." + threadId + "." + (counter++).toString(36) + ".tmp");
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeFileSync(fd, text);
    fs.fdatasyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}
/** Journal lines of one batch, per journal, written with one write each. */
let lines = new Map();
function flushLines() {
  const pending = lines;
  lines = new Map();
  for (const [file, list] of pending) {
    try {
      append(file, list.join(""));
    } catch {
      // A full disk: node states are not worth failing an output over (they are only missing).
    }
  }
}
parentPort.on("message", (batch) => {
  const replies = [];
  for (const m of batch) {
    try {
      if (m.op === "object") {
        // Lines asked for before this output go before it, as asked.
        flushLines();
        writeDurable(m.file, m.text, m.tmpDir);
      }
      if (m.journal && m.line) {
        const list = lines.get(m.journal);
        if (list) list.push(m.line);
        else lines.set(m.journal, [m.line]);
      }
      if (m.op === "close") {
        flushLines();
        for (const fd of journals.values()) fs.closeSync(fd);
        journals.clear();
      }
      if (m.id !== undefined) replies.push({ id: m.id });
    } catch (error) {
      if (m.id !== undefined) replies.push({ id: m.id, error: String(error && error.message || error), code: error && error.code });
    }
  }
  flushLines();
  if (replies.length) parentPort.postMessage(replies);
});
`;

interface Request {
  op: "object" | "state" | "close";
  id?: number;
  file?: string;
  text?: string;
  tmpDir?: string;
  journal?: string;
  line?: string;
}

interface Reply {
  id: number;
  error?: string;
  code?: string;
}

/**
 * Outputs are spread over a few workers: fsyncs in flight together are committed together by the
 * file system (one journal commit for many), which one thread fsyncing in turn cannot get.
 */
const WORKERS = 4;

export class StoreWriter {
  private readonly workers: (Worker | undefined)[] = new Array<Worker | undefined>(WORKERS).fill(undefined);
  private readonly queues: Request[][] = Array.from({ length: WORKERS }, () => []);
  private posting = false;
  private turn = 0;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  /**
   * Write `text` to `file` durably (via a temp file in `tmpDir`, on the same file system), then
   * append `then.line` to the journal `then.journal`. Resolves when both are done.
   */
  writeObject(file: string, text: string, tmpDir: string, then?: { journal: string; line: string }): Promise<void> {
    // A small run needs one worker (each costs ~10 ms to start); more join as writes queue up.
    const active = Math.min(WORKERS, 1 + Math.floor(this.waiting.size / 4));
    this.turn = (this.turn + 1) % active;
    return this.ask(this.turn, { op: "object", file, text, tmpDir, ...(then ?? {}) });
  }

  /**
   * Append a line to a journal. (Lines of one node may land in another order than asked when
   * they go through different workers; readers order them by their time stamps.)
   */
  append(journal: string, line: string): void {
    this.send(0, { op: "state", journal, line });
  }

  /** Wait for everything asked so far, close the journals and end the workers. */
  async close(): Promise<void> {
    // Requests of this tick are posted from a microtask queued before this one.
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    const started = this.workers.flatMap((w, i) => (w ? [i] : []));
    try {
      await Promise.all(started.map((i) => this.ask(i, { op: "close" })));
    } finally {
      await Promise.all(started.map((i) => this.workers[i]!.terminate()));
      this.workers.fill(undefined);
    }
  }

  private ask(worker: number, request: Request): Promise<void> {
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    this.send(worker, { ...request, id });
    return done;
  }

  /** Requests of one tick go over together, before any task of the next microtask starts. */
  private send(worker: number, request: Request): void {
    this.queues[worker]!.push(request);
    if (this.posting) return;
    this.posting = true;
    queueMicrotask(() => {
      this.posting = false;
      this.queues.forEach((queue, i) => {
        if (!queue.length) return;
        this.queues[i] = [];
        this.start(i).postMessage(queue);
      });
    });
  }

  private start(i: number): Worker {
    const running = this.workers[i];
    if (running) return running;
    const worker = new Worker(WORKER, { eval: true });
    worker.on("message", (replies: Reply[]) => {
      for (const r of replies) {
        const w = this.waiting.get(r.id);
        if (!w) continue;
        this.waiting.delete(r.id);
        if (r.error === undefined) w.resolve();
        else w.reject(Object.assign(new Error(r.error), { code: r.code }));
      }
    });
    worker.on("error", (error) => this.failAll(error));
    worker.on("exit", () => this.failAll(new Error("the store writer stopped")));
    this.workers[i] = worker;
    return worker;
  }

  private failAll(error: Error): void {
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
  }
}
