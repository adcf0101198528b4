/**
 * The seam between the scheduler and where a task executes. The engine (scheduler.ts, nodeRunner.ts,
 * attempt.ts) decides what runs when; an Executor only executes one attempt of one node and hands
 * back what the task returned. Today's executor runs the task in this process
 * (executors/inProcess.ts); local worker processes (`--workers N`) and a cluster (`--cluster URL`)
 * go behind the same interface.
 *
 * Why the decisions stay in the engine and not in an executor: retries, timeouts (and the grace
 * period after an abort), cache lookups, cross-run locks and committing the output to the store are
 * what make a node computed anywhere complete everywhere with the same cache key; kept in one place
 * they cannot drift between executors, and an executor that loses a worker mid-attempt only has to
 * reject (the engine retries or fails the node as it would for a task that threw). So a request
 * holds plain data that can cross a process boundary, and the answer is the task's output object.
 */

/**
 * Which task to execute: enough for a process that loads the code itself to find it. `file` and
 * `exportName` say where the task is defined; a task defined without an export is reached only
 * through the workflow that calls it (`flowFile#workflow`, loaded as the run loaded it), by `name`.
 */
export interface TaskIdentity {
  /** The task's name (unique in a workflow's graph), as nodes and cache keys name it. */
  name: string;
  /** Absolute path of the flow file the run loaded (its target's file). */
  flowFile: string;
  /** The export name of the run's workflow in that file. */
  workflow: string;
  /** Absolute path of the module that defines the task, when the loader could tell. */
  file?: string;
  /** Its export name in that module, when it has no `name` option (else it is found by `name`). */
  exportName?: string;
}

/** One attempt of one node, as plain data (JSON-serialisable) that can cross a process boundary. */
export interface NodeAttempt {
  runId: string;
  /** The node's id in the workflow (`train`, `clean#2`, `sub/get-data`). */
  node: string;
  /** Which param set of a matrix run. */
  variant?: number;
  task: TaskIdentity;
  /** The task's code fingerprint, and the node's cache key (the output is stored under it). */
  fingerprint: string;
  cacheKey: string;
  /** The resolved input values. */
  input: Record<string, unknown>;
  /** `--config` entries for this node (its `ctx.config`). */
  config: Readonly<Record<string, unknown>>;
  /** 1 for the first attempt, 2 for the first retry… */
  attempt: number;
  /** The task's timeout; the engine enforces it (by aborting `signal`), an executor may use it too. */
  timeoutMs?: number;
  /**
   * Only for an executor that owns attempts (Executor.ownsAttempts): how many failed attempts it
   * may retry (the task's `retries`); it then enforces `timeoutMs` per attempt itself.
   */
  retries?: number;
}

/** How an attempt talks back while it runs. */
export interface AttemptChannel {
  /**
   * Fires on stop or timeout (the task's `ctx.signal`). A getter: it is made only when read (most
   * tasks never read it, and one per node costs a 10,000-node run ~40 ms).
   */
  readonly signal: AbortSignal;
  /**
   * Call `listener` once if the attempt is aborted (stop, timeout), with the reason — for an
   * executor that only has to pass the stop on (a queue): no AbortSignal made per node.
   */
  onAbort(listener: (reason: unknown) => void): void;
  /** A line for the node's log. */
  log(line: string): void;
  /** The task's progress as it reported it; the engine checks and clamps it. */
  progress(fraction: number): void;
  /**
   * Where the attempt runs, when not in the runner's process: a worker id (WorkerInfo.id), recorded
   * as NodeRecord.worker. An executor that owns attempts calls it as each attempt starts, with its
   * number (the engine's node-started event, with `worker`); any other executor may call it once
   * the worker is known (without `attempt`: the engine already announced the attempt).
   */
  ranOn?(worker: string, attempt?: number): void;
  /** (An executor that owns attempts.) Attempt `attempt` failed with `error` and is retried (the last failure rejects `execute`). */
  attemptFailed?(attempt: number, error: string): void;
  /**
   * (An executor whose attempts run elsewhere.) How long the attempt took where it ran, its time in
   * a queue left out: the engine judges the task's speed (taskSpeed.ts) by it instead of by the wait.
   */
  took?(ms: number): void;
}

export interface Executor {
  /**
   * Execute one attempt: resolves with what the task returned (its named outputs, checked and
   * stored by the engine) or rejects with its error. A task that ignores an abort may never
   * settle: the engine gives up on it after its grace period.
   */
  execute(attempt: NodeAttempt, channel: AttemptChannel): Promise<unknown>;
  /** Release what the executor holds (worker processes, connections) when the run ends. */
  close?(): Promise<void>;
  /**
   * The executor makes a node's attempts itself (a queue with attempts, backoff and stalled-job
   * recovery: the cluster): the engine calls `execute` once per node with the whole retry budget
   * (NodeAttempt.retries), sets no timer of its own (the executor times each attempt), and
   * announces attempts as the executor reports them (channel.ranOn, channel.attemptFailed).
   * A stop still reaches the attempt through `signal`, with the engine's grace period.
   */
  readonly ownsAttempts?: boolean;
}
