/**
 * The executor of `flowsmith run --workers N`: nodes' tasks execute in N local worker processes
 * (worker/child.ts), so CPU-bound tasks use every core and a task that crashes, calls
 * process.exit or runs out of memory takes down only its own process, never the run.
 *
 * - The engine still decides everything (executor.ts): what runs when (--concurrency nodes in
 *   flight), retries, timeouts and the grace period, caching and the output commit. This module
 *   only places attempts: on the least busy process (several share one when more nodes are in
 *   flight than there are processes), and the N processes are started together on the first one.
 * - A process that is gone fails the attempt that ended it with one line (worker/process.ts
 *   describeEnding), which the engine retries like any failed attempt; the other attempts that were
 *   on it did nothing wrong and run again on another process, saying so in their
 *   node's log. When it cannot tell which attempt ended it (out of memory, killed from outside
 *   while several ran there) they all fail with that line. It is replaced on the next attempt.
 * - A stop or timeout reaches the task's ctx.signal in its process; a task that ignores it for the
 *   grace period has its process killed (so it stops using a core), as above.
 */
import * as path from "node:path";
import { FlowsmithError } from "../../util/errors.js";
import { describeEnding, WorkerProcess, type Ending } from "../../worker/process.js";
import { revivedError, sendableError, WORKER_HEAP_ENV, type FromWorker } from "../../worker/protocol.js";
import type { AttemptChannel, Executor, NodeAttempt } from "../executor.js";

export interface ProcessPoolOptions {
  /** How many worker processes (≥ 1). */
  workers: number;
  /** The store's cache directory (the workers' loaders keep transformed modules there). */
  cacheDir?: string;
  /** How long a task that ignores its abort keeps its process (the run's grace period; 1000 ms). */
  graceMs?: number;
  /** node's --max-old-space-size for the workers in MB (default: $FLOWSMITH_WORKER_MAX_OLD_SPACE_MB, else node's own). */
  heapMb?: number;
  /** The script a worker process runs (default: the CLI bundle, runtime/dist/cli.js). */
  entry?: string;
  /** Where the workers' own stdout and stderr lines go (default: this process's stderr). */
  output?: (line: string) => void;
}

/** An attempt placed on a worker process. */
interface Job {
  id: number;
  attempt: NodeAttempt;
  channel: AttemptChannel;
  resolve: (output: unknown) => void;
  reject: (error: unknown) => void;
  proc?: WorkerProcess;
  /** Times it was run again because its process went away under it. */
  reruns: number;
  aborted: boolean;
  graceTimer?: NodeJS.Timeout;
}

/**
 * How many times an attempt whose process another task brought down runs again elsewhere. Each such
 * end fails its culprit's attempt, so they are as many as the attempts that crash: this only bounds
 * the pathological.
 */
const RERUNS = 10;

export class ProcessPoolExecutor implements Executor {
  private readonly procs = new Set<WorkerProcess>();
  private readonly jobs = new Map<number, Job>();
  private readonly gone = new Map<WorkerProcess, Promise<void>>();
  private nextId = 1;
  private closed = false;
  private readonly workers: number;
  private readonly graceMs: number;
  private readonly heapMb: number | undefined;
  /** This process exits (a second Ctrl-C): its workers go with it, even one in a CPU-bound loop. */
  private readonly onExit = () => {
    for (const proc of this.procs) proc.kill();
  };

  constructor(private readonly options: ProcessPoolOptions) {
    const { workers } = options;
    if (!Number.isInteger(workers) || workers < 1) throw new FlowsmithError(`--workers must be a whole number ≥ 1, got "${workers}"`);
    this.workers = workers;
    this.graceMs = options.graceMs ?? 1000;
    const heap = options.heapMb ?? Number(process.env[WORKER_HEAP_ENV] || NaN);
    this.heapMb = Number.isInteger(heap) && heap > 0 ? heap : undefined;
  }

  /** The live worker processes' pids. */
  get pids(): number[] {
    return [...this.procs].filter((p) => !p.retiring).map((p) => p.pid);
  }

  execute(attempt: NodeAttempt, channel: AttemptChannel): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error("the worker processes were closed"));
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, attempt, channel, resolve, reject, reruns: 0, aborted: false };
      let early: { reason: unknown } | undefined;
      channel.onAbort((reason) => (this.jobs.has(job.id) ? this.aborted(job, reason) : (early = { reason })));
      if (early) return reject(early.reason);
      this.jobs.set(job.id, job);
      this.place(job);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const proc of this.procs) {
      // Attempts still here are tasks the engine gave up on (they ignored their abort).
      if (proc.running.size) proc.kill();
      else proc.release();
    }
    const all = Promise.all(this.gone.values());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, 3000)))]);
    clearTimeout(timer);
    for (const proc of this.procs) proc.kill();
    process.off("exit", this.onExit);
    for (const job of this.jobs.values()) this.settle(job, false, new Error("the worker processes were closed"));
  }

  /** Put `job` on the least busy process (all N are started first). */
  private place(job: Job): void {
    while (this.pids.length < this.workers) this.spawn();
    let best: WorkerProcess | undefined;
    for (const proc of this.procs) if (!proc.retiring && (!best || proc.running.size < best.running.size)) best = proc;
    const proc = best!;
    job.proc = proc;
    proc.running.add(job.id);
    job.channel.ranOn?.(`local:${proc.pid}`);
    proc.send({ type: "run", id: job.id, attempt: job.attempt });
  }

  private spawn(): WorkerProcess {
    const output = this.options.output ?? ((line: string) => process.stderr.write(`${line}\n`));
    let ended!: () => void;
    const proc: WorkerProcess = new WorkerProcess(
      { entry: this.options.entry ?? defaultEntry(), ...(this.options.cacheDir ? { cacheDir: this.options.cacheDir } : {}), ...(this.heapMb ? { heapMb: this.heapMb } : {}), output },
      (message) => this.heard(proc, message),
      (ending) => {
        this.ended(proc, ending);
        ended();
      },
    );
    process.off("exit", this.onExit);
    process.on("exit", this.onExit);
    this.procs.add(proc);
    this.gone.set(proc, new Promise<void>((r) => (ended = r)));
    return proc;
  }

  private heard(proc: WorkerProcess, message: FromWorker): void {
    if (message.type === "ready") return;
    const job = this.jobs.get(message.id);
    if (!job || job.proc !== proc) return;
    switch (message.type) {
      case "log":
        job.channel.log(message.line);
        break;
      case "progress":
        job.channel.progress(message.fraction);
        break;
      case "done":
        this.settle(job, true, message.output);
        break;
      case "failed":
        this.settle(job, false, revivedError(message.error));
        break;
    }
  }

  /** `job` is over (resolved with `value`, or rejected with it). */
  private settle(job: Job, ok: boolean, value: unknown): void {
    if (!this.jobs.delete(job.id)) return;
    clearTimeout(job.graceTimer);
    const proc = job.proc;
    proc?.running.delete(job.id);
    // A process being retired goes once the attempts it still ran are over.
    if (proc?.retiring && proc.running.size === 0) proc.kill();
    if (ok) job.resolve(value);
    else job.reject(value);
  }

  private aborted(job: Job, reason: unknown): void {
    const proc = job.proc;
    if (!this.jobs.has(job.id) || !proc) return;
    job.aborted = true;
    proc.send({ type: "abort", id: job.id, reason: sendableError(reason) });
    job.graceTimer = setTimeout(() => this.ignoredAbort(job, proc), this.graceMs);
  }

  /** `job` ignored its abort for the grace period: its process is killed (the others on it move). */
  private ignoredAbort(job: Job, proc: WorkerProcess): void {
    if (!this.jobs.has(job.id) || job.proc !== proc) return;
    const line = `worker process ${proc.pid} was killed: ${job.attempt.node} ignored its abort for ${this.graceMs} ms`;
    proc.retiring = true;
    this.settle(job, false, lineError(line));
    for (const other of this.on(proc)) this.moveOrFail(other, line);
    proc.kill();
  }

  /** A worker process is gone: the attempt that ended it fails with why; the others run again elsewhere. */
  private ended(proc: WorkerProcess, ending: Ending): void {
    this.procs.delete(proc);
    const here = this.on(proc);
    if (!here.length) return;
    const culprit = here.find((j) => ending.words?.id === j.id) ?? (here.length === 1 ? here[0] : undefined);
    const running = culprit ? culprit.attempt.node : here.map((j) => j.attempt.node).join(", ");
    const line = describeEnding(proc.pid, ending, running, this.heapMb ?? proc.heapLimitMb);
    for (const job of here) {
      if (job === culprit || !culprit || ending.startError || ending.beforeReady) this.settle(job, false, lineError(line));
      else this.moveOrFail(job, line);
    }
  }

  private on(proc: WorkerProcess): Job[] {
    return [...proc.running].map((id) => this.jobs.get(id)).filter((j): j is Job => j !== undefined);
  }

  /** `job` lost its process through no fault of its own: run it again on another, or fail with `why`. */
  private moveOrFail(job: Job, why: string): void {
    job.proc?.running.delete(job.id);
    if (job.aborted || this.closed || job.reruns >= RERUNS) {
      this.settle(job, false, lineError(why));
      return;
    }
    job.reruns++;
    job.channel.log(`${why}: running ${job.attempt.node} again in another worker process`);
    this.place(job);
  }
}

/** An error that is only its line (no stack frame of ours is shown with it). */
function lineError(line: string): Error {
  const error = new Error(line);
  error.stack = `Error: ${line}`;
  return error;
}

/**
 * The CLI bundle, which becomes a worker process with its hidden argument: next to this code in
 * the package (runtime/dist/cli.js or index.js), else (from the sources, in tests) the built one.
 */
function defaultEntry(): string {
  const here = typeof __filename === "string" ? __filename : "";
  if (/[\\/]dist[\\/](cli|index)\.js$/.test(here)) return path.join(path.dirname(here), "cli.js");
  return path.resolve(path.dirname(here), "../../../dist/cli.js");
}
