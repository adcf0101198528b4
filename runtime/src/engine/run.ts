/**
 * Runs a workflow's graph: nodes whose output exists are complete and do not run again; the rest
 * run with a concurrency limit, retries and timeouts, each with an AbortSignal that fires on stop
 * or timeout. Identical nodes (same cache key) run once, also across a matrix of param sets and
 * across concurrent runs (a lock per cache key).
 *
 * This module wires the parts of a run together, in the order a run goes through them:
 * plan.ts (graphs and nodes) → runRecord.ts (run.json, events) → sharing.ts (other runs, stop
 * requests) → nodeStates.ts / nodeLogs.ts → scheduler.ts (the DAG walk) → nodeRunner.ts (one node:
 * cached, shared or computed) → attempt.ts (a task's attempts) → executor.ts (where a task executes).
 */
import { type EventSink, type RunRecord, variantNames } from "@flowsmith/contract";
import { newRunId } from "../store/store.js";
import { FlowsmithError } from "../util/errors.js";
import { StopRequested, TaskAttempts } from "./attempt.js";
import { Completions, MAX_REMOTE_OUTPUT_WRITES } from "./completions.js";
import type { Executor } from "./executor.js";
import { InProcessExecutor } from "./executors/inProcess.js";
import { NodeLogs } from "./nodeLogs.js";
import { NodeRunner } from "./nodeRunner.js";
import { NodeStates } from "./nodeStates.js";
import { parseConfig } from "./params.js";
import { checkConfigNodes, planGraphs, planNodes, resolveParamSets, skippedBecause, tasksByName } from "./plan.js";
import type { PreparedFlow } from "./prepare.js";
import { RunRecorder } from "./runRecord.js";
import { Scheduler } from "./scheduler.js";
import { RunSharing } from "./sharing.js";
import { TaskSpeeds } from "./taskSpeed.js";

export { planGraphs, resolveParamSets } from "./plan.js";
export { TaskSpeed } from "./taskSpeed.js";

export interface RunOptions {
  params?: string[];
  matrix?: string[];
  config?: string[];
  force?: boolean;
  forceAll?: boolean;
  concurrency?: number;
  /** How long a task that ignores its abort signal gets before it is given up on. */
  graceMs?: number;
  /** Aborted by the CLI on Ctrl-C / SIGTERM. */
  stop?: AbortSignal;
  onEvent?: EventSink;
  /** Called with the run id as soon as it exists, before anything runs. */
  onRunId?: (runId: string) => void;
  /** Where nodes' tasks execute: in this process by default. (The run does not close one it is given.) */
  executor?: Executor;
}

export async function runWorkflow(prepared: PreparedFlow, options: RunOptions = {}): Promise<RunRecord> {
  const { store } = prepared;
  const paramSets = resolveParamSets(prepared, options.params, options.matrix);
  const config = parseConfig(options.config ?? []);
  const graphs = planGraphs(prepared, paramSets);
  checkConfigNodes(config, graphs);
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new FlowsmithError("--concurrency must be a whole number ≥ 1");
  const graceMs = options.graceMs ?? 1000;
  const emit: EventSink = options.onEvent ?? (() => {});
  const runId = newRunId();
  const startedAt = new Date();

  const nodes = planNodes(prepared, graphs, options);
  const recorder = new RunRecorder(store, prepared, runId, startedAt, nodes, paramSets, config, emit, options.onEvent !== undefined);
  recorder.begin(variantNames(paramSets), options.onRunId);

  // Stop: the CLI's signal handlers, or a stop file written by `flowsmith stop` from elsewhere.
  const stopper = new AbortController();
  const stop = stopper.signal;
  const onStop = () => stopper.abort(new StopRequested());
  options.stop?.addEventListener("abort", onStop, { once: true });
  if (options.stop?.aborted) onStop();
  const sharing = new RunSharing(store, runId, onStop);
  await sharing.handshake(nodes.length);

  recorder.startWriting();
  const logs = new NodeLogs(store, runId, emit);
  const states = new NodeStates(store, prepared.target, runId);
  const speeds = new TaskSpeeds();
  const executor: Executor = options.executor ?? new InProcessExecutor(tasksByName(graphs));
  const attempts = new TaskAttempts({ runId, flowFile: prepared.flows.file, workflow: prepared.name, executor, config, graceMs, stop, recorder, logs, states, speeds });
  // (Attempts owned by the executor run elsewhere: see MAX_REMOTE_OUTPUT_WRITES.)
  const completions = new Completions(recorder, states, executor.ownsAttempts ? MAX_REMOTE_OUTPUT_WRITES : undefined);
  // (A map's elements run in the map node's slot and in slots it borrows from the scheduler.)
  const slots = { tryBorrow: (): boolean => scheduler.tryBorrow(), giveBack: (): void => scheduler.giveBack() };
  const runner = new NodeRunner({ store, runId, stop, recorder, states, logs, sharing, completions, attempts, speeds, concurrency, slots });
  const scheduler = new Scheduler(nodes, {
    concurrency,
    stop,
    runNode: (n) => runner.run(n),
    skip: (n, upstream) => recorder.finish(n, "skipped", { error: skippedBecause(upstream, n) }),
    held: () => completions.full,
  });
  completions.onSettled = () => scheduler.pump();
  await scheduler.run();
  // Outputs and states still being written: the run is over when they are on disk.
  await completions.drain();

  sharing.stopPolling();
  await states.close(recorder.problems);
  sharing.unregister();
  states.compact(recorder.problems);
  recorder.stopWriting();
  options.stop?.removeEventListener("abort", onStop);
  if (executor !== options.executor) await executor.close?.();
  return recorder.end(stop.aborted, graphs);
}
