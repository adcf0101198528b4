/**
 * The attempts of one node's task: each one is handed to the executor with an AbortSignal that
 * fires on stop or on the task's timeoutMs; a task that ignores it is given up on after the grace
 * period. A failed attempt is retried up to the task's `retries`; a stop ends them all.
 */
import { checkTaskResult } from "../sdk/task.js";
import { describeUserError } from "../loader/load.js";
import type { AttemptChannel, Executor, NodeAttempt } from "./executor.js";
import type { Upstream } from "./keys.js";
import type { NodeLogs } from "./nodeLogs.js";
import type { NodeStates } from "./nodeStates.js";
import { configFor } from "./params.js";
import type { NodeRun } from "./plan.js";
import type { RunRecorder } from "./runRecord.js";
import type { TaskSpeeds } from "./taskSpeed.js";

export class StopRequested extends Error {
  constructor() {
    super("the run was stopped");
  }
}

export class TimedOut extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

/** The message a failed attempt is recorded with. */
export function attemptError(error: unknown): string {
  return error instanceof TimedOut ? error.message : describeUserError(error);
}

/**
 * One attempt of a task: it is aborted by a stop or its timeout. Its AbortSignal is made only when
 * the task asks for it (most never do; one per node costs a 10,000-node run ~40 ms).
 */
export class Attempt {
  private controller: AbortController | undefined;
  /** Why it was aborted (set once). */
  reason: unknown;
  aborted = false;
  /** Called once when it is aborted (abortable's grace period). */
  onAbort: (() => void) | undefined;
  /** The executor's listeners (AttemptChannel.onAbort). */
  private listeners: ((reason: unknown) => void)[] | undefined;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    this.onAbort?.();
    if (this.listeners) for (const l of this.listeners.splice(0)) l(reason);
  }

  /** Call `listener` when it is aborted (at once if it was). */
  listen(listener: (reason: unknown) => void): void {
    if (this.aborted) listener(this.reason);
    else (this.listeners ??= []).push(listener);
  }
}

/** Await the task, but give up `graceMs` after the attempt is aborted if the task ignores it. */
export function abortable<T>(start: () => T | Promise<T>, attempt: Attempt, graceMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    attempt.onAbort = () => {
      timer = setTimeout(() => reject(attempt.reason), graceMs);
    };
    const settle = () => {
      attempt.onAbort = undefined;
      if (timer) clearTimeout(timer);
    };
    const failed = (e: unknown) => {
      settle();
      reject(attempt.aborted ? attempt.reason : e);
    };
    let result: T | Promise<T>;
    try {
      result = start();
    } catch (e) {
      failed(e);
      return;
    }
    Promise.resolve(result).then((v) => {
      settle();
      if (attempt.aborted) reject(attempt.reason);
      else resolve(v);
    }, failed);
  });
}

export interface TaskAttemptsOptions {
  runId: string;
  /** The flow file the run loaded (absolute), and its workflow's export name. */
  flowFile: string;
  workflow: string;
  executor: Executor;
  /** `--config` entries, by node or task name (params.ts configFor). */
  config: Record<string, Record<string, unknown>>;
  /** How long a task that ignores its abort signal gets before it is given up on. */
  graceMs: number;
  /** Aborted when the run is stopped (with StopRequested). */
  stop: AbortSignal;
  recorder: RunRecorder;
  logs: NodeLogs;
  states: NodeStates;
  speeds: TaskSpeeds;
}

/** Runs the attempts of nodes' tasks through the executor. */
export class TaskAttempts {
  /** The attempts going on: a stop aborts each. */
  private readonly live = new Set<Attempt>();

  constructor(private readonly parts: TaskAttemptsOptions) {
    parts.stop.addEventListener("abort", () => {
      for (const a of this.live) a.abort(parts.stop.reason);
    });
  }

  /**
   * Attempt `run`'s task on `input` until one attempt returns an output and `commit` (which stores
   * it) accepts it, or its retries are used up (the last error is thrown), or the run is stopped
   * (StopRequested is thrown).
   */
  async run(run: NodeRun, key: string, input: Record<string, unknown>, commit: (output: unknown) => Upstream): Promise<Upstream> {
    const { node } = run;
    const { stop, logs, speeds, recorder } = this.parts;
    const retries = node.impl.options.retries ?? 0;
    // An executor that owns attempts (executor.ts) is handed the whole budget once, and times them.
    const owns = this.parts.executor.ownsAttempts === true;
    let lastError: unknown;
    for (let attempt = 1; attempt <= (owns ? 1 : retries + 1); attempt++) {
      if (stop.aborted) throw new StopRequested();
      if (!owns) recorder.attemptStarted(run, attempt);
      const trial = new Attempt();
      this.live.add(trial);
      const timeoutMs = node.impl.options.timeoutMs;
      const timer = timeoutMs && !owns ? setTimeout(() => trial.abort(new TimedOut(timeoutMs)), timeoutMs) : undefined;
      let tookMs: number | undefined;
      try {
        const request = this.request(run, key, input, attempt);
        if (owns) request.retries = retries;
        const channel: AttemptChannel = {
          get signal() {
            return trial.signal;
          },
          onAbort: (listener) => trial.listen(listener),
          log: (line: string) => logs.log(run, line),
          progress: (fraction: number) => recorder.progress(run, fraction),
          ranOn: (worker: string, n?: number) => (n === undefined ? recorder.ranOn(run, worker) : recorder.attemptStarted(run, n, worker)),
          attemptFailed: (n: number, error: string) => {
            logs.log(run, `attempt ${n} failed: ${error}`);
            logs.log(run, `retrying (${n}/${retries})`);
          },
          took: (ms: number) => (tookMs = ms),
        };
        if (!speeds.knownFast(node.task)) this.parts.states.writer.flush();
        const attemptStarted = performance.now();
        let output: unknown;
        try {
          output = await abortable(() => this.parts.executor.execute(request, channel), trial, this.parts.graceMs);
        } finally {
          speeds.add(node.task, tookMs ?? performance.now() - attemptStarted);
        }
        // Not an object of named outputs: this attempt failed, like one that threw.
        checkTaskResult(node.task, output);
        return commit(output);
      } catch (error) {
        if (stop.aborted) throw new StopRequested();
        lastError = error;
        logs.log(run, `attempt ${owns ? Math.max(run.record.attempts, 1) : attempt} failed: ${attemptError(error)}`);
        if (!owns && attempt <= retries) logs.log(run, `retrying (${attempt}/${retries})`);
      } finally {
        if (timer) clearTimeout(timer);
        this.live.delete(trial);
      }
    }
    throw lastError;
  }

  private request(run: NodeRun, key: string, input: Record<string, unknown>, attempt: number): NodeAttempt {
    const { node } = run;
    const { file, exportName, options } = node.impl;
    return {
      runId: this.parts.runId,
      node: node.id,
      ...(run.variant !== undefined ? { variant: run.variant } : {}),
      task: { name: node.task, flowFile: this.parts.flowFile, workflow: this.parts.workflow, ...(file !== undefined ? { file } : {}), ...(exportName !== undefined ? { exportName } : {}) },
      fingerprint: run.record.fingerprint,
      cacheKey: key,
      input,
      config: configFor(this.parts.config, node.id, node.task),
      attempt,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    };
  }
}
