/**
 * The store writer of a run: a worker thread that makes outputs durable (temp file, fsync, rename)
 * and appends node states to the run's journals. Off the main thread, so the engine keeps
 * scheduling while outputs reach the disk, and — unlike callbacks on libuv's pool — what was
 * handed over is written even while a task blocks the main event loop (a CPU-bound step) and
 * before the process is killed. Writes happen in the order they were asked for: an output and
 * the state that says its node is complete go together, and after its upstream's.
 */
import * as fs from "node:fs";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { ensureDir, writeFileAtomic } from "./files.js";
import { WRITER_WORKER } from "./writerWorker.js";

/** Request kinds, by their byte in a batch (the worker's OPS). */
const OBJECT = 0;
const STATE = 1;
const CLOSE = 2;
/** A request's header: its kind, then the byte lengths of its four fields (uint32 LE). */
const HEADER = 17;

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
  /** An output's size in characters (charsInFlight), when the request is one. */
  chars?: number;
}

/** A worker's answer to one batch: the requests (by index) that failed. */
interface Reply {
  seq: number;
  errors: [index: number, message: string, code: string | undefined][];
}

/**
 * Outputs are spread over a few workers, one core being left to the engine's own thread: with
 * group commit (above) one thread keeps up with a 10,000-node run of no-op tasks on 2 cores, and a
 * second thread there only takes the engine's core; with more cores the file system's kernel work
 * spreads over more.
 */
const WORKERS = Math.min(4, Math.max(1, availableParallelism() - 1));
/**
 * A batch not full goes this long after its first request: a turn of the event loop is too short
 * a wait when nodes finish a few per turn (a cluster's results), where each message to a thread
 * costs ~50 µs. Nothing waits on it that matters: a durable write takes longer, and the engine
 * flushes before starting a task that may block the event loop.
 */
const GATHER_MS = 3;
/** A batch goes as soon as it holds this many outputs, so the workers write while the engine runs. */
const BATCH_OBJECTS = 32;
/**
 * The first outputs of a run are written on the calling thread (temp file, fsync, rename), like
 * their journal lines: a worker takes 10–150 ms to start, more than a few small writes, and most
 * runs have a handful of nodes. The first worker starts with the output after these.
 */
const DIRECT_OBJECTS = 16;

export interface StoreWriterOptions {
  /**
   * The program run as `PROGRAM -f DIR` to sync the outputs' file system (group commit); null:
   * none, fdatasync each output. Default: coreutils' sync on Linux, else none. (Tests.)
   */
  syncCommand?: string | null;
  /** "always": group every output whatever the timings say (tests); "auto" (default) decides by them. */
  grouping?: "auto" | "always";
  /** How many first outputs are written on the calling thread (default DIRECT_OBJECTS; tests). */
  directObjects?: number;
}

/**
 * Requests are handed to the workers in batches, each batch to one worker in turn: each message
 * to a thread costs about as much as writing a small file (waking the thread), so a 10,000-node
 * run must not send one per node. A batch goes when it holds BATCH_OBJECTS outputs, GATHER_MS
 * after its first request, or at once with `flush()` — the engine
 * flushes before starting a task that may block the event loop, so that what was asked before
 * (its "running" state, the outputs of the nodes before it) is written while it runs.
 */
export class StoreWriter {
  constructor(private readonly options: StoreWriterOptions = {}) {}

  private readonly workers: (Worker | undefined)[] = new Array<Worker | undefined>(WORKERS).fill(undefined);
  /** The batch being filled, as it will be sent (see enqueue()). */
  private scratch = Buffer.allocUnsafeSlow(256 * 1024);
  private used = 0;
  private queueWaiters: (Waiter | undefined)[] = [];
  private queuedObjects = 0;
  private scheduled: NodeJS.Timeout | undefined;
  private nextSeq = 0;
  /** The worker the last batch went to (batches go round the workers started). */
  private turn = 0;
  /** Batches sent and not answered yet: their requests' waiters, by batch. */
  private readonly sent = new Map<number, (Waiter | undefined)[]>();
  /** Outputs handed over and not yet written: more workers start as these queue up. */
  private objectsInFlight = 0;
  /** Their size (characters of their text): the engine holds new tasks back while it is large. */
  charsInFlight = 0;
  /** Outputs written directly so far (DIRECT_OBJECTS). */
  private directObjects = 0;

  /** Still writing on the calling thread: no worker asked for anything yet (order is kept). */
  private get direct(): boolean {
    return this.directObjects < (this.options.directObjects ?? DIRECT_OBJECTS) && this.nextSeq === 0 && this.queueWaiters.length === 0;
  }

  /** A journal line written on the calling thread; like the workers, a failure only loses the line. */
  private appendNow(journal: string, line: string): void {
    try {
      ensureDir(path.dirname(journal));
      fs.appendFileSync(journal, line);
    } catch {
      // A full disk: node states are not worth failing an output over (they are only missing).
    }
  }

  /**
   * Write `text` to `file` durably (via a temp file `<file>.<pid>.<thread>.<n>.tmp` next to it),
   * then append `then.line` to the journal `then.journal`. Resolves when both are done.
   */
  writeObject(file: string, text: string, then?: { journal: string; line: string }): Promise<void> {
    if (this.direct) {
      this.directObjects++;
      try {
        writeFileAtomic(file, text, true);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      if (then?.journal && then.line) this.appendNow(then.journal, then.line);
      return Promise.resolve();
    }
    // The text, the path and the line are copied into the batch at once: nothing that waits for
    // the write may hold them (with thousands of outputs in flight, they were most of the heap
    // that each garbage collection had to copy).
    // (The waiter is the promise's own functions and the size: no closures of its own per output.)
    const chars = text.length;
    this.objectsInFlight++;
    this.charsInFlight += chars;
    let waiter!: Waiter;
    const written = new Promise<void>((resolve, reject) => {
      waiter = { resolve, reject, chars };
    });
    this.enqueue(OBJECT, file, then?.journal ?? "", then?.line ?? "", text, waiter);
    return written;
  }

  /** A request answered: an output's size leaves what is in flight, then its waiter is told. */
  private answer(w: Waiter, error?: Error): void {
    if (w.chars !== undefined) {
      this.objectsInFlight--;
      this.charsInFlight -= w.chars;
    }
    if (error) w.reject(error);
    else w.resolve();
  }

  /**
   * Append a line to a journal. (Lines of one node may land in another order than asked when
   * they go through different workers; readers order them by their time stamps.)
   */
  append(journal: string, line: string): void {
    if (this.direct) this.appendNow(journal, line);
    else this.enqueue(STATE, "", journal, line, "", undefined);
  }

  /** Hand everything asked so far to the workers now. */
  flush(): void {
    if (this.scheduled) clearTimeout(this.scheduled);
    this.scheduled = undefined;
    if (!this.queueWaiters.length) return;
    // Copied out (the scratch buffer is reused) into a buffer handed over without another copy.
    const data = new Uint8Array(this.used);
    data.set(this.scratch.subarray(0, this.used));
    const waiters = this.queueWaiters;
    this.used = 0;
    this.queueWaiters = [];
    this.queuedObjects = 0;
    // A small run needs one worker (each costs ~10 ms to start); more join as outputs queue up.
    const span = Math.max(1, Math.min(WORKERS, Math.ceil(this.objectsInFlight / BATCH_OBJECTS)));
    this.turn = (this.turn + 1) % span;
    this.post(this.turn, data, waiters);
  }

  /** Wait for everything asked so far, close the journals and end the workers. */
  async close(): Promise<void> {
    this.flush();
    const started = this.workers.flatMap((w, i) => (w ? [i] : []));
    try {
      await Promise.all(
        started.map(
          (i) =>
            new Promise<void>((resolve, reject) => {
              const request = new Uint8Array(HEADER); // a close: no fields
              request[0] = CLOSE;
              this.post(i, request, [{ resolve, reject }]);
            }),
        ),
      );
    } finally {
      await Promise.all(started.map((i) => this.workers[i]!.terminate()));
      this.workers.fill(undefined);
    }
  }

  /**
   * Add a request to the batch: a byte for its kind, the UTF-8 lengths of its four fields, then
   * the fields. Bytes handed over whole (a transferred buffer) cost the main thread one copy;
   * strings or objects posted to a thread cost about 3 µs a request in a 10,000-node run.
   */
  private enqueue(op: number, file: string, journal: string, line: string, text: string, waiter: Waiter | undefined): void {
    const most = HEADER + 3 * (file.length + journal.length + line.length + text.length);
    if (this.used + most > this.scratch.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(2 * this.scratch.length, this.used + most));
      this.scratch.copy(bigger, 0, 0, this.used);
      this.scratch = bigger;
    }
    const b = this.scratch;
    const at = this.used;
    let o = at + HEADER;
    const fl = b.write(file, o);
    o += fl;
    const jl = b.write(journal, o);
    o += jl;
    const ll = b.write(line, o);
    o += ll;
    const tl = b.write(text, o);
    o += tl;
    b[at] = op;
    b.writeUInt32LE(fl, at + 1);
    b.writeUInt32LE(jl, at + 5);
    b.writeUInt32LE(ll, at + 9);
    b.writeUInt32LE(tl, at + 13);
    this.used = o;
    this.queueWaiters.push(waiter);
    if (op === OBJECT && ++this.queuedObjects >= BATCH_OBJECTS) this.flush();
    else this.scheduled ??= setTimeout(() => this.flush(), GATHER_MS);
  }

  private post(worker: number, data: Uint8Array<ArrayBuffer>, waiters: (Waiter | undefined)[]): void {
    const seq = this.nextSeq++;
    this.sent.set(seq, waiters);
    this.start(worker).postMessage({ seq, data: data.buffer }, [data.buffer]);
  }

  private start(i: number): Worker {
    const running = this.workers[i];
    if (running) return running;
    const worker = new Worker(WRITER_WORKER, { eval: true, workerData: { syncCommand: this.options.syncCommand, grouping: this.options.grouping ?? "auto" } });
    worker.on("message", ({ seq, errors }: Reply) => {
      const waiters = this.sent.get(seq);
      if (!waiters) return;
      this.sent.delete(seq);
      const failed = new Map(errors.map(([index, message, code]) => [index, Object.assign(new Error(message), { code })]));
      waiters.forEach((w, index) => {
        if (w) this.answer(w, failed.get(index));
      });
    });
    worker.on("error", (error) => this.failAll(error));
    worker.on("exit", () => {
      this.failAll(new Error("the store writer stopped"));
      // What is asked from now on goes to a new thread (posted to this one, it would never be answered).
      if (this.workers[i] === worker) this.workers[i] = undefined;
    });
    this.workers[i] = worker;
    return worker;
  }

  private failAll(error: Error): void {
    for (const waiters of this.sent.values()) for (const w of waiters) if (w) this.answer(w, error);
    this.sent.clear();
  }
}
