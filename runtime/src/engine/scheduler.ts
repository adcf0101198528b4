/**
 * The DAG walk of a run: each node waits for a count of unfinished upstream nodes; when it reaches
 * zero the node is ready, and ready nodes start while fewer than `concurrency` run (and the store
 * writer keeps up). A failed or skipped node skips its downstream; a stop leaves the rest pending.
 * O(nodes + edges) overall.
 */
import type { NodeRun } from "./plan.js";

export interface SchedulerOptions {
  concurrency: number;
  /** Aborted when the run is stopped: nothing new starts. */
  stop: AbortSignal;
  /** Brings a ready node to its final status (or leaves it pending on a stop); never throws. */
  runNode(run: NodeRun): Promise<void>;
  /** `run` is skipped: `upstream` did not complete. */
  skip(run: NodeRun, upstream: NodeRun): void;
  /** While true, no new node starts (too many outputs wait to be made durable). */
  held(): boolean;
}

export class Scheduler {
  private readonly dependents = new Map<NodeRun, NodeRun[]>();
  private readonly waiting = new Map<NodeRun, number>();
  private readonly ready: NodeRun[];
  private head = 0;
  private running = 0;
  private settled = 0;
  private resolved = false;
  private resolve: () => void = () => {};

  constructor(
    private readonly nodes: NodeRun[],
    private readonly options: SchedulerOptions,
  ) {
    for (const n of nodes) {
      this.waiting.set(n, n.deps.length);
      for (const d of n.deps) {
        let list = this.dependents.get(d);
        if (!list) this.dependents.set(d, (list = []));
        list.push(n);
      }
    }
    this.ready = nodes.filter((n) => n.deps.length === 0);
  }

  /** Settles when no node runs and none can start: every node settled, or the run stopped. */
  run(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.resolve = resolve;
      this.options.stop.addEventListener("abort", () => this.pump(), { once: true });
      this.pump();
    });
  }

  /** Start what can start now (also when an output was made durable: room for more). */
  pump(): void {
    const { options: o, ready } = this;
    while (!o.stop.aborted && this.running < o.concurrency && !o.held() && this.head < ready.length) {
      const n = ready[this.head++]!;
      this.running++;
      void o.runNode(n).finally(() => {
        this.running--;
        if (n.record.status !== "pending" || n.available) this.settle(n);
        this.pump();
      });
    }
    const exhausted = o.stop.aborted || this.head >= ready.length;
    if (!this.resolved && this.running === 0 && (exhausted || this.settled >= this.nodes.length)) {
      this.resolved = true;
      this.resolve();
    }
  }

  /**
   * A running node (a map) asks for one more of the run's slots for work of its own (an element):
   * taken when one is free now. Given back with `giveBack`, which starts what waits for it.
   */
  tryBorrow(): boolean {
    const o = this.options;
    if (o.stop.aborted || this.running >= o.concurrency || o.held()) return false;
    this.running++;
    return true;
  }

  giveBack(): void {
    this.running--;
    this.pump();
  }

  /** A node reached its final status (or handed its output downstream): release or skip what waits on it. */
  private settle(first: NodeRun): void {
    const stack = [first];
    while (stack.length) {
      const n = stack.pop()!;
      this.settled++;
      const ok = n.record.status === "complete" || n.available === true;
      const blocked = n.record.status === "failed" || n.record.status === "skipped";
      for (const dep of this.dependents.get(n) ?? []) {
        if (dep.record.status === "skipped") continue;
        // A when node waits for each branch's nodes; those of a branch not taken release it too.
        if (ok || (n.notTaken === true && dep.node.kind === "when")) {
          const left = this.waiting.get(dep)! - 1;
          this.waiting.set(dep, left);
          if (left === 0) this.ready.push(dep);
        } else if (blocked) {
          this.options.skip(dep, n);
          stack.push(dep);
        }
      }
    }
  }
}
