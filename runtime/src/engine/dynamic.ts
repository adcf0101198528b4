/**
 * Map and when nodes at run time (DESIGN "Dynamic shapes"). A map node expands once its list is
 * known: one element `ID[i]` a list element, each an ordinary node of the task (its cache key the
 * task's with that element's inputs), run through the same NodeRunner with at most `concurrency`
 * in flight; the map's output is the elements' outputs as lists. A when node resolves its subject,
 * chooses a branch, and stores the chosen branch's outputs; nodes of the branches not taken are
 * skipped ("branch not taken") as they come up (`taken`).
 */
import type { GraphNode, WhenBranch, WhenSpec, WhenTest } from "../graph/model.js";
import type { NodeRecord } from "@flowsmith/contract";
import type { Store } from "../store/store.js";
import { canonicalJson, sha256 } from "../store/hash.js";
import { errorMessage, FlowsmithError } from "../util/errors.js";
import { isoTime } from "../util/time.js";
import type { Completions } from "./completions.js";
import { cacheKeyText, type InputResolver } from "./keys.js";
import type { NodeLogs } from "./nodeLogs.js";
import type { NodeStates } from "./nodeStates.js";
import type { NodeRun } from "./plan.js";
import type { RunRecorder } from "./runRecord.js";

/** Why a node of a branch that did not run is skipped. */
export const NOT_TAKEN = "branch not taken";

const same = (a: unknown, b: unknown) => {
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
};

function ordered(a: unknown, b: unknown): number | undefined {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

export function matches(test: WhenTest, subject: unknown): boolean {
  if (test.op === "in") return test.values.some((v) => same(v, subject));
  if (test.op === "eq") return same(test.value, subject);
  if (test.op === "ne") return !same(test.value, subject);
  const c = ordered(subject, test.value);
  if (c === undefined) return false;
  return test.op === "gt" ? c > 0 : test.op === "gte" ? c >= 0 : test.op === "lt" ? c < 0 : c <= 0;
}

/** The branch a subject value chooses: the first whose test matches, else `otherwise`, else none. */
export function chooseBranch(spec: WhenSpec, subject: unknown): WhenBranch | undefined {
  return spec.branches.find((b) => !b.test || matches(b.test, subject));
}

/** Whether every branch `node` sits in is the one its when chooses (its subjects must be resolvable). */
export function taken(node: GraphNode, resolver: InputResolver): boolean {
  for (const gate of node.gates ?? []) {
    const subject = resolver.valueOf(node, `when ${gate.when}`, gate.spec.subject);
    if (chooseBranch(gate.spec, subject)?.label !== gate.label) return false;
  }
  return true;
}

/** The element nodes of a map node over `list`: the task with the mapped input bound to each element. */
export function mapElements(node: GraphNode, list: unknown[]): GraphNode[] {
  const input = node.map!.input;
  return list.map((value, i) => ({
    id: `${node.id}[${i}]`,
    task: node.task,
    impl: node.impl,
    inputs: { ...node.inputs, [input]: { kind: "value", value } },
    deps: node.deps,
    scope: node.scope,
  }));
}

/** A map node's list, checked: a one-line error when it is not a list. */
export function mapList(node: GraphNode, resolver: InputResolver): unknown[] {
  const input = node.map!.input;
  const list = resolver.valueOf(node, input, node.inputs[input]!);
  if (!Array.isArray(list)) {
    throw new FlowsmithError(`map ${node.id}: each() over input "${input}" needs a list, but it is ${list === null ? "null" : typeof list}`, "FS014");
  }
  return list;
}

/** A map node's cache key: its task's, over its elements' keys (one more element, another key). */
export function mapKey(node: GraphNode, fingerprint: string, elementKeys: string[]): string {
  return sha256(cacheKeyText(`map:${node.task}`, node.impl.options.version ?? "", fingerprint, { elements: sha256(elementKeys.join(",")) }));
}

/** A when node's cache key: the branch chosen and the content of its outputs. */
export function whenKey(label: string, outputHashes: Record<string, string>): string {
  return sha256(cacheKeyText("when", "", "when", { ...outputHashes, "": sha256(label) }));
}

/** The map's output: each named output of the elements as a list (`null` for a failed element). */
export function mapOutput(values: unknown[]): Record<string, unknown[]> {
  const fields: string[] = [];
  const seen = new Set<string>();
  for (const v of values) {
    if (v && typeof v === "object") for (const k of Object.keys(v)) if (!seen.has(k)) seen.add(k), fields.push(k);
  }
  return Object.fromEntries(fields.map((f) => [f, values.map((v) => (v && typeof v === "object" ? ((v as Record<string, unknown>)[f] ?? null) : null))]));
}

export interface DynamicParts {
  store: Store;
  runId: string;
  stop: AbortSignal;
  recorder: RunRecorder;
  states: NodeStates;
  logs: NodeLogs;
  completions: Completions;
  /** The run's --concurrency: a map's elements in flight stay within it. */
  concurrency: number;
  /** Bring an element to its final status (NodeRunner.run). */
  runElement(run: NodeRun): Promise<void>;
  /** The run's slots: a map's first element runs in the map node's own, the others in borrowed ones. */
  slots?: { tryBorrow(): boolean; giveBack(): void };
}

/** Runs map and when nodes (NodeRunner hands them here once their upstream is done). */
export class DynamicNodes {
  constructor(private readonly parts: DynamicParts) {}

  /** Expand, run the elements, and store the lists (or fail below minSuccessRatio). */
  async runMap(run: NodeRun, resolver: InputResolver): Promise<void> {
    const { node } = run;
    const { recorder, store, stop } = this.parts;
    const list = mapList(node, resolver);
    run.inputHashes = resolver.hashes(node);
    const started = Date.now();
    run.startedMs = started;
    run.record.startedAt = isoTime(started);
    // The map node's own node-started; its progress is the share of its elements settled.
    recorder.attemptStarted(run, 1);
    const elements: NodeRun[] = mapElements(node, list).map((el) => ({
      node: el,
      ...(run.variant !== undefined ? { variant: run.variant } : {}),
      record: { id: el.id, ...(run.variant !== undefined ? { variant: run.variant } : {}), task: el.task, status: "pending", fingerprint: run.record.fingerprint, deps: node.deps, attempts: 0 } as NodeRecord,
      deps: run.deps,
      forced: run.forced,
      logBytes: 0,
    }));
    recorder.addNodes(elements);
    await this.runElements(run, elements);
    if (stop.aborted) {
      run.record.status = "pending";
      return;
    }
    const ok = elements.filter((e) => e.available === true && e.upstream);
    const done = ok.length;
    run.record.map = { done, total: elements.length };
    const ratio = elements.length === 0 ? 1 : done / elements.length;
    const { minSuccessRatio } = node.map!;
    if (ratio < minSuccessRatio) {
      const need = Math.ceil(minSuccessRatio * elements.length);
      throw new FlowsmithError(`${elements.length - done} of ${elements.length} elements failed; minSuccessRatio ${minSuccessRatio} needs ${need} to succeed`);
    }
    for (const e of elements) if (!(e.available && e.upstream)) e.tolerated = true;
    const key = mapKey(node, run.record.fingerprint, elements.map((e) => e.record.cacheKey ?? ""));
    run.record.cacheKey = key;
    const allCached = done === elements.length && ok.every((e) => !e.upstream!.value && !e.upstream!.durable);
    if (allCached && !run.forced) {
      const found = store.readMetaWithData(key);
      if (found) return this.cached(run, key, found);
    }
    const values = elements.map((e) => {
      const up = e.upstream;
      if (!(e.available && up)) return null;
      return up.value ? up.value.v : (store.readOutput(up.key, up)?.value ?? null);
    });
    this.commit(run, key, mapOutput(values), started);
  }

  /**
   * Run a map's elements: at most its `concurrency` at once, and within the run's: the first in
   * the map node's own slot, each other one in a slot borrowed from the scheduler while one is
   * free (so the run's --concurrency holds across maps and plain nodes together).
   */
  private runElements(run: NodeRun, elements: NodeRun[]): Promise<void> {
    const { stop, recorder, slots } = this.parts;
    const limit = Math.max(1, Math.min(run.node.map!.concurrency ?? Infinity, this.parts.concurrency));
    let next = 0;
    let active = 0;
    let borrowed = 0;
    let settled = 0;
    let reported = 0;
    return new Promise<void>((resolve) => {
      const launch = () => {
        while (next < elements.length && !stop.aborted && active < limit) {
          if (active > 0 && slots) {
            if (!slots.tryBorrow()) break;
            borrowed++;
          }
          active++;
          void this.parts.runElement(elements[next++]!).then(() => {
            active--;
            const fraction = ++settled / elements.length;
            if (fraction - reported >= 0.01 || settled === elements.length) recorder.progress(run, (reported = fraction));
            if (borrowed > 0) {
              borrowed--;
              slots!.giveBack();
            }
            launch();
          });
        }
        if (active === 0 && (next >= elements.length || stop.aborted)) resolve();
      };
      launch();
    });
  }

  /** Choose the branch and store its outputs as the when node's. */
  runWhen(run: NodeRun, resolver: InputResolver): void {
    const { node } = run;
    const spec = node.when!;
    const subject = resolver.valueOf(node, "subject", spec.subject);
    const branch = chooseBranch(spec, subject);
    if (!branch) {
      let shown: string;
      try {
        shown = canonicalJson(subject);
      } catch {
        shown = String(subject);
      }
      throw new FlowsmithError(`when() ${node.id}: no branch matches ${shown} (branches: ${spec.branches.map((b) => b.label).join(", ")}); add .otherwise(() => ({ ... }))`);
    }
    run.record.chosen = branch.label;
    const hashes: Record<string, string> = {};
    const value: Record<string, unknown> = {};
    for (const [name, b] of Object.entries(branch.outputs)) {
      hashes[name] = resolver.hashOf(node, name, b);
      value[name] = resolver.valueOf(node, name, b);
    }
    run.inputHashes = hashes;
    const key = whenKey(branch.label, hashes);
    run.record.cacheKey = key;
    const found = run.forced ? undefined : this.parts.store.readMetaWithData(key);
    if (found) return this.cached(run, key, found);
    this.commit(run, key, value, Date.now());
  }

  private cached(run: NodeRun, key: string, found: { meta: import("@flowsmith/contract").OutputMeta; data?: string }): void {
    const { states, recorder, completions } = this.parts;
    run.upstream = { key, meta: found.meta, data: found.data };
    run.available = true;
    const state = states.prior.get(run.node.id);
    completions.after(run, () => {
      if (state?.status !== "complete" || state.cacheKey !== key) states.write(run, "complete", { durationMs: 0 });
      recorder.finish(run, "complete", { cached: true, durationMs: 0 });
    });
  }

  /** Store a map's or a when's output under `key`, as a task's is; complete once it is durable. */
  private commit(run: NodeRun, key: string, value: unknown, started: number): void {
    const { store, states, recorder, completions, logs, runId } = this.parts;
    const { node } = run;
    const finished = Date.now();
    const finishedAt = isoTime(finished);
    const durationMs = finished - started;
    const out = store.prepareOutput(key, value, { task: node.task, fingerprint: run.record.fingerprint, createdAt: finishedAt, runId, node: node.id, durationMs }, "output");
    const complete = states.line(run, "complete", { finishedAt, durationMs });
    const durable = store.commitOutput(out, states.writer, complete);
    run.upstream = { key, meta: out.meta, value: { v: out.stored }, durable, finishedAt, finishedMs: finished };
    run.available = true;
    completions.after(
      run,
      () => recorder.finish(run, "complete", { durationMs, finishedAt }),
      durable,
      (error?: unknown) => {
        if (error === undefined) return true;
        const message = `its output could not be stored: ${errorMessage(error)}`;
        logs.log(run, message);
        states.write(run, "failed", { finishedAt, error: message });
        recorder.finish(run, "failed", { finishedAt, error: message });
        return false;
      },
    );
  }
}
