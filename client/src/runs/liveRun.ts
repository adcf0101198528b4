/**
 * A run started from the editor, as its `--events ndjson` stream describes it, and what every view
 * shows of its progress. The RunManager applies each event here; the Runs view, the progress
 * notification and the status bar all read `runProgress` over the same LiveRun, so they never
 * disagree. No vscode import: unit-tested (test/unit/run-progress.test.ts).
 */
import { type NodeStatus, type RunEvent, type RunStatus, type RunSummary, variantLabel, variantNames } from "@flowsmith/contract";
import { nodeKey } from "./events";
import type { ParamValues } from "./params";

export interface LiveNode {
  id: string;
  variant?: number;
  task: string;
  status: NodeStatus;
  fraction?: number;
  durationMs?: number;
  cached?: boolean;
  error?: string;
  attempt?: number;
  /** The worker its last attempt ran on (cluster or worker processes). */
  worker?: string;
  /** ISO time the node finished, from the node-finished event's arrival. */
  finishedAt?: string;
}

export type LiveRunStatus = "starting" | RunStatus;

export interface RunRequest {
  target: string;
  node?: string;
  params?: ParamValues;
  /** `node`: --force (the target node(s)); `all`: --force-all (and everything upstream). */
  force?: "node" | "all";
  /** The workspace root the target is relative to, when it is not the first folder's. */
  root?: string;
  /** The language server found no error in the flow file: the CLI need not check it again (--no-check). */
  checked?: boolean;
  /** Run on this cluster (`--cluster URL`) rather than on this machine. */
  cluster?: string;
}

export interface LiveRun {
  /** Local id, known before the CLI prints the run id. */
  readonly key: number;
  runId?: string;
  readonly request: RunRequest;
  status: LiveRunStatus;
  /** The run-started event's nodes (one per node and variant), by nodeKey. */
  nodes: Map<string, LiveNode>;
  /** A matrix run's variant names (`doPreprocess=false`), by variant; empty otherwise. */
  variants?: string[];
  startedAt: number;
  finishedAt?: number;
  durationMs?: number;
  summary?: RunSummary;
  /** Why the run could not start or the CLI failed (its stderr complaint). */
  error?: string;
  exitCode?: number | null;
  stopRequested?: boolean;
  /** Every log line written for this run, for "Open Run Log" on a live run. */
  log: string[];
  readonly done: Promise<LiveRun>;
}

/** The state a new run starts in, before the CLI has said anything. */
export function newLiveRun(key: number, request: RunRequest, done: Promise<LiveRun>, startedAt = Date.now()): LiveRun {
  return { key, request, status: "starting", nodes: new Map(), startedAt, log: [], done };
}

/**
 * Apply one event to a run. Returns false for events no view shows (log lines). A run-finished
 * event records the summary and duration; `finishRun` ends the run.
 */
export function applyRunEvent(run: LiveRun, event: RunEvent): boolean {
  switch (event.type) {
    case "run-started":
      run.runId = event.runId;
      run.status = "running";
      run.variants = variantNames(event.paramSets);
      run.nodes = new Map();
      for (const n of event.nodes) {
        run.nodes.set(nodeKey(n.id, n.variant), { id: n.id, variant: n.variant, task: n.task, status: n.status });
      }
      return true;
    case "node-started": {
      const node = run.nodes.get(nodeKey(event.node, event.variant));
      if (!node) return false; // not in the run-started list: nothing counts it
      node.status = "running";
      node.attempt = event.attempt;
      if (event.worker) node.worker = event.worker;
      node.fraction = undefined;
      return true;
    }
    case "node-progress": {
      const node = run.nodes.get(nodeKey(event.node, event.variant));
      if (!node) return false;
      node.fraction = event.fraction;
      return true;
    }
    case "node-finished": {
      const node = run.nodes.get(nodeKey(event.node, event.variant));
      if (!node) return false;
      node.status = event.status;
      node.durationMs = event.durationMs;
      node.cached = event.cached;
      node.error = event.error;
      node.fraction = undefined;
      node.finishedAt = new Date().toISOString();
      return true;
    }
    case "run-finished":
      run.summary = event.summary;
      run.durationMs = event.durationMs;
      return true;
    case "node-log":
      return false; // written to the log only; no view shows log lines
  }
}

/** End a run (run-finished, or the CLI exited without one). False when it had already ended. */
export function finishRun(run: LiveRun, status: RunStatus, error?: string, now = Date.now()): boolean {
  if (run.status !== "starting" && run.status !== "running") return false;
  run.status = status;
  run.finishedAt = now;
  run.durationMs ??= run.finishedAt - run.startedAt;
  if (error) run.error = error;
  return true;
}

export interface RunProgress {
  /** False until the run-started event has listed the nodes. */
  known: boolean;
  /** Nodes (of every variant) that reached a final status: complete (run or cached), failed, skipped, stopped. */
  done: number;
  /** Nodes in the run-started event's list, variants included. */
  total: number;
  /** Labels of the nodes running now (`train`, `train[doPreprocess=false]`). */
  running: string[];
}

/** Progress of nodes with these statuses (a run record's nodes, for runs not started here). */
export function countProgress(nodes: Iterable<{ id: string; variant?: number; status: string }>, variants: readonly string[] = [], known = true): RunProgress {
  let done = 0;
  let total = 0;
  const running: string[] = [];
  for (const n of nodes) {
    total++;
    if (n.status === "running") running.push(variantLabel(n.id, n.variant, variants));
    else if (n.status !== "pending") done++;
  }
  return { known, done, total, running };
}

/** The one progress of a live run: what the Runs view, the notification and the status bar show. */
export function runProgress(run: LiveRun): RunProgress {
  return countProgress(run.nodes.values(), run.variants, run.runId !== undefined);
}

/** `3/6`, or `starting…` before the run has listed its nodes. */
export function progressText(progress: RunProgress): string {
  return progress.known ? `${progress.done}/${progress.total}` : "starting…";
}

/** The progress notification's message: the count, then up to three running nodes. */
export function progressMessage(progress: RunProgress): string {
  return `${progressText(progress)}${progress.running.length ? ` · ${progress.running.slice(0, 3).join(", ")}` : ""}`;
}

/** 0…1, for the notification's bar. */
export function progressFraction(progress: RunProgress): number {
  return progress.total ? progress.done / progress.total : 0;
}

/** A node as every view names it: `train`, or `train[doPreprocess=false]` in a matrix run. */
export function liveNodeLabel(run: Pick<LiveRun, "variants">, node: { id: string; variant?: number }): string {
  return variantLabel(node.id, node.variant, run.variants ?? []);
}
