/**
 * A node's output goes downstream (in memory) as soon as its task returns, while the store writer
 * makes it durable; the node is recorded complete only once its output is on disk and its upstream
 * nodes are recorded complete (no node is ever shown complete before its upstream). This module
 * counts those outputs in flight — the scheduler holds new tasks back while there are too many —
 * and records each completion when its time comes.
 */
import { errorMessage } from "../util/errors.js";
import type { NodeStates } from "./nodeStates.js";
import { blockingUpstream, skippedBecause, type NodeRun } from "./plan.js";
import type { RunRecorder } from "./runRecord.js";

/**
 * Outputs being made durable at once (their count, their size) before no new task starts: memory
 * stays bounded on a slow disk. (On a disk a group of outputs waits ~20 ms for its sync, writer.ts:
 * a few hundred in flight would leave the writer idle.)
 */
const MAX_OUTPUT_WRITES = 4096;
const MAX_OUTPUT_CHARS = 256 * 1024 * 1024;
/**
 * The count when tasks execute elsewhere (a cluster): there, holding new nodes leaves every worker
 * idle while one sync runs (a sync of a loaded disk takes seconds; 4,096 outputs came back in two),
 * and the runner's own cost of a waiting output is its bookkeeping (~1 KB; the text is counted
 * in MAX_OUTPUT_CHARS): 64 MB at most.
 */
export const MAX_REMOTE_OUTPUT_WRITES = 65_536;

export class Completions {
  /** Completions waiting for an output or an upstream node. */
  private waiting = 0;
  /** Called when the last of them is (the end of the run waits for it). */
  private whenNoneWaiting: (() => void) | undefined;
  /** Outputs of recomputed upstream nodes still being written (see track): the run ends after them. */
  private readonly recomputed = new Set<Promise<unknown>>();
  /** Called each time a waiting completion settles (the scheduler may start more). */
  onSettled: () => void = () => {};

  constructor(
    private readonly recorder: RunRecorder,
    private readonly states: NodeStates,
    /** How many outputs may wait to be made durable before no new task starts. */
    private readonly maxWaiting = MAX_OUTPUT_WRITES,
  ) {}

  /** Too much waits to be made durable: no new task starts. */
  get full(): boolean {
    return this.waiting >= this.maxWaiting || this.states.writer.charsInFlight >= MAX_OUTPUT_CHARS;
  }

  /**
   * Record `run`'s completion (`complete`) once `own` (its output being stored) and its upstream
   * nodes' completions are done — at once when nothing is pending. `stored` is told how `own` went
   * (an error, or undefined) and says whether the node can still complete. One promise per node
   * waits for all that (10,000 nodes can be in flight: each promise, closure and context kept per
   * node is copied by every garbage collection while they are).
   */
  after(run: NodeRun, complete: () => void, own?: Promise<void>, stored?: (error?: unknown) => boolean): void {
    let pending: Promise<void>[] | undefined;
    for (const d of run.deps) if (d.finalized) (pending ??= []).push(d.finalized);
    if (!own && !pending) return complete();
    this.waiting++;
    const { recorder, states } = this;
    const settle = (ok: boolean) => {
      try {
        // An upstream node whose output could not be stored after this one started: this one
        // counts as skipped, as if it had waited (its output, stored by content, does no harm).
        const failed = blockingUpstream(run);
        if (failed && ok) {
          states.write(run, "skipped", { error: skippedBecause(failed) });
          recorder.finish(run, "skipped", { error: skippedBecause(failed) });
        } else if (ok) complete();
      } catch (error) {
        recorder.problems.push(`could not record ${run.node.id} as finished: ${errorMessage(error)}`);
      } finally {
        if (run.finalized === p) run.finalized = undefined;
        if (--this.waiting === 0) this.whenNoneWaiting?.();
        this.onSettled();
      }
    };
    // What `own` came to. Never throws: a bookkeeping failure (a full disk under the run record)
    // is reported with the run, and the count above still comes down — the run waits for it.
    const ownOk = (error?: unknown): boolean => {
      try {
        return stored ? stored(error) : error === undefined;
      } catch (problem) {
        recorder.problems.push(`could not record ${run.node.id} as stored: ${errorMessage(problem)}`);
        if (error !== undefined) Object.assign(run.record, { status: "failed", error: `its output could not be stored: ${errorMessage(error)}` });
        return error === undefined;
      }
    };
    const ownFailed = (error: unknown) => ownOk(error ?? new Error("unknown error"));
    const p: Promise<void> = !pending
      ? own!.then(
          () => settle(ownOk()),
          (error: unknown) => settle(ownFailed(error)),
        )
      : Promise.all([own?.then(() => ownOk(), ownFailed), ...pending]).then(
          ([ok]) => settle(ok !== false),
          () => settle(false),
        );
    run.finalized = p;
  }

  /** The output of an upstream node recomputed for another is being written: the run ends after it; `stored` once it is. */
  track(durable: Promise<void>, stored: () => void): void {
    this.recomputed.add(durable);
    const done = () => {
      stored();
      this.recomputed.delete(durable);
    };
    durable.then(done, done);
  }

  /** Wait until every output and state handed over is on disk (the run is over then). */
  async drain(): Promise<void> {
    if (this.waiting > 0) await new Promise<void>((resolve) => (this.whenNoneWaiting = resolve));
    while (this.recomputed.size) await Promise.allSettled([...this.recomputed]);
  }
}
