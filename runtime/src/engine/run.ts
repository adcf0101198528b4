/**
 * Runs a workflow's graph: nodes whose output exists are complete and do not run again; the rest
 * run with a concurrency limit, retries and timeouts, each with an AbortSignal that fires on stop
 * or timeout. Identical nodes (same cache key) run once, also across a matrix of param sets and
 * across concurrent runs (a lock per cache key).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { buildGraph } from "../graph/builder.js";
import { restrictTo, sinks, type Binding, type Graph, type GraphNode } from "../graph/model.js";
import { describeUserError } from "../loader/load.js";
import { STORE_FORMAT, type NodeRecord, type NodeState, type NodeStatus, type RunRecord, type RunSummary } from "../store/records.js";
import { newRunId, shortHash, type PreparedOutput, type Store } from "../store/store.js";
import { stateLine } from "../store/states.js";
import { StoreWriter } from "../store/writer.js";
import { FlowsmithError, errorMessage, hint } from "../util/errors.js";
import { isoTime } from "../util/time.js";
import { checkTaskResult } from "../sdk/task.js";
import type { EventSink } from "./events.js";
import { cacheKey, fingerprintOf, InputResolver, UpstreamCorrupt, type Upstream } from "./keys.js";
import { configFor, expandParamSets, parseConfig, parseMatrix, parseParamPairs, validateParams } from "./params.js";
import type { PreparedFlow } from "./prepare.js";
import { variantLabel, variantNames } from "./variants.js";

const LOG_LIMIT_BYTES = 10 * 1024 * 1024;
/**
 * Outputs being made durable at once (their count, their size) before no new task starts: memory
 * stays bounded on a slow disk. (On a disk a group of outputs waits ~20 ms for its sync, writer.ts:
 * a few hundred in flight would leave the writer idle.)
 */
const MAX_OUTPUT_WRITES = 4096;
const MAX_OUTPUT_CHARS = 256 * 1024 * 1024;
/** How often at most the run record is rewritten while a run goes on (see saveRun). */
const RUN_RECORD_MS = 500;
/** How often a run looks for stop requests and for other runs starting in its store. */
const POLL_MS = 150;
/**
 * A run that finds others computing in its store waits this long before it starts anything, so
 * that they (polling every POLL_MS) have locked the keys they are computing.
 */
const HANDSHAKE_MS = 3 * POLL_MS;
/**
 * A task whose recent attempts in the run took at most this long (the median of its last
 * FAST_TASK_SAMPLES) starts without a "running" node state and without handing the store writer
 * what is queued first (it goes with the next batch); any other task may block the event loop for
 * long, so its "running" state and the outputs before it are handed over before it starts. A
 * median, not the longest: one attempt stretched by a GC pause or a busy machine must not turn a
 * 10,000-node run of fast tasks into one message to the writer per node.
 */
const FAST_TASK_MS = 20;
const FAST_TASK_SAMPLES = 5;

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
}

class StopRequested extends Error {
  constructor() {
    super("the run was stopped");
  }
}

class TimedOut extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

interface Instance {
  node: GraphNode;
  variant?: number;
  record: NodeRecord;
  deps: Instance[];
  forced: boolean;
  upstream?: Upstream;
  inputHashes?: Record<string, string>;
  /** When its task started (Date.now()), as record.startedAt says. */
  startedMs?: number;
  logBytes: number;
  /** Its output can be handed downstream (in memory), even if it is still being made durable. */
  available?: boolean;
  /** Settles when its final status is recorded, while that waits for its output or its upstream. */
  finalized?: Promise<void>;
}

/** Build one graph per param set, restricted to the target node when one is named. */
export function planGraphs(prepared: PreparedFlow, paramSets: Record<string, unknown>[]): Graph[] {
  return paramSets.map((params) => {
    let graph: Graph;
    try {
      graph = buildGraph(prepared.flow, params);
    } catch (error) {
      if (error instanceof FlowsmithError) throw new FlowsmithError(`${prepared.shown}#${prepared.name}: ${error.message}`);
      throw new FlowsmithError(`${prepared.shown}#${prepared.name}: the workflow body failed: ${describeUserError(error)}`);
    }
    if (prepared.spec.node !== undefined) {
      if (!graph.nodes.has(prepared.spec.node)) {
        const ids = [...graph.nodes.keys()];
        throw new FlowsmithError(
          `workflow ${prepared.name} has no node "${prepared.spec.node}"${hint(prepared.spec.node, ids)}; its nodes are ${ids.join(", ")}`,
        );
      }
      graph = restrictTo(graph, [prepared.spec.node]);
    }
    return graph;
  });
}

/** Param sets from `--param` and `--matrix`, validated against the workflow's schema. */
export function resolveParamSets(prepared: PreparedFlow, params: string[] = [], matrix: string[] = []): Record<string, unknown>[] {
  const fixed = parseParamPairs(prepared.flow, prepared.name, params);
  const grid = parseMatrix(prepared.flow, prepared.name, matrix);
  return expandParamSets(fixed, grid).map((set) => validateParams(prepared.flow, prepared.name, set));
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
  /** Per-node events are built only for a listener (the CLI has one; the API may not). */
  const emitting = options.onEvent !== undefined;
  const runId = newRunId();
  const startedAt = new Date();
  const matrix = paramSets.length > 1;
  /** How each variant is named in events and logs (engine/variants.ts). */
  const names = variantNames(paramSets);

  // One instance per node per param set.
  const instances: Instance[] = [];
  graphs.forEach((graph, variant) => {
    const targets = new Set(options.forceAll ? graph.nodes.keys() : prepared.spec.node ? [prepared.spec.node] : sinks(graph));
    const byId = new Map<string, Instance>();
    for (const node of graph.nodes.values()) {
      const record: NodeRecord = {
        id: node.id,
        ...(matrix ? { variant } : {}),
        task: node.taskName,
        status: "pending",
        fingerprint: fingerprintOf(prepared.fingerprints, node),
        deps: node.deps,
        attempts: 0,
      };
      const inst: Instance = {
        node,
        ...(matrix ? { variant } : {}),
        record,
        deps: node.deps.map((d) => byId.get(d)!),
        forced: Boolean(options.force || options.forceAll) && targets.has(node.id),
        logBytes: 0,
      };
      byId.set(node.id, inst);
      instances.push(inst);
    }
  });

  const run: RunRecord = {
    format: STORE_FORMAT,
    id: runId,
    target: prepared.target,
    ...(prepared.spec.node ? { node: prepared.spec.node } : {}),
    paramSets,
    config,
    status: "running",
    pid: process.pid,
    startedAt: startedAt.toISOString(),
    nodes: instances.map((i) => i.record),
  };
  store.writeRun(run);
  options.onRunId?.(runId);
  emit({
    type: "run-started",
    runId,
    target: prepared.target,
    ...(prepared.spec.node ? { node: prepared.spec.node } : {}),
    pid: process.pid,
    paramSets,
    ...(matrix ? { variantNames: names } : {}),
    nodes: instances.map((i) => ({
      id: i.node.id,
      ...(matrix ? { variant: i.variant, label: variantLabel(i.node.id, i.variant, names) } : {}),
      task: i.node.taskName,
      deps: i.node.deps,
      status: "pending" as NodeStatus,
    })),
  });

  // Stop: the CLI's signal handlers, or a stop file written by `flowsmith stop` from elsewhere.
  const stopper = new AbortController();
  /** The attempts of tasks going on: a stop aborts each. */
  const attempts = new Set<Attempt>();
  stopper.signal.addEventListener("abort", () => {
    for (const a of attempts) a.abort(stopper.signal.reason);
  });
  const onStop = () => stopper.abort(new StopRequested());
  options.stop?.addEventListener("abort", onStop, { once: true });
  if (options.stop?.aborted) onStop();
  // Runs share work through a lock per cache key; taking it costs two file operations per node,
  // so a run alone in its store takes none, until it sees another run start (then it locks what
  // it is computing, and everything after). The newcomer waits HANDSHAKE_MS for that.
  store.registerRun(runId);
  let sharing = store.otherLiveRuns(runId).length > 0;
  // Alone: locks left by killed runs are cleared (a live holder means a run that did not register).
  if (!sharing && store.sweepLocks()) sharing = true;
  store.sweepTemp();
  /** Keys this run computes (task running or output being written), and those it holds locks on. */
  const computing = new Set<string>();
  const held = new Set<string>();
  const startSharing = () => {
    sharing = true;
    store.stopListing();
    for (const key of computing) if (!held.has(key) && store.tryLock(key, runId)) held.add(key);
  };
  const poll = setInterval(() => {
    if (store.stopRequested(runId)) onStop();
    if (!sharing && store.otherLiveRuns(runId).length > 0) startSharing();
  }, POLL_MS);
  if (sharing) await sleep(HANDSHAKE_MS);
  else store.expectLookups(instances.length);

  // Throttled rewrites of the run record: per-node writes would be quadratic on big graphs. At
  // most every RUN_RECORD_MS, and at most 2 % of the run's time: a 10,000-node record is ~3 MB,
  // ~30 ms to write, which every 500 ms would be 6 % of a cold run. (It was written when the run
  // started: the next write waits its turn.)
  let dirty = false;
  let lastWrite = Date.now();
  // (Before the first write is timed: ~3 µs a node to write, so 10,000 nodes wait 1.5 s.)
  let gapMs = Math.max(RUN_RECORD_MS, 50 * 0.003 * instances.length);
  const saveRun = (force = false) => {
    dirty = true;
    if (force || Date.now() - lastWrite > gapMs) {
      const t = performance.now();
      store.writeRun(run);
      gapMs = Math.max(RUN_RECORD_MS, 50 * (performance.now() - t));
      lastWrite = Date.now();
      dirty = false;
    }
  };
  const flusher = setInterval(() => dirty && saveRun(), RUN_RECORD_MS);

  const sharedByKey = new Map<string, Promise<Upstream>>();
  /** Outputs handed downstream but not yet on disk; the scheduler waits below MAX_OUTPUT_WRITES. */
  let writesInFlight = 0;
  let onWriteSettled = () => {};
  /** Called when the last of them is (the end of the run waits for it). */
  let whenWritesDone: (() => void) | undefined;
  const logDir = path.join(store.runDir(runId), "logs");
  fs.mkdirSync(logDir, { recursive: true });

  // Outputs and node states are written by the run's store writer (worker threads), node states
  // to this run's journal; the states the run starts from are read once.
  const writer = new StoreWriter();
  const journal = store.stateJournalPath(prepared.target, runId);
  const problemsBefore = store.problems.length;
  const priorStates = store.readTargetStates(prepared.target);
  /** A journal of this target is damaged: the run folds them all when it ends, which drops it. */
  const damagedStates = store.problems.length > problemsBefore;
  /** Outputs of recomputed upstream nodes still being written (see recovered): the run ends after them. */
  const inFlight = new Set<Promise<unknown>>();
  const writeProblems: string[] = [];

  // One shape for every state (absent fields are undefined, which JSON leaves out): JSON.stringify
  // of objects of one shape is about twice as fast as of objects built with conditional spreads.
  const nodeState = (inst: Instance, status: NodeStatus, extra: Partial<NodeRecord> = {}): NodeState => ({
    // Matrix variants share node ids: the editor shows the last one, which is what it can show.
    target: prepared.target,
    node: inst.node.id,
    task: inst.node.taskName,
    status,
    fingerprint: inst.record.fingerprint,
    runId,
    pid: process.pid,
    cacheKey: inst.record.cacheKey || undefined,
    inputHashes: inst.inputHashes,
    startedAt: inst.record.startedAt || undefined,
    finishedAt: extra.finishedAt || undefined,
    durationMs: extra.durationMs,
    error: extra.error || undefined,
  });

  /** Each task's recent attempts (see FAST_TASK_MS): known fast or not, from the last ones. */
  const speeds = new Map<string, TaskSpeed>();
  const knownFast = (task: string) => speeds.get(task)?.fast === true;

  const writeState = (inst: Instance, status: NodeStatus, extra: Partial<NodeRecord> = {}) => {
    writer.append(journal, stateLine(nodeState(inst, status, extra)));
  };

  const finish = (inst: Instance, status: NodeStatus, extra: Partial<NodeRecord> = {}) => {
    inst.record.status = status;
    Object.assign(inst.record, extra);
    if (emitting) emit({
      type: "node-finished",
      runId,
      node: inst.node.id,
      ...(inst.variant !== undefined ? { variant: inst.variant } : {}),
      status,
      ...(extra.cached ? { cached: true } : {}),
      ...(extra.durationMs !== undefined ? { durationMs: extra.durationMs } : {}),
      attempts: inst.record.attempts,
      ...(extra.error ? { error: extra.error } : {}),
    });
    saveRun();
  };

  /** A node's log: capped at LOG_LIMIT_BYTES (bytes on disk), then one truncation line and silence. */
  const log = (inst: Instance, line: string) => {
    inst.record.log ??= `${inst.variant !== undefined ? `${inst.variant}-` : ""}${inst.node.id.replace(/[^\w.-]/g, "_")}-${shortHash(`${inst.variant}:${inst.node.id}`).slice(0, 6)}.log`;
    if (inst.logBytes >= LOG_LIMIT_BYTES) return;
    const bytes = Buffer.byteLength(line) + 1;
    const truncated = inst.logBytes + bytes > LOG_LIMIT_BYTES;
    const written = truncated ? `[log truncated at ${LOG_LIMIT_BYTES / 1048576} MB]` : line;
    inst.logBytes = truncated ? LOG_LIMIT_BYTES : inst.logBytes + bytes;
    try {
      fs.appendFileSync(path.join(logDir, inst.record.log), `${written}\n`);
    } catch {
      /* a full disk must not fail the task over its log */
    }
    emit({ type: "node-log", runId, node: inst.node.id, ...(inst.variant !== undefined ? { variant: inst.variant } : {}), line: written });
  };

  /** `key` is no longer being computed by this run: its lock (if any) goes. */
  const release = (key: string) => {
    computing.delete(key);
    if (held.delete(key)) store.unlock(key);
  };

  /**
   * Run one node's task (with retries) and store its output under `key`. When the output is being
   * written (`durable` in the result), the caller releases `key` once it is stored.
   */
  const execute = async (inst: Instance, key: string, resolver: InputResolver): Promise<Upstream> => {
    const { node } = inst;
    // Another run computing the same key: wait for it and use its output.
    while (sharing && !store.tryLock(key, runId)) {
      if (stopper.signal.aborted) throw new StopRequested();
      await sleep(100);
    }
    if (sharing) held.add(key);
    computing.add(key);
    let unlockLater = false;
    try {
      // Another run may have finished it just before we took the lock.
      if (sharing && !inst.forced && node.task.options.cache !== false) {
        const meta = store.readMeta(key);
        if (meta) return { key, meta };
      }
      const input = resolver.values(node);
      const started = Date.now();
      inst.startedMs = started;
      inst.record.startedAt = isoTime(started);
      inst.record.status = "running";
      // A task known to be fast (FAST_TASK_MS) is not recorded running in the node states: it is
      // over before an editor could show it (the run record and the events still say so).
      if (!knownFast(node.taskName)) writeState(inst, "running");
      const retries = node.task.options.retries ?? 0;
      let lastError: unknown;
      for (let attempt = 1; attempt <= retries + 1; attempt++) {
        if (stopper.signal.aborted) throw new StopRequested();
        inst.record.attempts = attempt;
        inst.record.status = "running";
        if (emitting) emit({ type: "node-started", runId, node: node.id, ...(inst.variant !== undefined ? { variant: inst.variant } : {}), attempt });
        saveRun();
        const trial = new Attempt();
        attempts.add(trial);
        const timeoutMs = node.task.options.timeoutMs;
        const timer = timeoutMs ? setTimeout(() => trial.abort(new TimedOut(timeoutMs)), timeoutMs) : undefined;
        try {
          const ctx = {
            get signal() {
              return trial.signal;
            },
            log: (...args: unknown[]) => log(inst, args.map((a) => (typeof a === "string" ? a : safeInspect(a))).join(" ")),
            progress: (fraction: number) => {
              if (typeof fraction === "number" && Number.isFinite(fraction)) {
                emit({ type: "node-progress", runId, node: node.id, ...(inst.variant !== undefined ? { variant: inst.variant } : {}), fraction: Math.min(1, Math.max(0, fraction)) });
              }
            },
            runId,
            node: node.id,
            attempt,
            config: configFor(config, node.id, node.taskName),
          };
          if (!knownFast(node.taskName)) writer.flush();
          const attemptStarted = performance.now();
          let output: unknown;
          try {
            output = await abortable(() => node.task.fn(input, ctx), trial, graceMs);
          } finally {
            let speed = speeds.get(node.taskName);
            if (!speed) speeds.set(node.taskName, (speed = new TaskSpeed()));
            speed.add(performance.now() - attemptStarted);
          }
          // Not an object of named outputs: this attempt failed, like one that threw.
          checkTaskResult(node.taskName, output);
          const finished = Date.now();
          const finishedAt = isoTime(finished);
          let out: PreparedOutput;
          try {
            out = store.prepareOutput(
              key,
              output ?? null,
              { task: node.taskName, fingerprint: inst.record.fingerprint, createdAt: finishedAt, runId, node: node.id, durationMs: finished - started },
              "output",
            );
          } catch (error) {
            throw new FlowsmithError(`${errorMessage(error)} — outputs are stored as JSON`);
          }
          // Downstream nodes get the value now, as it reads back from the store; this node is
          // complete once its file is on disk — the writer then records its state — and the lock
          // (if any) is released then.
          const complete = nodeState(inst, "complete", { finishedAt, durationMs: finished - started });
          // (Its failure is reported by the node that awaits it; the handler here marks it handled.)
          const durable = store.commitOutput(out, writer, { journal, line: stateLine(complete) });
          unlockLater = true;
          return { key, meta: out.meta, value: { v: out.stored }, durable, finishedAt, finishedMs: finished };
        } catch (error) {
          if (stopper.signal.aborted) throw new StopRequested();
          lastError = error;
          const message = error instanceof TimedOut ? error.message : describeUserError(error);
          log(inst, `attempt ${attempt} failed: ${message}`);
          if (attempt <= retries) log(inst, `retrying (${attempt}/${retries})`);
        } finally {
          if (timer) clearTimeout(timer);
          attempts.delete(trial);
        }
      }
      throw lastError;
    } finally {
      if (!unlockLater) release(key);
    }
  };

  /** Decide and do what one instance needs once its upstream is done. */
  /**
   * Do `work` for an instance; if an upstream output it reads turns out missing or corrupt (the
   * store discards such outputs), recompute that upstream node and try again.
   */
  const withRecovery = async <T>(inst: Instance, work: () => Promise<T>): Promise<T> => {
    for (let tries = 0; ; tries++) {
      try {
        return await work();
      } catch (error) {
        if (!(await recovered(inst, error, tries))) throw error;
      }
    }
  };

  /** `error` came from work for `inst`: if an upstream's output was missing or corrupt, recompute it and say to try again. */
  const recovered = async (inst: Instance, error: unknown, tries: number): Promise<boolean> => {
    if (!(error instanceof UpstreamCorrupt) || tries >= 3) return false;
    const up = inst.deps.find((d) => d.node.id === error.node);
    const upKey = up?.record.cacheKey;
    if (!up || !upKey) return false;
    log(up, "its stored output was missing or corrupt: recomputing it");
    const upResolver = new InputResolver(store, (id) => up.deps.find((d) => d.node.id === id)?.upstream);
    sharedByKey.delete(upKey);
    const again = await withRecovery(up, () => execute(up, upKey, upResolver));
    up.upstream = again;
    if (again.durable) {
      const durable = again.durable;
      inFlight.add(durable);
      const stored = () => {
        release(upKey);
        inFlight.delete(durable);
      };
      durable.then(stored, stored);
    }
    up.record.cached = false;
    if (inst.record.cacheKey) sharedByKey.delete(inst.record.cacheKey);
    return true;
  };

  /**
   * Record an instance's completion (`complete`) once `own` (its output being stored) and its
   * upstream nodes' completions are done — at once when nothing is pending. `stored` is told how
   * `own` went (an error, or undefined) and says whether the node can still complete. One promise
   * per node waits for all that (10,000 nodes can be in flight: each promise, closure and context
   * kept per node is copied by every garbage collection while they are).
   */
  const afterUpstream = (inst: Instance, complete: () => void, own?: Promise<void>, stored?: (error?: unknown) => boolean) => {
    let pending: Promise<void>[] | undefined;
    for (const d of inst.deps) if (d.finalized) (pending ??= []).push(d.finalized);
    if (!own && !pending) return complete();
    writesInFlight++;
    const settle = (ok: boolean) => {
      try {
        // An upstream node whose output could not be stored after this one started: this one
        // counts as skipped, as if it had waited (its output, stored by content, does no harm).
        const failed = inst.deps.find((d) => d.record.status === "failed" || d.record.status === "skipped");
        if (failed && ok) {
          writeState(inst, "skipped", { error: `upstream ${failed.node.id} did not complete` });
          finish(inst, "skipped", { error: `upstream ${failed.node.id} did not complete` });
        } else if (ok) complete();
      } catch (error) {
        writeProblems.push(`could not record ${inst.node.id} as finished: ${errorMessage(error)}`);
      } finally {
        if (inst.finalized === p) inst.finalized = undefined;
        if (--writesInFlight === 0) whenWritesDone?.();
        onWriteSettled();
      }
    };
    // What `own` came to. Never throws: a bookkeeping failure (a full disk under the run record)
    // is reported with the run, and the count above still comes down — the run waits for it.
    const ownOk = (error?: unknown): boolean => {
      try {
        return stored ? stored(error) : error === undefined;
      } catch (problem) {
        writeProblems.push(`could not record ${inst.node.id} as stored: ${errorMessage(problem)}`);
        if (error !== undefined) Object.assign(inst.record, { status: "failed", error: `its output could not be stored: ${errorMessage(error)}` });
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
    inst.finalized = p;
  };

  const process1 = async (inst: Instance) => {
    try {
      // withRecovery(inst, () => processOnce(inst)), without two more promises per node.
      for (let tries = 0; ; tries++) {
        try {
          await processOnce(inst);
          break;
        } catch (error) {
          if (!(await recovered(inst, error, tries))) throw error;
        }
      }
    } catch (error) {
      const message = describeUserError(error);
      log(inst, message);
      finish(inst, "failed", { error: message, finishedAt: isoTime(Date.now()) });
      writeState(inst, "failed", { error: message });
    }
  };

  const processOnce = async (inst: Instance) => {
    const { node } = inst;
    // Released when its upstream's value was ready, but that upstream's output could not be stored.
    const failed = inst.deps.find((d) => d.record.status === "failed" || d.record.status === "skipped");
    if (failed) {
      finish(inst, "skipped", { error: `upstream ${failed.node.id} did not complete` });
      return;
    }
    const resolver = new InputResolver(store, (id) => inst.deps.find((d) => d.node.id === id)?.upstream);
    let key: string;
    try {
      inst.inputHashes = resolver.hashes(node);
      key = cacheKey(node, inst.record.fingerprint, inst.inputHashes);
    } catch (error) {
      if (error instanceof UpstreamCorrupt) throw error;
      const message = describeUserError(error);
      log(inst, message);
      finish(inst, "failed", { error: message, finishedAt: isoTime(Date.now()) });
      writeState(inst, "failed", { error: message });
      return;
    }
    inst.record.cacheKey = key;
    const cacheable = node.task.options.cache !== false;
    if (!inst.forced && cacheable) {
      const found = store.readMetaWithData(key);
      if (found) {
        const { meta } = found;
        inst.upstream = { key, meta, data: found.data };
        inst.available = true;
        const state = priorStates.get(node.id);
        afterUpstream(inst, () => {
          if (state?.status !== "complete" || state.cacheKey !== key) writeState(inst, "complete", { durationMs: meta.durationMs });
          finish(inst, "complete", { cached: true, durationMs: 0 });
        });
        return;
      }
    }
    let shared = sharedByKey.get(key);
    const isOwner = !shared || inst.forced || !cacheable;
    if (isOwner) {
      shared = execute(inst, key, resolver);
      if (cacheable) sharedByKey.set(key, shared);
    }
    try {
      const upstream = await shared!;
      inst.upstream = upstream;
      inst.available = true;
      const done = () => {
        const finishedMs = (isOwner && upstream.finishedMs) || Date.now();
        const finishedAt = (isOwner && upstream.finishedAt) || isoTime(finishedMs);
        const durationMs = isOwner && inst.startedMs !== undefined ? finishedMs - inst.startedMs : 0;
        const ran = isOwner && upstream.value !== undefined;
        // The writer recorded the state of the node that computed the output, right after it.
        if (!(isOwner && upstream.durable)) writeState(inst, "complete", { finishedAt, durationMs });
        finish(inst, "complete", ran ? { durationMs, finishedAt } : { cached: true, durationMs: 0, finishedAt });
      };
      // Downstream nodes may start now; this one is complete when its output is on disk, and
      // after its upstream nodes are (no node is ever shown complete before its upstream).
      const stored = (error?: unknown) => {
        // The node that computed it releases its key (its lock, if any) once it is on disk.
        if (isOwner) release(key);
        if (error === undefined) return true;
        const message = `its output could not be stored: ${errorMessage(error)}`;
        log(inst, message);
        const finishedAt = isoTime(Date.now());
        writeState(inst, "failed", { finishedAt, error: message });
        finish(inst, "failed", { finishedAt, error: message });
        return false;
      };
      afterUpstream(inst, done, upstream.durable, stored);
    } catch (error) {
      if (error instanceof UpstreamCorrupt && !stopper.signal.aborted) throw error;
      const finishedMs = Date.now();
      const finishedAt = isoTime(finishedMs);
      const durationMs = inst.startedMs !== undefined ? finishedMs - inst.startedMs : 0;
      if (error instanceof StopRequested || stopper.signal.aborted) {
        if (inst.record.startedAt) {
          writeState(inst, "stopped", { finishedAt, durationMs });
          finish(inst, "stopped", { finishedAt, durationMs, error: "stopped" });
        } else {
          inst.record.status = "pending";
        }
        return;
      }
      const message = error instanceof TimedOut ? error.message : describeUserError(error);
      writeState(inst, "failed", { finishedAt, durationMs, error: message });
      finish(inst, "failed", { finishedAt, durationMs, error: message });
    }
  };

  // The scheduler: each instance waits for a count of unfinished upstream nodes; when it reaches
  // zero the instance is ready. A failed or skipped node skips its downstream; a stop leaves the
  // rest pending. O(nodes + edges) overall.
  await new Promise<void>((resolve) => {
    const dependents = new Map<Instance, Instance[]>();
    const waiting = new Map<Instance, number>();
    for (const inst of instances) {
      waiting.set(inst, inst.deps.length);
      for (const d of inst.deps) {
        let list = dependents.get(d);
        if (!list) dependents.set(d, (list = []));
        list.push(inst);
      }
    }
    const ready: Instance[] = instances.filter((i) => i.deps.length === 0);
    let head = 0;
    let running = 0;
    let settled = 0;
    const total = instances.length;
    let resolved = false;
    /** An instance reached its final status: release or skip what waits on it. */
    const settle = (first: Instance) => {
      const stack = [first];
      while (stack.length) {
        const inst = stack.pop()!;
        settled++;
        const ok = inst.record.status === "complete" || inst.available === true;
        const blocked = inst.record.status === "failed" || inst.record.status === "skipped";
        for (const dep of dependents.get(inst) ?? []) {
          if (dep.record.status === "skipped") continue;
          if (ok) {
            const left = waiting.get(dep)! - 1;
            waiting.set(dep, left);
            if (left === 0) ready.push(dep);
          } else if (blocked) {
            finish(dep, "skipped", { error: `upstream ${inst.node.id} did not complete` });
            stack.push(dep);
          }
        }
      }
    };
    const pump = () => {
      while (!stopper.signal.aborted && running < concurrency && writesInFlight < MAX_OUTPUT_WRITES && writer.charsInFlight < MAX_OUTPUT_CHARS && head < ready.length) {
        const inst = ready[head++]!;
        running++;
        void process1(inst).finally(() => {
          running--;
          if (inst.record.status !== "pending" || inst.available) settle(inst);
          pump();
        });
      }
      const exhausted = stopper.signal.aborted || head >= ready.length;
      if (!resolved && running === 0 && (exhausted || settled >= total)) {
        resolved = true;
        resolve();
      }
    };
    stopper.signal.addEventListener("abort", () => pump(), { once: true });
    onWriteSettled = pump;
    pump();
  });
  // Outputs and states still being written: the run is over when they are on disk.
  if (writesInFlight > 0) await new Promise<void>((resolve) => (whenWritesDone = resolve));
  while (inFlight.size) await Promise.allSettled([...inFlight]);

  clearInterval(poll);
  store.stopListing();
  try {
    await writer.close();
  } catch (error) {
    writeProblems.push(`could not record node states: ${errorMessage(error)}`);
  }
  store.unregisterRun(runId);
  try {
    store.compactStates(prepared.target, runId, !damagedStates);
  } catch (error) {
    writeProblems.push(`could not fold the node states of ${prepared.target}: ${errorMessage(error)}`);
  }
  clearInterval(flusher);
  options.stop?.removeEventListener("abort", onStop);

  const summary = summarize(instances);
  const finishedAt = new Date();
  run.summary = summary;
  run.status = stopper.signal.aborted ? "stopped" : summary.failed > 0 ? "failed" : summary.leftPending > 0 ? "failed" : "complete";
  run.finishedAt = finishedAt.toISOString();
  run.durationMs = finishedAt.getTime() - startedAt.getTime();
  if (run.status === "complete") {
    try {
      run.outputs = graphs.map((graph, variant) => resolveOutputs(graph.outputs, instances.filter((i) => (i.variant ?? 0) === variant), store));
    } catch (error) {
      run.error = `could not collect the workflow's outputs: ${errorMessage(error)}`;
    }
  }
  if (writeProblems.length) {
    const shown = writeProblems.slice(0, 3).join("; ") + (writeProblems.length > 3 ? ` (and ${writeProblems.length - 3} more)` : "");
    run.error = run.error ? `${run.error}; ${shown}` : shown;
  }
  store.writeRun(run);
  emit({ type: "run-finished", runId, status: run.status, durationMs: run.durationMs, summary });
  return run;
}

/** `--config trian.lr=…` names no node or task: say so rather than ignore it. */
function checkConfigNodes(config: Record<string, Record<string, unknown>>, graphs: Graph[]): void {
  const names = new Set<string>(["*"]);
  for (const g of graphs) for (const n of g.nodes.values()) names.add(n.id).add(n.taskName);
  for (const key of Object.keys(config)) {
    if (!names.has(key)) {
      throw new FlowsmithError(`--config ${key}.…: no node or task named "${key}"${hint(key, [...names].filter((n) => n !== "*"))}; use NODE.key=value or *.key=value`);
    }
  }
}

function summarize(instances: Instance[]): RunSummary {
  const count = (pred: (r: NodeRecord) => boolean) => instances.filter((i) => pred(i.record)).length;
  const skipped = count((r) => r.status === "skipped");
  return {
    scheduled: instances.length,
    completeEncountered: count((r) => r.status === "complete" && r.cached === true),
    ranSuccessfully: count((r) => r.status === "complete" && !r.cached),
    failed: count((r) => r.status === "failed"),
    stopped: count((r) => r.status === "stopped"),
    skipped,
    leftPending: skipped + count((r) => r.status === "pending"),
  };
}

function resolveOutputs(binding: Binding, instances: Instance[], store: Store): unknown {
  const byId = new Map(instances.map((i) => [i.node.id, i]));
  const value = (b: Binding): unknown => {
    switch (b.kind) {
      case "value":
        return b.value;
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

/** How long a task's last FAST_TASK_SAMPLES attempts took; `fast` when their median is ≤ FAST_TASK_MS. */
export class TaskSpeed {
  private readonly samples: number[] = [];
  private next = 0;
  fast = false;

  add(ms: number): void {
    if (this.samples.length < FAST_TASK_SAMPLES) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % FAST_TASK_SAMPLES;
    // Fewer than half the samples over the bound (no sort: at most 5 numbers).
    let over = 0;
    for (const s of this.samples) if (!(s <= FAST_TASK_MS)) over++;
    this.fast = over * 2 < this.samples.length;
  }
}

/**
 * One attempt of a task: it is aborted by a stop or its timeout. Its AbortSignal is made only when
 * the task asks for it (most never do; one per node costs a 10,000-node run ~40 ms).
 */
class Attempt {
  private controller: AbortController | undefined;
  /** Why it was aborted (set once). */
  reason: unknown;
  aborted = false;
  /** Called once when it is aborted (abortable's grace period). */
  onAbort: (() => void) | undefined;

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
  }
}

/** Await the task, but give up `graceMs` after the attempt is aborted if the task ignores it. */
function abortable<T>(start: () => T | Promise<T>, attempt: Attempt, graceMs: number): Promise<T> {
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

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function safeInspect(value: unknown): string {
  try {
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  } catch {
    return String(value);
  }
}
