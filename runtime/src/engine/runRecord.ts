/**
 * The run record (runs/RUN/run.json) and the run's events: the record is written when the run
 * starts, rewritten (throttled) as its nodes change, and written whole with its summary when it
 * ends; every node change is reported to the event listener as it happens.
 */
import type { Binding, Graph } from "../graph/model.js";
import { type EventSink, type NodeRecord, type NodeStatus, type RunRecord, type RunSummary, STORE_FORMAT, variantLabel } from "@flowsmith/contract";
import type { Store } from "../store/store.js";
import { errorMessage } from "../util/errors.js";
import type { NodeRun } from "./plan.js";
import type { PreparedFlow } from "./prepare.js";

/** How often at most the run record is rewritten while a run goes on (see save). */
const RUN_RECORD_MS = 500;

export class RunRecorder {
  readonly run: RunRecord;
  /** Bookkeeping that failed (a full disk under the record or the states): reported with the run. */
  readonly problems: string[] = [];
  private dirty = false;
  private lastWrite = 0;
  private gapMs = 0;
  private flusher: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly prepared: PreparedFlow,
    readonly runId: string,
    private readonly startedAt: Date,
    private readonly nodes: NodeRun[],
    paramSets: Record<string, unknown>[],
    config: Record<string, Record<string, unknown>>,
    private readonly emit: EventSink,
    /** Per-node events are built only for a listener (the CLI has one; the API may not). */
    private readonly emitting: boolean,
  ) {
    this.run = {
      format: STORE_FORMAT,
      id: runId,
      target: prepared.target,
      ...(prepared.spec.node ? { node: prepared.spec.node } : {}),
      paramSets,
      config,
      status: "running",
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      nodes: nodes.map((n) => n.record),
    };
  }

  /** The record is written and the run announced (`onRunId` between the two). */
  begin(variantNames: string[], onRunId?: (runId: string) => void): void {
    const { prepared, runId } = this;
    const matrix = this.run.paramSets.length > 1;
    this.store.writeRun(this.run);
    onRunId?.(runId);
    this.emit({
      type: "run-started",
      runId,
      target: prepared.target,
      ...(prepared.spec.node ? { node: prepared.spec.node } : {}),
      pid: process.pid,
      paramSets: this.run.paramSets,
      ...(matrix ? { variantNames } : {}),
      nodes: this.nodes.map((n) => ({
        id: n.node.id,
        ...(matrix ? { variant: n.variant, label: variantLabel(n.node.id, n.variant, variantNames) } : {}),
        task: n.node.task,
        deps: n.node.deps,
        status: "pending" as NodeStatus,
      })),
    });
  }

  /**
   * From now on node changes are written in throttled rewrites: per-node writes would be quadratic
   * on big graphs. At most every RUN_RECORD_MS, and at most 2 % of the run's time: a 10,000-node
   * record is ~3 MB, ~30 ms to write, which every 500 ms would be 6 % of a cold run. (It was
   * written when the run started: the next write waits its turn.)
   */
  startWriting(): void {
    this.lastWrite = Date.now();
    // (Before the first write is timed: ~3 µs a node to write, so 10,000 nodes wait 1.5 s.)
    this.gapMs = Math.max(RUN_RECORD_MS, 50 * 0.003 * this.nodes.length);
    this.flusher = setInterval(() => this.dirty && this.save(), RUN_RECORD_MS);
  }

  stopWriting(): void {
    clearInterval(this.flusher);
  }

  /** The record changed: write it if its turn has come (or `force`). */
  save(force = false): void {
    this.dirty = true;
    if (force || Date.now() - this.lastWrite > this.gapMs) {
      const t = performance.now();
      this.store.writeRun(this.run);
      this.gapMs = Math.max(RUN_RECORD_MS, 50 * (performance.now() - t));
      this.lastWrite = Date.now();
      this.dirty = false;
    }
  }

  /** Nodes that appear as the run goes: a map node's elements, once its list is known. */
  addNodes(runs: NodeRun[]): void {
    for (const n of runs) {
      this.nodes.push(n);
      this.run.nodes.push(n.record);
    }
    this.save();
  }

  /** An attempt of `n`'s task starts (on `worker`, when not in this process). */
  attemptStarted(n: NodeRun, attempt: number, worker?: string): void {
    n.record.attempts = attempt;
    n.record.status = "running";
    if (worker !== undefined) n.record.worker = worker;
    if (this.emitting) this.emit({ type: "node-started", runId: this.runId, node: n.node.id, ...(n.variant !== undefined ? { variant: n.variant } : {}), attempt, ...(worker !== undefined ? { worker } : {}) });
    this.save();
  }

  /** `n`'s current attempt runs on `worker` (announced before the worker was known). */
  ranOn(n: NodeRun, worker: string): void {
    n.record.worker = worker;
    this.save();
  }

  /** `n`'s task reports progress (ignored unless a finite number; clamped to 0…1). */
  progress(n: NodeRun, fraction: number): void {
    if (typeof fraction === "number" && Number.isFinite(fraction)) {
      this.emit({ type: "node-progress", runId: this.runId, node: n.node.id, ...(n.variant !== undefined ? { variant: n.variant } : {}), fraction: Math.min(1, Math.max(0, fraction)) });
    }
  }

  /** `n` reached `status` (in the record and the events; node states are nodeStates.ts'). */
  finish(n: NodeRun, status: NodeStatus, extra: Partial<NodeRecord> = {}): void {
    n.record.status = status;
    Object.assign(n.record, extra);
    if (this.emitting) this.emit({
      type: "node-finished",
      runId: this.runId,
      node: n.node.id,
      ...(n.variant !== undefined ? { variant: n.variant } : {}),
      status,
      ...(extra.cached ? { cached: true } : {}),
      ...(extra.durationMs !== undefined ? { durationMs: extra.durationMs } : {}),
      attempts: n.record.attempts,
      ...(extra.error ? { error: extra.error } : {}),
    });
    this.save();
  }

  /** The run is over: its status, summary and (when complete) the workflow's outputs are recorded and announced. */
  end(stopped: boolean, graphs: Graph[]): RunRecord {
    const { run } = this;
    const summary = summarize(this.nodes);
    const finishedAt = new Date();
    run.summary = summary;
    run.status = stopped ? "stopped" : summary.failed > 0 ? "failed" : summary.leftPending > 0 ? "failed" : "complete";
    run.finishedAt = finishedAt.toISOString();
    run.durationMs = finishedAt.getTime() - this.startedAt.getTime();
    if (run.status === "complete") {
      try {
        run.outputs = graphs.map((graph, variant) => resolveOutputs(graph.outputs, this.nodes.filter((n) => (n.variant ?? 0) === variant), this.store));
      } catch (error) {
        run.error = `could not collect the workflow's outputs: ${errorMessage(error)}`;
      }
    }
    const { problems } = this;
    if (problems.length) {
      const shown = problems.slice(0, 3).join("; ") + (problems.length > 3 ? ` (and ${problems.length - 3} more)` : "");
      run.error = run.error ? `${run.error}; ${shown}` : shown;
    }
    this.store.writeRun(run);
    this.emit({ type: "run-finished", runId: this.runId, status: run.status, durationMs: run.durationMs, summary });
    return run;
  }
}

/** The luigi-style execution summary of a run's nodes. */
export function summarize(nodes: NodeRun[]): RunSummary {
  const count = (pred: (r: NodeRecord) => boolean) => nodes.filter((n) => pred(n.record)).length;
  const skipped = count((r) => r.status === "skipped");
  // Nodes of a when() branch not chosen were meant not to run: not left pending.
  const notTaken = nodes.filter((n) => n.notTaken === true && n.record.status === "skipped").length;
  return {
    scheduled: nodes.length,
    completeEncountered: count((r) => r.status === "complete" && r.cached === true),
    ranSuccessfully: count((r) => r.status === "complete" && !r.cached),
    failed: nodes.filter((n) => n.record.status === "failed" && !n.tolerated).length,
    stopped: count((r) => r.status === "stopped"),
    skipped,
    leftPending: skipped - notTaken + count((r) => r.status === "pending"),
  };
}

/** The workflow's outputs (what its body returned), from the nodes of one variant. */
function resolveOutputs(binding: Binding, nodes: NodeRun[], store: Store): unknown {
  const byId = new Map(nodes.map((n) => [n.node.id, n]));
  const value = (b: Binding): unknown => {
    switch (b.kind) {
      case "value":
        return b.value;
      case "asset":
        return b.abs;
      case "object":
        return Object.fromEntries(Object.entries(b.fields).map(([k, f]) => [k, value(f)]));
      case "array":
        return b.items.map(value);
      case "ref": {
        const up = byId.get(b.node)?.upstream;
        if (!up) return undefined;
        let v = up.value ? up.value.v : store.readOutput(up.key, up)?.value;
        for (const p of b.path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
        return v;
      }
    }
  };
  return value(binding);
}
