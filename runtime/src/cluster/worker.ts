/**
 * `flowsmith worker --cluster URL`: a long-running BullMQ worker executing node attempts. It
 * loads each attempt's flow file itself (worker/taskHost.ts) and hands back what the task returned
 * as the job's return value; the runner checks it and commits it to the store. Its heartbeat
 * (heartbeat.ts) says who it is and what it runs. Redis or the store out of reach is said in one
 * line, and the worker waits for them to come back rather than exit; SIGTERM / SIGINT let its
 * running nodes finish (a second one quits at once: their jobs are recovered elsewhere).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { WorkerTask } from "@flowsmith/contract";
import { describeUserError } from "../loader/load.js";
import { checkTaskResult, type TaskImpl } from "../sdk/task.js";
import { Attempt, abortable } from "../engine/attempt.js";
import type { AttemptChannel, NodeAttempt } from "../engine/executor.js";
import { InProcessExecutor } from "../engine/executors/inProcess.js";
import { errorMessage } from "../util/errors.js";
import { TaskHost } from "../worker/taskHost.js";
import { watchSuspensions } from "../deploy/registry.js";
import { StoreLayout } from "../store/layout.js";
import { Heartbeat, newWorkerId } from "./heartbeat.js";
import { CANCEL_CHANNEL, type CancelMessage, connection, GRACE_MS, type JobResult, lockMs, PREFIX, QUEUE, START_NOTICE_MS, STOPPED, type WorkerNotice } from "./protocol.js";
import type { ClusterAddress } from "./redis.js";

export interface WorkerOptions {
  address: ClusterAddress;
  concurrency: number;
  /** The store directory (shared with the runners). */
  store: string;
  /** One line for people (stderr). */
  say: (line: string) => void;
  /** Aborted on SIGTERM / SIGINT: the worker finishes its running nodes and returns. */
  stop: AbortSignal;
  /** Aborted on a second signal: the worker returns at once. */
  quit: AbortSignal;
}

/** How often a worker whose store is out of reach looks again. */
const STORE_RETRY_MS = 2000;
/** How long a cancel message applies to a job that starts after it arrived (it may have been picked up meanwhile). */
const CANCEL_MEMORY_MS = 60_000;
/** How long a task looked up for a code fingerprint is used without asking the loader again. */
const RESOLVED_MS = 1000;

class Stopped extends Error {}
class TimedOut extends Error {}

/** An attempt this worker runs. */
interface Running {
  attempt: NodeAttempt;
  trial: Attempt;
  job: Job;
  /** When its job was queued (a stop applies to jobs queued before it), and when it started here. */
  queuedAt: number;
  startedMs: number;
  /** Its start was announced (it ran START_NOTICE_MS). */
  announced: boolean;
}

/** Run a worker until `stop`; resolves once it is closed. */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const { address, say } = options;
  const id = newWorkerId();
  const host = new TaskHost(path.join(options.store, "cache"));
  // The task's code, looked up again (the loader's check for an edited file) when the attempt names
  // another code fingerprint, or at most once a RESOLVED_MS: not a stat of every module per job.
  const resolved = new Map<string, { impl: TaskImpl; at: number }>();
  let fingerprint = "";
  const executor = new InProcessExecutor((t) => {
    const key = `${fingerprint}\0${t.flowFile}\0${t.workflow}\0${t.name}\0${t.file ?? ""}\0${t.exportName ?? ""}`;
    const now = Date.now();
    const hit = resolved.get(key);
    if (hit && now - hit.at < RESOLVED_MS) return hit.impl;
    if (resolved.size >= 1000) resolved.clear();
    const impl = host.resolve(t);
    resolved.set(key, { impl, at: now });
    return impl;
  });
  const running = new Map<string, Running>();
  const cancelled = new Map<string, CancelMessage>();
  const heartbeat = new Heartbeat(address, {
    id,
    concurrency: options.concurrency,
    store: options.store,
    running: () => [...running.values()].map((r): WorkerTask => ({ runId: r.attempt.runId, node: r.attempt.node, task: r.attempt.task.name, startedAt: new Date(r.startedMs).toISOString() })),
  });
  const send = (job: Job, notice: WorkerNotice) => void job.updateProgress(notice as object).catch(() => {});
  // An attempt running for START_NOTICE_MS is announced (node-started, with this worker) by one
  // sweep of the running attempts, not by a timer per job; it runs while any does.
  let sweep: NodeJS.Timeout | undefined;
  const announceLong = () => {
    const now = Date.now();
    let any = false;
    for (const r of running.values()) {
      if (r.announced || now - r.startedMs < START_NOTICE_MS) continue;
      r.announced = any = true;
      send(r.job, { s: id, a: r.attempt.attempt });
    }
    if (any) heartbeat.soon();
    if (!running.size) {
      clearInterval(sweep);
      sweep = undefined;
    }
  };

  const once = onceSayer(say);
  // (Two parameters: BullMQ makes no AbortController per job for a processor that takes no signal; a stop reaches the attempt's own.)
  const processor = async (job: Job<NodeAttempt, JobResult>): Promise<JobResult> => {
    const attempt = job.data;
    const n = (attempt.attempt = job.attemptsMade + 1);
    // (Its AbortSignal is made only if the task reads ctx.signal.)
    const trial = new Attempt();
    const jobId = job.id!;
    const entry: Running = { attempt, trial, job, queuedAt: job.timestamp, startedMs: Date.now(), announced: false };
    running.set(jobId, entry);
    if (!sweep) (sweep = setInterval(announceLong, START_NOTICE_MS)).unref();
    const early = cancelled.get(jobId);
    if (early && job.timestamp <= early.at) trial.abort(new Stopped(`${STOPPED}${attempt.runId}`));
    const timer = attempt.timeoutMs ? setTimeout(() => trial.abort(new TimedOut(`timed out after ${attempt.timeoutMs} ms`)), attempt.timeoutMs) : undefined;
    const channel: AttemptChannel = {
      get signal() {
        return trial.signal;
      },
      onAbort: (listener) => trial.listen(listener),
      // (With who runs it: a quick task's lines come before its start notice would have.)
      log: (line) => send(job, { l: line, s: id, a: n }),
      progress: (fraction) => send(job, { p: fraction, s: id, a: n }),
    };
    try {
      fingerprint = attempt.fingerprint;
      const started = performance.now();
      // A task that ignores an abort is given up on after the grace period, as in a local run.
      const output = await abortable(() => executor.execute(attempt, channel), trial, GRACE_MS);
      checkTaskResult(attempt.task.name, output);
      return { o: output ?? null, s: id, a: n, t: Math.round((performance.now() - started) * 1000) / 1000 };
    } catch (error) {
      const reason: unknown = trial.aborted ? trial.reason : error;
      if (reason instanceof Stopped) throw new UnrecoverableError(reason.message);
      const message = reason instanceof TimedOut ? reason.message : describeUserError(reason);
      if (n < (attempt.retries ?? 0) + 1) send(job, { f: message, a: n, s: id });
      throw new Error(message);
    } finally {
      if (timer) clearTimeout(timer);
      running.delete(jobId);
      if (entry.announced) heartbeat.soon();
    }
  };

  // The store first: a worker that cannot read and write it takes no job.
  await waitForStore(options.store, once, options.stop);
  if (options.stop.aborted) return;

  const worker = new Worker<NodeAttempt, JobResult>(QUEUE, processor, {
    connection: connection(address),
    prefix: PREFIX,
    concurrency: options.concurrency,
    lockDuration: lockMs(),
    stalledInterval: Math.max(1000, Math.floor(lockMs() / 2)),
    maxStalledCount: 3,
    // A job moved back from a dead worker wakes no one: look for work at least every second.
    drainDelay: 1,
    autorun: false,
  });
  worker.on("error", (error) => once("redis", `cannot reach the cluster's Redis at ${address.url} (${errorCode(error)}); retrying`));

  const subscriber = heartbeat.subscriber();
  subscriber.on("message", (_channel: string, text: string) => {
    let message: CancelMessage;
    try {
      message = JSON.parse(text) as CancelMessage;
    } catch {
      return;
    }
    const r = running.get(message.jobId);
    if (r && r.queuedAt <= message.at) {
      r.trial.abort(new Stopped(`${STOPPED}${message.runId}`));
    } else {
      cancelled.set(message.jobId, message);
      setTimeout(() => cancelled.delete(message.jobId), CANCEL_MEMORY_MS).unref();
    }
  });
  subscriber.subscribe(CANCEL_CHANNEL).catch(() => {});

  // Redis and the store from time to time: without the store, the worker pauses until it is back.
  let paused = false;
  const storeWatch = setInterval(() => {
    void worker.client.then((c) => c.status === "ready" && once.clear("redis", `connected to the cluster at ${address.url}`), () => {});
    const problem = storeProblem(options.store);
    if (problem && !paused) {
      paused = true;
      once("store", `cannot use the store at ${options.store} (${problem}); taking no nodes until it is back`);
      void worker.pause(true);
    } else if (!problem && paused) {
      paused = false;
      once.clear("store", `the store at ${options.store} is back: taking nodes again`);
      worker.resume();
    }
  }, STORE_RETRY_MS);

  // A suspended deployment's code is dropped (deploy/registry.ts); its next run loads it again.
  const stopWatchingDeployments = await watchSuspensions(address, ({ name, hash }) => {
    resolved.clear();
    if (host.forget((file) => StoreLayout.deploymentHashOf(file) === hash)) say(`deployment ${name} is suspended: its code is unloaded`);
  }).catch(() => undefined);
  heartbeat.start();
  say(`worker ${id} · cluster ${address.url} · store ${options.store} · concurrency ${options.concurrency}`);
  const runLoop = worker.run().catch((error) => say(`worker stopped: ${errorMessage(error)}`));
  await new Promise<void>((resolve) => {
    if (options.stop.aborted) resolve();
    options.stop.addEventListener("abort", () => resolve(), { once: true });
  });
  clearInterval(storeWatch);
  if (running.size) say(`finishing ${running.size} running node${running.size === 1 ? "" : "s"} (again to quit at once)`);
  const closing = worker.close();
  await Promise.race([closing, new Promise<void>((r) => options.quit.addEventListener("abort", () => r(), { once: true }))]);
  if (options.quit.aborted) void worker.close(true);
  await Promise.race([runLoop, new Promise((r) => setTimeout(r, 2000).unref())]);
  await heartbeat.stop();
  await stopWatchingDeployments?.().catch(() => undefined);
  subscriber.disconnect();
}

/** What keeps the worker from reading and writing the store, if anything. */
export function storeProblem(dir: string): string | undefined {
  try {
    const tmp = path.join(dir, "tmp");
    fs.mkdirSync(tmp, { recursive: true });
    const probe = path.join(tmp, `worker-probe.${process.pid}`);
    fs.writeFileSync(probe, "");
    fs.readFileSync(probe);
    fs.rmSync(probe);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? errorMessage(error);
  }
}

async function waitForStore(dir: string, once: Sayer, stop: AbortSignal): Promise<void> {
  for (;;) {
    const problem = storeProblem(dir);
    if (!problem) {
      once.clear("store", undefined);
      return;
    }
    once("store", `cannot use the store at ${dir} (${problem}); retrying every ${STORE_RETRY_MS / 1000} s`);
    if (stop.aborted) return;
    await new Promise((r) => setTimeout(r, STORE_RETRY_MS));
  }
}

interface Sayer {
  (topic: string, line: string): void;
  /** The trouble about `topic` is over: `line` (if any) is said once if it had been said. */
  clear(topic: string, line: string | undefined): void;
}

/** One line per trouble, not one per retry: said again only after it was cleared. */
function onceSayer(say: (line: string) => void): Sayer {
  const said = new Set<string>();
  const fn = ((topic: string, line: string) => {
    if (said.has(topic)) return;
    said.add(topic);
    say(line);
  }) as Sayer;
  fn.clear = (topic, line) => {
    if (said.delete(topic) && line) say(line);
  };
  return fn;
}

function errorCode(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { errors?: NodeJS.ErrnoException[] };
  return e?.code ?? e?.errors?.[0]?.code ?? errorMessage(error);
}
