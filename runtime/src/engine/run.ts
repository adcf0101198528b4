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
import { canonicalJson } from "../store/hash.js";
import { STORE_FORMAT, type NodeRecord, type NodeStatus, type RunRecord, type RunSummary } from "../store/records.js";
import { newRunId, shortHash, type Store } from "../store/store.js";
import { FlowsmithError, errorMessage, hint } from "../util/errors.js";
import type { EventSink } from "./events.js";
import { cacheKey, fingerprintOf, InputResolver, UpstreamCorrupt, type Upstream } from "./keys.js";
import { configFor, expandParamSets, parseConfig, parseMatrix, parseParamPairs, validateParams } from "./params.js";
import type { PreparedFlow } from "./prepare.js";

const LOG_LIMIT_BYTES = 10 * 1024 * 1024;

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
  logBytes: number;
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
  const runId = newRunId();
  const startedAt = new Date();
  const matrix = paramSets.length > 1;

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
    nodes: instances.map((i) => ({ id: i.node.id, ...(matrix ? { variant: i.variant } : {}), task: i.node.taskName, deps: i.node.deps, status: "pending" as NodeStatus })),
  });

  // Stop: the CLI's signal handlers, or a stop file written by `flowsmith stop` from elsewhere.
  const stopper = new AbortController();
  const onStop = () => stopper.abort(new StopRequested());
  options.stop?.addEventListener("abort", onStop, { once: true });
  if (options.stop?.aborted) onStop();
  const poll = setInterval(() => {
    if (store.stopRequested(runId)) onStop();
  }, 150);

  // Throttled rewrites of the run record: per-node writes would be quadratic on big graphs.
  let dirty = false;
  let lastWrite = 0;
  const saveRun = (force = false) => {
    dirty = true;
    const now = Date.now();
    if (force || now - lastWrite > 500) {
      store.writeRun(run);
      lastWrite = now;
      dirty = false;
    }
  };
  const flusher = setInterval(() => dirty && saveRun(true), 500);

  const sharedByKey = new Map<string, Promise<Upstream>>();
  const logDir = path.join(store.runDir(runId), "logs");
  fs.mkdirSync(logDir, { recursive: true });

  const writeState = (inst: Instance, status: NodeStatus, extra: Partial<NodeRecord> = {}) => {
    // Matrix variants share node ids: the editor shows the last one, which is what it can show.
    store.writeNodeState({
      target: prepared.target,
      node: inst.node.id,
      task: inst.node.taskName,
      status,
      fingerprint: inst.record.fingerprint,
      runId,
      pid: process.pid,
      ...(inst.record.cacheKey ? { cacheKey: inst.record.cacheKey } : {}),
      ...(inst.inputHashes ? { inputHashes: inst.inputHashes } : {}),
      ...(inst.record.startedAt ? { startedAt: inst.record.startedAt } : {}),
      ...(extra.finishedAt ? { finishedAt: extra.finishedAt } : {}),
      ...(extra.durationMs !== undefined ? { durationMs: extra.durationMs } : {}),
      ...(extra.error ? { error: extra.error } : {}),
    });
  };

  const finish = (inst: Instance, status: NodeStatus, extra: Partial<NodeRecord> = {}) => {
    Object.assign(inst.record, { status, ...extra });
    emit({
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

  /** Run one node's task (with retries) and store its output under `key`. */
  const execute = async (inst: Instance, key: string, resolver: InputResolver): Promise<Upstream> => {
    const { node } = inst;
    // Another run computing the same key: wait for it and use its output.
    while (!store.tryLock(key, runId)) {
      if (stopper.signal.aborted) throw new StopRequested();
      await sleep(100);
    }
    try {
      if (!inst.forced && node.task.options.cache !== false) {
        const meta = store.readMeta(key);
        if (meta) return { key, meta };
      }
      const input = resolver.values(node);
      const started = Date.now();
      inst.record.startedAt = new Date(started).toISOString();
      writeState(inst, "running");
      const retries = node.task.options.retries ?? 0;
      let lastError: unknown;
      for (let attempt = 1; attempt <= retries + 1; attempt++) {
        if (stopper.signal.aborted) throw new StopRequested();
        inst.record.attempts = attempt;
        inst.record.status = "running";
        emit({ type: "node-started", runId, node: node.id, ...(inst.variant !== undefined ? { variant: inst.variant } : {}), attempt });
        saveRun();
        const attemptController = new AbortController();
        const abortFromRun = () => attemptController.abort(stopper.signal.reason);
        stopper.signal.addEventListener("abort", abortFromRun, { once: true });
        const timeoutMs = node.task.options.timeoutMs;
        const timer = timeoutMs ? setTimeout(() => attemptController.abort(new TimedOut(timeoutMs)), timeoutMs) : undefined;
        try {
          const ctx = {
            signal: attemptController.signal,
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
          const output = await abortable(() => node.task.fn(input, ctx), attemptController.signal, graceMs);
          try {
            canonicalJson(output, "output");
          } catch (error) {
            throw new FlowsmithError(`${errorMessage(error)} — outputs are stored as JSON`);
          }
          const durationMs = Date.now() - started;
          // Downstream nodes get the output as it reads back from the store, so a run from cache
          // and a fresh run hand them the same thing.
          const { meta, stored } = store.writeOutputValue(key, output ?? null, {
            task: node.taskName,
            fingerprint: inst.record.fingerprint,
            createdAt: new Date().toISOString(),
            runId,
            node: node.id,
            durationMs,
          });
          return { key, meta, value: { v: stored } };
        } catch (error) {
          if (stopper.signal.aborted) throw new StopRequested();
          lastError = error;
          const message = error instanceof TimedOut ? error.message : describeUserError(error);
          log(inst, `attempt ${attempt} failed: ${message}`);
          if (attempt <= retries) log(inst, `retrying (${attempt}/${retries})`);
        } finally {
          if (timer) clearTimeout(timer);
          stopper.signal.removeEventListener("abort", abortFromRun);
        }
      }
      throw lastError;
    } finally {
      store.unlock(key);
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
        if (!(error instanceof UpstreamCorrupt) || tries >= 3) throw error;
        const up = inst.deps.find((d) => d.node.id === error.node);
        const upKey = up?.record.cacheKey;
        if (!up || !upKey) throw error;
        log(up, "its stored output was missing or corrupt: recomputing it");
        const upResolver = new InputResolver(store, (id) => up.deps.find((d) => d.node.id === id)?.upstream);
        sharedByKey.delete(upKey);
        up.upstream = await withRecovery(up, () => execute(up, upKey, upResolver));
        up.record.cached = false;
        if (inst.record.cacheKey) sharedByKey.delete(inst.record.cacheKey);
      }
    }
  };

  const process1 = async (inst: Instance) => {
    try {
      await withRecovery(inst, () => processOnce(inst));
    } catch (error) {
      const message = describeUserError(error);
      log(inst, message);
      finish(inst, "failed", { error: message, finishedAt: new Date().toISOString() });
      writeState(inst, "failed", { error: message });
    }
  };

  const processOnce = async (inst: Instance) => {
    const { node } = inst;
    const resolver = new InputResolver(store, (id) => inst.deps.find((d) => d.node.id === id)?.upstream);
    let key: string;
    try {
      inst.inputHashes = resolver.hashes(node);
      key = cacheKey(node, inst.record.fingerprint, inst.inputHashes);
    } catch (error) {
      if (error instanceof UpstreamCorrupt) throw error;
      const message = describeUserError(error);
      log(inst, message);
      finish(inst, "failed", { error: message, finishedAt: new Date().toISOString() });
      writeState(inst, "failed", { error: message });
      return;
    }
    inst.record.cacheKey = key;
    const cacheable = node.task.options.cache !== false;
    if (!inst.forced && cacheable) {
      const meta = store.readMeta(key);
      if (meta) {
        inst.upstream = { key, meta };
        const state = store.readNodeState(prepared.target, node.id);
        if (state?.status !== "complete" || state.cacheKey !== key) writeState(inst, "complete", { durationMs: meta.durationMs });
        finish(inst, "complete", { cached: true, durationMs: 0 });
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
      const finishedAt = new Date().toISOString();
      const durationMs = isOwner && inst.record.startedAt ? Date.parse(finishedAt) - Date.parse(inst.record.startedAt) : 0;
      const ran = isOwner && upstream.value !== undefined;
      writeState(inst, "complete", { finishedAt, durationMs });
      finish(inst, "complete", ran ? { durationMs, finishedAt } : { cached: true, durationMs: 0, finishedAt });
    } catch (error) {
      if (error instanceof UpstreamCorrupt && !stopper.signal.aborted) throw error;
      const finishedAt = new Date().toISOString();
      const durationMs = inst.record.startedAt ? Date.parse(finishedAt) - Date.parse(inst.record.startedAt) : 0;
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
        const ok = inst.record.status === "complete";
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
      while (!stopper.signal.aborted && running < concurrency && head < ready.length) {
        const inst = ready[head++]!;
        running++;
        void process1(inst).finally(() => {
          running--;
          if (inst.record.status !== "pending") settle(inst);
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
    pump();
  });

  clearInterval(poll);
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
        let v = up.value ? up.value.v : store.readOutput(up.key)?.value;
        for (const p of b.path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
        return v;
      }
    }
  };
  return value(binding);
}

/** Await the task, but give up `graceMs` after the signal fires if the task ignores it. */
function abortable<T>(start: () => T | Promise<T>, signal: AbortSignal, graceMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => reject(signal.reason), graceMs);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const settle = () => {
      signal.removeEventListener("abort", onAbort);
      if (timer) clearTimeout(timer);
    };
    Promise.resolve()
      .then(start)
      .then(
        (v) => {
          settle();
          if (signal.aborted) reject(signal.reason);
          else resolve(v);
        },
        (e) => {
          settle();
          reject(signal.aborted ? signal.reason : e);
        },
      );
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
