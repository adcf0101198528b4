/**
 * Cache keys: hash(task name, task version, code fingerprint, content hash of each input).
 * An input bound to an upstream output hashes that output's content, so equal data gives equal
 * keys whichever node produced it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as Fingerprints from "../analysis/fingerprint.js";
import { FINGERPRINT_FORMAT } from "../analysis/fingerprint-format.js";
import type { Binding, GraphNode } from "../graph/model.js";
import type { LoadedFlows } from "../loader/load.js";
import { readJson, readTextFile, writeJsonAtomic } from "../store/files.js";
import { contentHash, sha256, sortedKeys } from "../store/hash.js";
import type { OutputMeta } from "@flowsmith/contract";
import type { Store } from "../store/store.js";
import { FlowsmithError, hint } from "../util/errors.js";
import { cacheEntry } from "../store/layout.js";
import { AssetHashes } from "../store/assets.js";
import { fileMappingPath } from "../store/blobs.js";

/**
 * The fingerprint analysis, and TypeScript with it (≈ 0.3 s to load), only when a fingerprint
 * must be computed: a run whose flow files did not change takes them from the cache below.
 */
let analysis: typeof Fingerprints | undefined;
function fingerprinting(): typeof Fingerprints {
  return (analysis ??= require("../analysis/fingerprint.js") as typeof Fingerprints);
}

/**
 * What cached fingerprints were computed from: every file the analysis read (its text's hash, or
 * null for a path it found missing — a module resolved elsewhere once it appears), and the source
 * hash of each task it could not see statically. The analysis is a pure function of those reads
 * (fingerprint.ts reads files only through its host), so equal reads give equal fingerprints.
 */
interface CachedFingerprints {
  format: string;
  typescript: string;
  /** What the loader told: the tasks by name with the file each was found defined in, and the modules it compiled. */
  loaded: string;
  reads: [file: string, hash: string | null][];
  /** Tasks fingerprinted from their function's text: that text's hash. */
  fromText: Record<string, string>;
  fingerprints: Record<string, string>;
}

function typescriptVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(require.resolve("typescript/package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** Local code (not an installed package under node_modules), which the analysis fingerprints. */
const isLocalFile = (file: string | undefined): file is string => !!file && !file.split(/[\\/]/).includes("node_modules");

/** The loader's part in which files are fingerprinted: compared whole when a cached entry is reused. */
function loadedKey(flows: LoadedFlows): string {
  const tasks = [...flows.tasks].map(([name, impl]) => [name, impl.file ?? null]).sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  return JSON.stringify({ tasks, modules: [...flows.modules].sort() });
}

/**
 * Fingerprint of every task the flow file can reach, by task name: every task the analysis finds
 * (exported or not — `const prep = task({ name: "prep" }, fn)` used in an exported workflow is a
 * node as well, and the editor fingerprints it where it is defined), and the loader's tasks it
 * cannot see statically by their function's text. With `cacheDir` (the store's cache/),
 * fingerprints are kept per flow file and reused while every file they were computed from reads
 * the same; the cache is an optimisation only: unreadable or stale entries are ignored.
 */
export function taskFingerprints(flows: LoadedFlows, cacheDir?: string): Map<string, string> {
  const cacheFile = cacheDir && cacheEntry(cacheDir, "fingerprints", `${sha256(flows.file).slice(0, 16)}.json`);
  const ts = typescriptVersion();
  const loaded = loadedKey(flows);
  const textHash = (name: string) => sha256(String(flows.tasks.get(name)!.fn));
  if (cacheFile) {
    const hit = readJson<CachedFingerprints>(cacheFile);
    if (hit.ok && cachedStillHolds(hit.value, flows, ts, loaded, textHash)) return new Map(Object.entries(hit.value.fingerprints));
  }
  const reads = new Map<string, string | null>();
  const fp = fingerprinting();
  const host = {
    readFile(file: string) {
      const text = readTextFile(file);
      reads.set(file, text === undefined ? null : sha256(text));
      return text;
    },
  };
  const found = fp.fingerprintTasks(flows.file, host);
  // A task the flow file reaches through an import the fingerprint analysis does not follow (a
  // `paths` alias, a monorepo's workspace package): fingerprinted in the file the loader found it
  // defined in, as the language server fingerprints every task in its own file. (An installed
  // package's task keeps the hash of its function's text.)
  const elsewhere = new Map<string, Map<string, Fingerprints.TaskFingerprint>>();
  const analysedFrom = (file: string) => {
    let tasks = elsewhere.get(file);
    if (!tasks) elsewhere.set(file, (tasks = fp.fingerprintTasks(file, host)));
    return tasks;
  };
  for (const [name, impl] of flows.tasks) {
    if (found.has(name) || !isLocalFile(impl.file)) continue;
    const there = analysedFrom(impl.file).get(name);
    if (there && path.resolve(there.file) === path.resolve(impl.file)) found.set(name, there);
  }
  // The tasks the modules reached that way define without exporting them (a `name` option makes
  // them nodes: a sub-flow from a workspace package may call one), fingerprinted in their files
  // too: the names the flow file's own analysis did not find.
  for (const file of flows.modules) {
    if (isLocalFile(file) && !reads.has(file)) analysedFrom(file);
  }
  for (const tasks of elsewhere.values()) for (const [name, t] of tasks) if (!found.has(name)) found.set(name, t);

  const out = new Map<string, string>();
  const fromText: Record<string, string> = {};
  for (const [name, t] of found) out.set(name, t.fingerprint);
  for (const [name, impl] of flows.tasks) {
    if (out.has(name)) continue;
    fromText[name] = textHash(name);
    out.set(name, fp.fingerprintText(String(impl.fn)));
  }
  if (cacheFile) {
    const entry: CachedFingerprints = { format: FINGERPRINT_FORMAT, typescript: ts, loaded, reads: [...reads], fromText, fingerprints: Object.fromEntries(out) };
    try {
      writeJsonAtomic(cacheFile, entry);
    } catch {
      /* a read-only or full store: fingerprints are computed again next time */
    }
  }
  return out;
}

function cachedStillHolds(c: CachedFingerprints, flows: LoadedFlows, ts: string, loaded: string, textHash: (name: string) => string): boolean {
  if (typeof c !== "object" || c === null || c.format !== FINGERPRINT_FORMAT || c.typescript !== ts || c.loaded !== loaded) return false;
  if (!Array.isArray(c.reads) || typeof c.fingerprints !== "object" || c.fingerprints === null || typeof c.fromText !== "object" || c.fromText === null) return false;
  // The same tasks from the loader (the analysis may have found more: unexported ones), each fingerprinted the same way.
  if ([...flows.tasks.keys()].some((n) => typeof c.fingerprints[n] !== "string")) return false;
  if (Object.values(c.fingerprints).some((f) => typeof f !== "string")) return false;
  for (const [name, hash] of Object.entries(c.fromText)) if (!flows.tasks.has(name) || textHash(name) !== hash) return false;
  for (const read of c.reads) {
    if (!Array.isArray(read) || typeof read[0] !== "string") return false;
    const text = readTextFile(read[0]);
    if ((text === undefined ? null : sha256(text)) !== read[1]) return false;
  }
  return true;
}

export function fingerprintOf(fps: Map<string, string>, node: GraphNode): string {
  if (node.kind === "when") return "when";
  return fps.get(node.task) ?? fingerprinting().fingerprintText(String(node.impl.fn));
}

export function cacheKey(node: GraphNode, fingerprint: string, inputHashes: Record<string, string>): string {
  return sha256(cacheKeyText(node.task, node.impl.options.version ?? "", fingerprint, inputHashes));
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

/**
 * What an input bound `via` something hashes: the file mapping's by the stored file's record (its
 * content hash, never where the store is), the cache key's by the key; marked, so an input given
 * the path never shares a hash with one given the record.
 */
function viaHash(via: "file-path" | "cache-key", of: string): string {
  return sha256(`${via}\0${of}`);
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
  /** A small output's data text, read with its meta (Store.readMetaWithData). */
  data?: string;
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
    /** Asset hashes of this run or preview (each asset hashed once). */
    private readonly assets: AssetHashes = new AssetHashes(store.cacheDir),
  ) {}

  /** The value of one binding of `node` (a when's subject, a branch's output, a map's list). */
  valueOf(node: GraphNode, input: string, b: Binding): unknown {
    return this.value(node, input, b);
  }

  /** The content hash of one binding of `node`. */
  hashOf(node: GraphNode, input: string, b: Binding): string {
    return this.hash(node, input, b);
  }

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
    // An asset's input hash is its content's (the key changes when the data does, not its path).
    if (b.kind === "asset") return this.assets.hash(b.abs);
    if (b.kind === "ref" && b.via) return viaHash(b.via, b.via === "cache-key" ? this.require(node, input, b.node).key : this.hash(node, input, { ...b, via: undefined }));
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
      case "asset":
        return b.abs;
      case "object":
        return Object.fromEntries(Object.entries(b.fields).map(([k, f]) => [k, this.value(node, input, f)]));
      case "array":
        return b.items.map((f) => this.value(node, input, f));
      case "ref": {
        const up = this.require(node, input, b.node);
        if (b.via === "cache-key") return up.key;
        if (!up.value) {
          const read = this.store.readOutput(up.key, up);
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
        if (b.via === "file-path") return fileMappingPath(v, this.store.dir, `node ${node.id} input "${input}"`, [b.node, ...b.path].join("."));
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
