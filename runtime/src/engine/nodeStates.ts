/**
 * The node states a run writes (what the editor and `preview` show between runs): appended to this
 * run's journal of its target by the run's store writer (worker threads), which also writes the
 * run's outputs; folded into the target's states when the run ends.
 */
import type { NodeRecord, NodeState, NodeStatus } from "@flowsmith/contract";
import { stateLine } from "../store/states.js";
import type { Store } from "../store/store.js";
import { StoreWriter } from "../store/writer.js";
import { errorMessage } from "../util/errors.js";
import type { NodeRun } from "./plan.js";

export class NodeStates {
  /** Writes outputs and node states off the main thread. */
  readonly writer = new StoreWriter();
  /** This run's journal of the target's node states. */
  readonly journal: string;
  /** The states the run starts from, read once, by node id. */
  readonly prior: Map<string, NodeState>;
  /** A journal of this target is damaged: the run folds them all when it ends, which drops it. */
  private readonly damaged: boolean;

  constructor(
    private readonly store: Store,
    private readonly target: string,
    private readonly runId: string,
  ) {
    this.journal = store.stateJournalPath(target, runId);
    const problemsBefore = store.problems.length;
    this.prior = store.readTargetStates(target);
    this.damaged = store.problems.length > problemsBefore;
  }

  // One shape for every state (absent fields are undefined, which JSON leaves out): JSON.stringify
  // of objects of one shape is about twice as fast as of objects built with conditional spreads.
  state(run: NodeRun, status: NodeStatus, extra: Partial<NodeRecord> = {}): NodeState {
    return {
      // Matrix variants share node ids: the editor shows the last one, which is what it can show.
      target: this.target,
      node: run.node.id,
      task: run.node.task,
      status,
      fingerprint: run.record.fingerprint,
      runId: this.runId,
      pid: process.pid,
      cacheKey: run.record.cacheKey || undefined,
      inputHashes: run.inputHashes,
      startedAt: run.record.startedAt || undefined,
      finishedAt: extra.finishedAt || undefined,
      durationMs: extra.durationMs,
      error: extra.error || undefined,
    };
  }

  /** The line that records `state` in the journal (for the writer to append after an output). */
  line(run: NodeRun, status: NodeStatus, extra: Partial<NodeRecord> = {}): { journal: string; line: string } {
    return { journal: this.journal, line: stateLine(this.state(run, status, extra)) };
  }

  write(run: NodeRun, status: NodeStatus, extra: Partial<NodeRecord> = {}): void {
    this.writer.append(this.journal, stateLine(this.state(run, status, extra)));
  }

  /** Wait for everything handed to the writer; a failure is added to `problems`. */
  async close(problems: string[]): Promise<void> {
    try {
      await this.writer.close();
    } catch (error) {
      problems.push(`could not record node states: ${errorMessage(error)}`);
    }
  }

  /** Fold the run's journal into the target's states (once the writer is closed). */
  compact(problems: string[]): void {
    try {
      this.store.compactStates(this.target, this.runId, !this.damaged);
    } catch (error) {
      problems.push(`could not fold the node states of ${this.target}: ${errorMessage(error)}`);
    }
  }
}
