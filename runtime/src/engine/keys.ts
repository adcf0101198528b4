/**
 * Cache keys: hash(task name, task version, code fingerprint, content hash of each input).
 * An input bound to an upstream output hashes that output's content, so equal data gives equal
 * keys whichever node produced it.
 */
import { fingerprintTasks, fingerprintText } from "../analysis/fingerprint.js";
import type { Binding, GraphNode } from "../graph/model.js";
import type { LoadedFlows } from "../loader/load.js";
import { contentHash, sha256, sortedKeys } from "../store/hash.js";
import type { OutputMeta } from "../store/records.js";
import type { Store } from "../store/store.js";
import { FlowsmithError, hint } from "../util/errors.js";

/** Fingerprint of every task the flow file can reach, by task name. */
export function taskFingerprints(flows: LoadedFlows): Map<string, string> {
  const found = fingerprintTasks(flows.file);
  const out = new Map<string, string>();
  for (const [name, impl] of flows.tasks) {
    out.set(name, found.get(name)?.fingerprint ?? fingerprintText(String(impl.fn)));
  }
  return out;
}

export function fingerprintOf(fps: Map<string, string>, node: GraphNode): string {
  return fps.get(node.taskName) ?? fingerprintText(String(node.task.fn));
}

export function cacheKey(node: GraphNode, fingerprint: string, inputHashes: Record<string, string>): string {
  return sha256(cacheKeyText(node.taskName, node.task.options.version ?? "", fingerprint, inputHashes));
}

/**
 * What a cache key hashes: exactly canonicalJson({ task, version, fingerprint, inputs }), spelled
 * out for its one shape (a key is made per node of every run; test/unit/engine-pure checks the
 * two agree).
 */
export function cacheKeyText(task: string, version: string, fingerprint: string, inputs: Record<string, string>): string {
  let fields = "";
  for (const name of sortedKeys(inputs)) {
    const hash = inputs[name];
    if (hash === undefined) continue;
    fields += `${fields ? "," : ""}${JSON.stringify(name)}:${JSON.stringify(hash)}`;
  }
  return `{"fingerprint":${JSON.stringify(fingerprint)},"inputs":{${fields}},"task":${JSON.stringify(task)},"version":${JSON.stringify(version)}}`;
}

/** An upstream output that should be in the store is missing or corrupt: the engine recomputes it. */
export class UpstreamCorrupt extends Error {
  constructor(readonly node: string) {
    super(`the stored output of ${node} is missing or corrupt`);
  }
}

/** A finished upstream node as downstream inputs see it. */
export interface Upstream {
  key: string;
  meta: OutputMeta;
  /** Loaded on demand: cached nodes whose downstream is also cached never read their data. */
  value?: { v: unknown };
  /** Set when the output was just computed: settles once its data and meta are on disk. */
  durable?: Promise<void>;
  /** When the task that computed it returned (ISO text, and Date.now()). */
  finishedAt?: string;
  finishedMs?: number;
}

/** Resolves input bindings against finished upstream nodes, to hashes (cheap) or values. */
export class InputResolver {
  constructor(
    private readonly store: Store,
    private readonly upstream: (nodeId: string) => Upstream | undefined,
  ) {}

  hashes(node: GraphNode): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of Object.keys(node.inputs)) out[name] = this.hash(node, name, node.inputs[name]!);
    return out;
  }

  values(node: GraphNode): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(node.inputs)) out[name] = this.value(node, name, node.inputs[name]!);
    return out;
  }

  private hash(node: GraphNode, input: string, b: Binding): string {
    if (b.kind === "value") return contentHash(b.value);
    if (b.kind === "ref") {
      const up = this.require(node, input, b.node);
      if (b.path.length === 0) return up.meta.outputHash;
      if (b.path.length === 1) {
        const h = up.meta.fieldHashes[b.path[0]!];
        if (h === undefined) this.unknownOutput(node, input, b, up);
        return h!;
      }
    }
    return contentHash(this.value(node, input, b));
  }

  private value(node: GraphNode, input: string, b: Binding): unknown {
    switch (b.kind) {
      case "value":
        return b.value;
      case "object":
        return Object.fromEntries(Object.entries(b.fields).map(([k, f]) => [k, this.value(node, input, f)]));
      case "array":
        return b.items.map((f) => this.value(node, input, f));
      case "ref": {
        const up = this.require(node, input, b.node);
        if (!up.value) {
          const read = this.store.readOutput(up.key);
          if (!read) throw new UpstreamCorrupt(b.node);
          up.value = { v: read.value };
        }
        let v = up.value.v;
        for (const [i, field] of b.path.entries()) {
          if (v === null || typeof v !== "object" || !(field in (v as object))) {
            this.unknownOutput(node, input, { ...b, path: b.path.slice(0, i + 1) }, up);
          }
          v = (v as Record<string, unknown>)[field];
        }
        return v;
      }
    }
  }

  private require(node: GraphNode, input: string, upstreamId: string): Upstream {
    const up = this.upstream(upstreamId);
    if (!up) throw new Error(`node ${node.id} input "${input}": upstream ${upstreamId} has no output yet`);
    return up;
  }

  private unknownOutput(node: GraphNode, input: string, b: Extract<Binding, { kind: "ref" }>, up: Upstream): never {
    const have = Object.keys(up.meta.fieldHashes);
    const field = b.path.at(-1)!;
    throw new FlowsmithError(
      `node ${node.id} input "${input}": ${b.node} has no output "${b.path.join(".")}"${hint(field, have)}` +
        (have.length ? `; it produces ${have.join(", ")}` : ""),
      "FS005",
    );
  }
}
