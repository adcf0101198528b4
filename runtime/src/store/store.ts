/**
 * The store at `.flowsmith/`: content-addressed outputs, per-node state of each workflow, run
 * records with logs, node locks and stop requests. Every path is derived from hex keys or a
 * validated run id, so nothing is ever written outside the store directory.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { isProcessAlive, readJson, writeFileAtomic, writeJsonAtomic } from "./files.js";
import { canonicalJson, contentHash, sha256 } from "./hash.js";
import { STORE_FORMAT, type NodeState, type OutputMeta, type RunRecord } from "./records.js";
import { FlowsmithError } from "../util/errors.js";

const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]{6}$/;
const KEY = /^[0-9a-f]{16,64}$/;

export function newRunId(now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}

export function shortHash(text: string): string {
  return sha256(text).slice(0, 16);
}

export class Store {
  /** Problems met while reading (corrupt records); reported by the CLI, never thrown. */
  readonly problems: string[] = [];

  constructor(readonly dir: string) {}

  // ---- outputs -------------------------------------------------------------------------------

  private objectPath(key: string, suffix: "out" | "meta"): string {
    if (!KEY.test(key)) throw new Error(`invalid cache key ${JSON.stringify(key)}`);
    return path.join(this.dir, "objects", key.slice(0, 2), `${key}.${suffix}.json`);
  }

  /** The meta of a complete output, or undefined when missing, partial or corrupt. */
  readMeta(key: string): OutputMeta | undefined {
    const meta = readJson<OutputMeta>(this.objectPath(key, "meta"));
    if (!meta.ok) {
      if (!meta.missing) this.problem(`output ${key}: ${meta.problem}; treated as missing`);
      return undefined;
    }
    const m = meta.value;
    if (!isObject(m) || m.key !== key || typeof m.outputHash !== "string" || typeof m.bytes !== "number" || !isStringRecord(m.fieldHashes)) {
      this.problem(`output ${key}: its record is malformed; treated as missing`);
      return undefined;
    }
    try {
      if (fs.statSync(this.objectPath(key, "out")).size !== m.bytes) {
        this.problem(`output ${key}: its data file is truncated; treated as missing`);
        return undefined;
      }
    } catch {
      return undefined;
    }
    return m;
  }

  hasOutput(key: string): boolean {
    return this.readMeta(key) !== undefined;
  }

  /** The output value, verified against its recorded hash. */
  readOutput(key: string): { meta: OutputMeta; value: unknown } | undefined {
    const meta = this.readMeta(key);
    if (!meta) return undefined;
    const out = readJson<unknown>(this.objectPath(key, "out"));
    if (!out.ok) {
      // Its meta says complete but the data is gone or garbage: discard it so the node runs again.
      this.problem(`output ${key}: ${out.problem ?? "unreadable"}; discarded, its node will run again`);
      this.deleteOutput(key);
      return undefined;
    }
    if (contentHash(out.value) !== meta.outputHash) {
      // Corrupt data under a complete-looking meta: discard the meta so the node runs again.
      this.problem(`output ${key}: content does not match its hash; discarded, its node will run again`);
      this.deleteOutput(key);
      return undefined;
    }
    return { meta, value: out.value };
  }

  /**
   * Write an output, then its meta. Only the meta marks it complete, and it is written after the
   * output is durable, so a crash in between leaves an incomplete (ignored) object.
   */
  writeOutput(key: string, value: unknown, meta: Omit<OutputMeta, "format" | "key" | "outputHash" | "fieldHashes" | "bytes">): OutputMeta {
    const text = canonicalJson(value);
    const fieldHashes: Record<string, string> = {};
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) if (v !== undefined) fieldHashes[k] = contentHash(v);
    }
    const full: OutputMeta = {
      format: STORE_FORMAT,
      key,
      ...meta,
      outputHash: sha256(text),
      fieldHashes,
      bytes: Buffer.byteLength(text),
    };
    writeFileAtomic(this.objectPath(key, "out"), text, true);
    writeJsonAtomic(this.objectPath(key, "meta"), full);
    return full;
  }

  /** As writeOutput, also returning the value as it will read back (what downstream nodes get). */
  writeOutputValue(key: string, value: unknown, meta: Parameters<Store["writeOutput"]>[2]): { meta: OutputMeta; stored: unknown } {
    const full = this.writeOutput(key, value, meta);
    return { meta: full, stored: JSON.parse(canonicalJson(value)) as unknown };
  }

  deleteOutput(key: string): boolean {
    const meta = this.objectPath(key, "meta");
    const existed = fs.existsSync(meta);
    fs.rmSync(meta, { force: true });
    fs.rmSync(this.objectPath(key, "out"), { force: true });
    return existed;
  }

  // ---- node state ----------------------------------------------------------------------------

  private statePath(target: string, node: string): string {
    return path.join(this.dir, "state", shortHash(target), `${shortHash(node)}.json`);
  }

  readNodeState(target: string, node: string): NodeState | undefined {
    const r = readJson<NodeState>(this.statePath(target, node));
    if (!r.ok) {
      if (!r.missing) this.problem(`state of ${target}:${node}: ${r.problem}; treated as missing`);
      return undefined;
    }
    const st = r.value;
    if (!isObject(st) || st.node !== node || st.target !== target || !NODE_STATUSES.has(st.status) || typeof st.fingerprint !== "string" || (st.cacheKey !== undefined && !KEY.test(String(st.cacheKey)))) {
      this.problem(`state of ${target}:${node} is malformed; treated as missing`);
      return undefined;
    }
    return st;
  }

  writeNodeState(state: NodeState): void {
    writeJsonAtomic(this.statePath(state.target, state.node), state);
  }

  deleteNodeState(target: string, node: string): void {
    fs.rmSync(this.statePath(target, node), { force: true });
  }

  // ---- runs ----------------------------------------------------------------------------------

  runDir(runId: string): string {
    if (!isRunId(runId)) throw new FlowsmithError(`"${runId}" is not a run id (they look like 20261121-101500-a1b2c3)`);
    return path.join(this.dir, "runs", runId);
  }

  writeRun(run: RunRecord): void {
    writeJsonAtomic(path.join(this.runDir(run.id), "run.json"), run);
  }

  readRun(runId: string): RunRecord | undefined {
    const r = readJson<RunRecord>(path.join(this.runDir(runId), "run.json"));
    if (!r.ok) {
      if (!r.missing) this.problem(`run ${runId}: ${r.problem}; skipped`);
      return undefined;
    }
    const run = r.value;
    if (!isObject(run) || run.id !== runId || typeof run.target !== "string" || typeof run.status !== "string" || typeof run.startedAt !== "string" || !Array.isArray(run.nodes) || !Array.isArray(run.paramSets)) {
      this.problem(`run ${runId}: its record is malformed; skipped`);
      return undefined;
    }
    return withLiveness(run);
  }

  /** All runs, newest first. Corrupt records are reported and skipped. */
  listRuns(): RunRecord[] {
    let ids: string[];
    try {
      ids = fs.readdirSync(path.join(this.dir, "runs")).filter(isRunId);
    } catch {
      return [];
    }
    const runs: RunRecord[] = [];
    for (const id of ids) {
      const run = this.readRun(id);
      if (run) runs.push(run);
    }
    return runs.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || b.id.localeCompare(a.id));
  }

  logPath(runId: string, fileName: string): string {
    if (!/^[\w.-]+\.log$/.test(fileName)) throw new Error(`invalid log name ${fileName}`);
    return path.join(this.runDir(runId), "logs", fileName);
  }

  /** Ask a run to stop: the runner polls for this file (and also gets SIGTERM when on this host). */
  requestStop(runId: string): void {
    writeFileAtomic(path.join(this.runDir(runId), "stop"), new Date().toISOString());
  }

  stopRequested(runId: string): boolean {
    return fs.existsSync(path.join(this.runDir(runId), "stop"));
  }

  // ---- locks ---------------------------------------------------------------------------------

  /**
   * Take the lock for computing one cache key, so two runs never compute the same node at once.
   * A lock left by a dead process is taken over.
   */
  tryLock(key: string, runId: string): boolean {
    if (!KEY.test(key)) throw new Error(`invalid cache key ${key}`);
    const file = path.join(this.dir, "locks", `${key}.lock`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify({ pid: process.pid, runId }), { flag: "wx" });
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = readJson<{ pid: number }>(file);
      const valid = holder.ok && isObject(holder.value) && typeof holder.value.pid === "number";
      // A lock of a dead process, or garbage that has sat there a while, is taken over.
      const orphaned = valid ? !isProcessAlive(holder.value.pid) : holder.ok || !holder.missing ? isOlderThan(file, 2000) : false;
      if (!orphaned && !(holder.ok === false && holder.missing)) return false;
      fs.rmSync(file, { force: true });
    }
    return false;
  }

  unlock(key: string): void {
    fs.rmSync(path.join(this.dir, "locks", `${key}.lock`), { force: true });
  }

  // ---- reporting -----------------------------------------------------------------------------

  private problem(message: string): void {
    if (!this.problems.includes(message)) this.problems.push(message);
  }
}

const NODE_STATUSES = new Set<unknown>(["pending", "complete", "stale", "running", "failed", "stopped", "skipped"]);

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((v) => typeof v === "string");
}

function isOlderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > ms;
  } catch {
    return true;
  }
}

/** A run whose record says running but whose process is gone was interrupted: show it as stopped. */
function withLiveness(run: RunRecord): RunRecord {
  if (run.status === "running" && !isProcessAlive(run.pid)) {
    return {
      ...run,
      status: "stopped",
      interrupted: true,
      nodes: run.nodes.map((n) => (n.status === "running" ? { ...n, status: "stopped" } : n)),
    };
  }
  return run;
}

/**
 * Where the store lives for a workspace: `--store`, then FLOWSMITH_STORE, then `.flowsmith/` in the
 * workspace root: the nearest directory up from `start` holding `.flowsmith`, `package.json` or
 * `.git`, else `start` itself.
 */
export function findWorkspaceRoot(start: string): string {
  const begin = path.resolve(start);
  let dir = begin;
  for (;;) {
    if ([".flowsmith", "package.json", ".git"].some((m) => fs.existsSync(path.join(dir, m)))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return begin;
    dir = parent;
  }
}

export function resolveStoreDir(root: string, explicit?: string): string {
  const chosen = explicit ?? process.env.FLOWSMITH_STORE;
  return chosen ? path.resolve(root, chosen) : path.join(root, ".flowsmith");
}
