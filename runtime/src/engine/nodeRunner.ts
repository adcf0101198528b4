/**
 * What one node needs once its upstream nodes are done: complete from the store (its output exists
 * under its cache key), shared with an identical node of this run or of another run (same key), or
 * computed — its task's attempts, its output committed to the store. An upstream output found
 * missing or corrupt on the way is recomputed, and the node tried again.
 */
import type { PreparedOutput, Store } from "../store/store.js";
import { storeFlowFiles, withFlowFiles } from "../store/blobs.js";
import { describeUserError } from "../loader/load.js";
import { FlowsmithError, errorMessage } from "../util/errors.js";
import { isoTime } from "../util/time.js";
import { StopRequested, attemptError, type TaskAttempts } from "./attempt.js";
import type { Completions } from "./completions.js";
import { DynamicNodes, NOT_TAKEN, taken } from "./dynamic.js";
import { cacheKey, InputResolver, UpstreamCorrupt, type Upstream } from "./keys.js";
import type { NodeLogs } from "./nodeLogs.js";
import type { NodeStates } from "./nodeStates.js";
import { blockingGate, blockingUpstream, skippedBecause, type NodeRun } from "./plan.js";
import type { RunRecorder } from "./runRecord.js";
import type { RunSharing } from "./sharing.js";
import type { TaskSpeeds } from "./taskSpeed.js";

export interface NodeRunnerOptions {
  store: Store;
  runId: string;
  /** Aborted when the run is stopped. */
  stop: AbortSignal;
  recorder: RunRecorder;
  states: NodeStates;
  logs: NodeLogs;
  sharing: RunSharing;
  completions: Completions;
  attempts: TaskAttempts;
  speeds: TaskSpeeds;
  /** The run's --concurrency (a map's elements in flight stay within it). */
  concurrency?: number;
  /** The scheduler's slots, which a map borrows for its elements beyond the first. */
  slots?: { tryBorrow(): boolean; giveBack(): void };
}

/** How many times an upstream output found missing or corrupt is recomputed for one node. */
const RECOVERIES = 3;

export class NodeRunner {
  /** Outputs computed (or being computed) in this run, by cache key: identical nodes run once. */
  private readonly sharedByKey = new Map<string, Promise<Upstream>>();

  /** Map and when nodes (dynamic.ts). */
  private readonly dynamic: DynamicNodes;

  constructor(private readonly parts: NodeRunnerOptions) {
    this.dynamic = new DynamicNodes({ ...parts, concurrency: parts.concurrency ?? 4, runElement: (el) => this.run(el) });
  }

  /** Bring `run` to its final status (or leave it pending on a stop). Never throws. */
  async run(run: NodeRun): Promise<void> {
    try {
      // withRecovery(run, () => this.once(run)), without two more promises per node.
      for (let tries = 0; ; tries++) {
        try {
          await this.once(run);
          break;
        } catch (error) {
          if (!(await this.recovered(run, error, tries))) throw error;
        }
      }
    } catch (error) {
      this.fail(run, describeUserError(error));
    }
  }

  /** `run` failed outside its task's attempts (its inputs, a corrupt upstream output): logged and recorded. */
  private fail(run: NodeRun, message: string): void {
    this.parts.logs.log(run, message);
    this.parts.recorder.finish(run, "failed", { error: message, finishedAt: isoTime(Date.now()) });
    this.parts.states.write(run, "failed", { error: message });
  }

  private async once(run: NodeRun): Promise<void> {
    const { node } = run;
    const { store, recorder, states, completions } = this.parts;
    // Released when its upstream's value was ready, but that upstream's output could not be stored.
    const resolver = this.resolver(run);
    // A node of a when() branch another branch was chosen over: skipped, whatever its upstream did.
    if (node.gates && !blockingGate(run) && !taken(node, resolver)) {
      run.notTaken = true;
      recorder.finish(run, "skipped", { error: NOT_TAKEN });
      return;
    }
    const failed = blockingUpstream(run);
    if (failed) {
      recorder.finish(run, "skipped", { error: skippedBecause(failed, run) });
      return;
    }
    if (node.kind === "map" || node.kind === "when") {
      try {
        if (node.kind === "map") await this.dynamic.runMap(run, resolver);
        else this.dynamic.runWhen(run, resolver);
      } catch (error) {
        if (error instanceof UpstreamCorrupt) throw error;
        this.fail(run, describeUserError(error));
      }
      return;
    }
    let key: string;
    try {
      run.inputHashes = resolver.hashes(node);
      key = cacheKey(node, run.record.fingerprint, run.inputHashes);
    } catch (error) {
      if (error instanceof UpstreamCorrupt) throw error;
      this.fail(run, describeUserError(error));
      return;
    }
    run.record.cacheKey = key;
    const cacheable = node.impl.options.cache !== false;
    if (!run.forced && cacheable) {
      const found = store.readMetaWithData(key);
      if (found) {
        const { meta } = found;
        run.upstream = { key, meta, data: found.data };
        run.available = true;
        const state = states.prior.get(node.id);
        completions.after(run, () => {
          if (state?.status !== "complete" || state.cacheKey !== key) states.write(run, "complete", { durationMs: meta.durationMs });
          recorder.finish(run, "complete", { cached: true, durationMs: 0 });
        });
        return;
      }
    }
    let shared = this.sharedByKey.get(key);
    const isOwner = !shared || run.forced || !cacheable;
    if (isOwner) {
      shared = this.compute(run, key, resolver);
      if (cacheable) this.sharedByKey.set(key, shared);
    }
    try {
      const upstream = await shared!;
      run.upstream = upstream;
      run.available = true;
      const done = () => {
        const finishedMs = (isOwner && upstream.finishedMs) || Date.now();
        const finishedAt = (isOwner && upstream.finishedAt) || isoTime(finishedMs);
        const durationMs = isOwner && run.startedMs !== undefined ? finishedMs - run.startedMs : 0;
        const ran = isOwner && upstream.value !== undefined;
        // The writer recorded the state of the node that computed the output, right after it.
        if (!(isOwner && upstream.durable)) states.write(run, "complete", { finishedAt, durationMs });
        recorder.finish(run, "complete", ran ? { durationMs, finishedAt } : { cached: true, durationMs: 0, finishedAt });
      };
      // Downstream nodes may start now; this one is complete when its output is on disk, and
      // after its upstream nodes are (no node is ever shown complete before its upstream).
      const stored = (error?: unknown) => {
        // The node that computed it releases its key (its lock, if any) once it is on disk.
        if (isOwner) this.parts.sharing.release(key);
        if (error === undefined) return true;
        const message = `its output could not be stored: ${errorMessage(error)}`;
        this.parts.logs.log(run, message);
        const finishedAt = isoTime(Date.now());
        states.write(run, "failed", { finishedAt, error: message });
        recorder.finish(run, "failed", { finishedAt, error: message });
        return false;
      };
      completions.after(run, done, upstream.durable, stored);
    } catch (error) {
      if (error instanceof UpstreamCorrupt && !this.parts.stop.aborted) throw error;
      const finishedMs = Date.now();
      const finishedAt = isoTime(finishedMs);
      const durationMs = run.startedMs !== undefined ? finishedMs - run.startedMs : 0;
      if (error instanceof StopRequested || this.parts.stop.aborted) {
        if (run.record.startedAt) {
          states.write(run, "stopped", { finishedAt, durationMs });
          recorder.finish(run, "stopped", { finishedAt, durationMs, error: "stopped" });
        } else {
          run.record.status = "pending";
        }
        return;
      }
      const message = attemptError(error);
      states.write(run, "failed", { finishedAt, durationMs, error: message });
      recorder.finish(run, "failed", { finishedAt, durationMs, error: message });
    }
  }

  /**
   * Run one node's task (with retries) and store its output under `key`. When the output is being
   * written (`durable` in the result), the caller releases `key` once it is stored.
   */
  private async compute(run: NodeRun, key: string, resolver: InputResolver): Promise<Upstream> {
    const { node } = run;
    const { store, runId, stop, sharing, states, speeds } = this.parts;
    // Another run computing the same key: wait for it and use its output.
    const locking = sharing.acquire(key, stop);
    if (locking) await locking;
    let unlockLater = false;
    try {
      // Another run may have finished it just before we took the lock.
      if (sharing.active && !run.forced && node.impl.options.cache !== false) {
        const meta = store.readMeta(key);
        if (meta) return { key, meta };
      }
      // A stored file an input holds reaches the task as a FlowFile with a readable path.
      const input = withFlowFiles(resolver.values(node), store.dir);
      const started = Date.now();
      run.startedMs = started;
      run.record.startedAt = isoTime(started);
      run.record.status = "running";
      // A task known to be fast (taskSpeed.ts) is not recorded running in the node states: it is
      // over before an editor could show it (the run record and the events still say so).
      if (!speeds.knownFast(node.task)) states.write(run, "running");
      return await this.parts.attempts.run(run, key, input, (output) => {
        const finished = Date.now();
        const finishedAt = isoTime(finished);
        let out: PreparedOutput;
        // Files it returned with file() go into the store first (durable before the output naming them).
        const value = storeFlowFiles(output ?? null, store.dir);
        try {
          out = store.prepareOutput(
            key,
            value,
            { task: node.task, fingerprint: run.record.fingerprint, createdAt: finishedAt, runId, node: node.id, durationMs: finished - started },
            "output",
          );
        } catch (error) {
          throw new FlowsmithError(`${errorMessage(error)} — outputs are stored as JSON`);
        }
        // Downstream nodes get the value now, as it reads back from the store; this node is
        // complete once its file is on disk — the writer then records its state — and the lock
        // (if any) is released then.
        const complete = states.line(run, "complete", { finishedAt, durationMs: finished - started });
        // (Its failure is reported by the node that awaits it; the handler there marks it handled.)
        const durable = store.commitOutput(out, states.writer, complete);
        unlockLater = true;
        return { key, meta: out.meta, value: { v: out.stored }, durable, finishedAt, finishedMs: finished };
      });
    } finally {
      if (!unlockLater) sharing.release(key);
    }
  }

  private resolver(run: NodeRun): InputResolver {
    return new InputResolver(this.parts.store, (id) => run.deps.find((d) => d.node.id === id)?.upstream);
  }

  /**
   * Do `work` for a node; if an upstream output it reads turns out missing or corrupt (the store
   * discards such outputs), recompute that upstream node and try again.
   */
  private async withRecovery<T>(run: NodeRun, work: () => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await work();
      } catch (error) {
        if (!(await this.recovered(run, error, tries))) throw error;
      }
    }
  }

  /** `error` came from work for `run`: if an upstream's output was missing or corrupt, recompute it and say to try again. */
  private async recovered(run: NodeRun, error: unknown, tries: number): Promise<boolean> {
    if (!(error instanceof UpstreamCorrupt) || tries >= RECOVERIES) return false;
    const up = run.deps.find((d) => d.node.id === error.node);
    const upKey = up?.record.cacheKey;
    if (!up || !upKey) return false;
    this.parts.logs.log(up, "its stored output was missing or corrupt: recomputing it");
    this.sharedByKey.delete(upKey);
    const again = await this.withRecovery(up, () => this.compute(up, upKey, this.resolver(up)));
    up.upstream = again;
    if (again.durable) this.parts.completions.track(again.durable, () => this.parts.sharing.release(upKey));
    up.record.cached = false;
    if (run.record.cacheKey) this.sharedByKey.delete(run.record.cacheKey);
    return true;
  }
}
