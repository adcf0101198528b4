/**
 * `flowsmith run --cluster URL`: nodes' attempts go to the cluster's workers as BullMQ jobs. One
 * job per node, its id the node's cache key, so two runs (or two nodes) waiting for the same key
 * share one job. The job's attempts (retries with backoff), its per-attempt timeout and the
 * recovery of a job whose worker died are the queue's and the worker's (ownsAttempts); what the
 * task returns comes back as the job's return value and the engine commits it to the store here,
 * in the runner, once.
 *
 * Nothing waits unboundedly on Redis: a watchdog looks for jobs gone missing (a Redis restart
 * loses them: they are queued again), and after `lostMs` without a connection the nodes waiting
 * fail with one line naming the cluster.
 */
import { Queue, type JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { AttemptChannel, Executor, NodeAttempt } from "../engine/executor.js";
import { FlowsmithError, errorMessage } from "../util/errors.js";
import { BACKOFF_MS, CANCEL_CHANNEL, type CancelMessage, connection, type JobResult, lostMs, PREFIX, QUEUE, STOPPED, type WorkerNotice } from "./protocol.js";
import { connect, withTimeout, type ClusterAddress } from "./redis.js";
import { EVENTS_KEY, EventReader } from "./events.js";

/** How often the watchdog looks, and how long a job goes unheard of before its state is asked. */
const WATCH_MS = 1000;
const QUIET_MS = 4000;
/** How many times a job found missing is queued again before its node fails. */
const REQUEUES = 5;

interface Waiter {
  channel: AttemptChannel;
  resolve(output: unknown): void;
  reject(error: unknown): void;
  /** `worker attempt` pairs announced to this waiter. */
  announced: Set<string>;
  stopped: boolean;
}

interface Pending {
  jobId: string;
  data: NodeAttempt;
  waiters: Waiter[];
  /** When an event about it last arrived (or its state was last seen). */
  heardAt: number;
  /** Consecutive watchdog looks that found it missing, and how often it was queued again. */
  missing: number;
  requeued: number;
  /** The state check going on, if any. */
  checking: boolean;
}

export class ClusterExecutor implements Executor {
  readonly ownsAttempts = true;
  private readonly pending = new Map<string, Pending>();
  private readonly watchdog: NodeJS.Timeout;
  private downSince: number | undefined;
  private lost: FlowsmithError | undefined;
  private closed = false;
  /** Jobs to add on the next flush (one addBulk). */
  private readonly toAdd: Pending[] = [];
  private flushing: NodeJS.Immediate | undefined;
  private readonly events: EventReader;

  private constructor(
    private readonly address: ClusterAddress,
    private readonly queue: Queue,
    /** For what BullMQ does not do: the stream's end, stop messages, whether Redis is there. */
    private readonly control: Redis,
    /** A connection of its own for the events stream (a blocking read), and where it starts. */
    eventsConnection: Redis,
    lastEventId: string,
    private readonly lostAfterMs: number,
  ) {
    this.events = new EventReader(eventsConnection, lastEventId, {
      progress: (jobId, data) => this.notice(jobId, data as WorkerNotice),
      active: (jobId) => this.heard(jobId),
      completed: (jobId, returnvalue) => this.completed(jobId, returnvalue as JobResult),
      failed: (jobId, failedReason) => this.failed(jobId, failedReason),
    });
    // Connection trouble is the watchdog's to judge; the events are not worth a line each.
    queue.on("error", () => {});
    this.watchdog = setInterval(() => void this.watch(), WATCH_MS);
    this.watchdog.unref();
  }

  /** Connect to the cluster (probed already) and listen for its events before the first job is added. */
  static async open(address: ClusterAddress, options: { lostMs?: number } = {}): Promise<ClusterExecutor> {
    const conn = connection(address);
    const control = connect(address, { retryStrategy: conn.retryStrategy! });
    control.on("error", () => {});
    const queue = new Queue(QUEUE, { connection: conn, prefix: PREFIX, streams: { events: { maxLen: 100_000 } } });
    queue.on("error", () => {});
    // Read the events stream from its current end: nothing added from now on is missed.
    const last = await bounded(control.xrevrange(EVENTS_KEY, "+", "-", "COUNT", 1), 10_000, address);
    const events = connect(address, { retryStrategy: conn.retryStrategy! });
    events.on("error", () => {});
    await bounded(queue.waitUntilReady(), 10_000, address);
    return new ClusterExecutor(address, queue, control, events, last[0]?.[0] ?? "0-0", options.lostMs ?? lostMs());
  }

  execute(attempt: NodeAttempt, channel: AttemptChannel): Promise<unknown> {
    if (this.lost) return Promise.reject(this.lost);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { channel, resolve, reject, announced: new Set(), stopped: false };
      const jobId = attempt.cacheKey;
      let p = this.pending.get(jobId);
      if (!p) {
        p = { jobId, data: attempt, waiters: [], heardAt: Date.now(), missing: 0, requeued: 0, checking: false };
        this.pending.set(jobId, p);
        this.add(p);
      }
      p.waiters.push(waiter);
      const entry = p;
      channel.onAbort((reason) => void this.stop(entry, waiter, reason));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchdog);
    if (this.flushing) clearImmediate(this.flushing);
    const all = Promise.allSettled([this.events.close(), this.queue.close()]);
    // Closing waits for Redis; without it, the connections are dropped.
    const timer = new Promise((r) => setTimeout(r, 3000).unref());
    await Promise.race([all, timer]);
    this.queue.disconnect().catch(() => {});
    this.control.disconnect();
  }

  /**
   * Queue `p`'s job: jobs made ready together (a completion releasing its downstream, the engine
   * filling its slots) go to Redis in one round trip (Queue.addBulk: one pipeline, the same script
   * per job as Queue.add, so a job id already there is joined, not added twice).
   */
  private add(p: Pending): void {
    this.toAdd.push(p);
    this.flushing ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = undefined;
    const batch = this.toAdd.splice(0);
    if (!batch.length) return;
    this.queue
      .addBulk(
        batch.map((p) => {
          const retries = p.data.retries ?? 0;
          const opts: JobsOptions = {
            jobId: p.jobId,
            attempts: retries + 1,
            ...(retries > 0 ? { backoff: { type: "exponential", delay: BACKOFF_MS } } : {}),
            removeOnComplete: true,
            removeOnFail: true,
          };
          return { name: p.data.task.name, data: p.data, opts };
        }),
      )
      .then(
        () => {
          const now = Date.now();
          for (const p of batch) p.heardAt = now;
        },
        (error) => {
          for (const p of batch) this.settle(p, (w) => w.reject(new FlowsmithError(`cannot queue ${p.data.node} on the cluster at ${this.address.url}: ${errorMessage(error)}`)));
        },
      );
  }

  private heard(jobId: string): Pending | undefined {
    const p = this.pending.get(jobId);
    if (p) {
      p.heardAt = Date.now();
      p.missing = 0;
    }
    return p;
  }

  private announce(w: Waiter, worker: string | undefined, attempt: number | undefined): void {
    if (worker === undefined || attempt === undefined) return;
    const id = `${worker} ${attempt}`;
    if (w.announced.has(id)) return;
    w.announced.add(id);
    w.channel.ranOn?.(worker, attempt);
  }

  private notice(jobId: string, n: WorkerNotice): void {
    const p = this.heard(jobId);
    if (!p || typeof n !== "object" || n === null) return;
    for (const w of p.waiters) {
      this.announce(w, n.s, n.a);
      if (typeof n.l === "string") w.channel.log(n.l);
      if (typeof n.p === "number") w.channel.progress(n.p);
      if (typeof n.f === "string" && n.a !== undefined) w.channel.attemptFailed?.(n.a, n.f);
    }
  }

  private completed(jobId: string, result: JobResult): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    this.settle(p, (w) => {
      this.announce(w, result?.s, result?.a);
      if (typeof result?.t === "number") w.channel.took?.(result.t);
      w.resolve(result?.o);
    });
  }

  private failed(jobId: string, reason: string): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    // Stopped by another run that shared the job: this one still wants it.
    if (reason.startsWith(STOPPED) && p.waiters.some((w) => !w.stopped)) {
      p.waiters = p.waiters.filter((w) => {
        if (w.stopped) w.reject(new Error("stopped"));
        return !w.stopped;
      });
      this.add(p);
      return;
    }
    this.settle(p, (w) => w.reject(remoteError(reason)));
  }

  /** `p` is over for every waiter. */
  private settle(p: Pending, each: (w: Waiter) => void): void {
    if (this.pending.get(p.jobId) === p) this.pending.delete(p.jobId);
    const waiters = p.waiters.splice(0);
    for (const w of waiters) each(w);
  }

  /** A waiter's run stops: a job still queued is removed, a running one is cancelled on its worker. */
  private async stop(p: Pending, w: Waiter, reason: unknown): Promise<void> {
    w.stopped = true;
    if (p.waiters.some((o) => !o.stopped)) return;
    // Not sent to Redis yet: it never will be.
    const unsent = this.toAdd.indexOf(p);
    if (unsent >= 0) {
      this.toAdd.splice(unsent, 1);
      this.settle(p, (o) => o.reject(reason));
      return;
    }
    try {
      const removed = await this.queue.remove(p.jobId);
      if (removed === 1) {
        this.settle(p, (o) => o.reject(reason));
        return;
      }
      const message: CancelMessage = { jobId: p.jobId, runId: p.data.runId, at: Date.now() };
      await this.control.publish(CANCEL_CHANNEL, JSON.stringify(message));
    } catch {
      // Redis gone: the engine gives up on the attempt after its grace period.
    }
  }

  private async watch(): Promise<void> {
    if (this.closed) return;
    const up = this.control.status === "ready";
    const now = Date.now();
    if (up) this.downSince = undefined;
    else this.downSince ??= now;
    if (this.downSince !== undefined && now - this.downSince > this.lostAfterMs && !this.lost) {
      this.lost = new FlowsmithError(`lost the cluster's Redis at ${this.address.url}: no connection for ${Math.round((now - this.downSince) / 1000)} s`);
      for (const p of [...this.pending.values()]) this.settle(p, (w) => w.reject(this.lost));
      return;
    }
    if (!up) return;
    this.lost = undefined;
    for (const p of this.pending.values()) {
      if (p.checking || now - p.heardAt < QUIET_MS) continue;
      p.checking = true;
      this.queue.getJobState(p.jobId).then(
        (state) => {
          p.checking = false;
          if (this.pending.get(p.jobId) !== p) return;
          if (state !== "unknown") {
            p.heardAt = Date.now();
            p.missing = 0;
            return;
          }
          // Finished jobs are removed when their event is written: twice missing is lost.
          if (++p.missing < 2) return;
          p.missing = 0;
          if (++p.requeued > REQUEUES) {
            this.settle(p, (w) => w.reject(new FlowsmithError(`its job on the cluster at ${this.address.url} was lost ${REQUEUES} times`)));
            return;
          }
          for (const w of p.waiters) w.channel.log(`its job was lost on the cluster (a Redis restart?): queued again`);
          p.heardAt = Date.now();
          this.add(p);
        },
        () => (p.checking = false),
      );
    }
  }
}

/** A worker's failure reason as the engine's error (the worker already described the task's error). */
function remoteError(reason: string): Error {
  const error = new Error(reason || "the attempt failed on its worker");
  error.stack = error.message;
  return error;
}

function bounded<T>(promise: Promise<T>, ms: number, address: ClusterAddress): Promise<T> {
  return withTimeout(promise, ms, () => new FlowsmithError(`the cluster's Redis at ${address.url} did not answer within ${ms / 1000} s`));
}
