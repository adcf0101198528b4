/**
 * The store at `.flowsmith/`: content-addressed outputs, per-node state of each workflow, run
 * records with logs, node locks and stop requests. Every path is derived from hex keys or a
 * validated run id, so nothing is ever written outside the store directory.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { ensureDir, isProcessAlive, readJson, writeFileAtomic, writeJsonAtomic } from "./files.js";
import { canonicalWithFields, sha256 } from "./hash.js";
import { STORE_FORMAT, type NodeState, type OutputMeta, type RunRecord } from "./records.js";
import { StateJournals } from "./states.js";
import type { StoreWriter } from "./writer.js";
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

  /** Caches that only save work (code fingerprints by flow file): anything in it may be deleted. */
  get cacheDir(): string {
    return path.join(this.dir, "cache");
  }

  // ---- outputs -------------------------------------------------------------------------------

  /**
   * One file per output: a line with its meta, then the data (canonical JSON, one line). It is
   * written whole to a temp file, fsynced, then renamed: its presence means complete.
   */
  private objectPath(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid cache key ${JSON.stringify(key)}`);
    // (A checked key needs no path.join; this is asked twice per node of a run.)
    return `${(this.objectsDir ??= path.join(this.dir, "objects"))}${path.sep}${key.slice(0, 2)}${path.sep}${key}.json`;
  }
  private objectsDir: string | undefined;

  /**
   * Whether this store may hold outputs in the format before 0.1.1: not when it was created by
   * this version (marked by `format.json`), so a miss costs one lookup, not two.
   */
  private mayHaveLegacy(): boolean {
    return (this.legacy ??= !fs.existsSync(path.join(this.dir, "format.json")));
  }
  private legacy: boolean | undefined;

  /** Mark a store this version creates (before its first output). */
  markFormat(): void {
    if (fs.existsSync(path.join(this.dir, "objects")) || fs.existsSync(path.join(this.dir, "format.json"))) return;
    writeJsonAtomic(path.join(this.dir, "format.json"), { objects: 2, note: "outputs are one file each: a meta line, then the data" });
  }

  /** Stores made before 0.1.1 kept the meta and the data in two files; they are still read. */
  private legacyPath(key: string, suffix: "out" | "meta"): string {
    return path.join(this.dir, "objects", key.slice(0, 2), `${key}.${suffix}.json`);
  }

  /**
   * A run alone in the store is about to look up `count` keys: when the store is small next to
   * that, each shard directory is listed once and a key not listed is a miss without a lookup
   * (a stat per miss is a tenth of a cold run's time). Keys spread evenly over the 256 shards, so
   * the first shard listed tells whether listing the others costs less than the stats it saves.
   * Only misses are answered from the listings; they go stale only if another run writes, so a
   * run stops listing (`stopListing`) as soon as another shares the store.
   */
  expectLookups(count: number): void {
    this.listings = count >= 1024 ? new Map() : undefined;
    this.lookupsExpected = count;
    this.probe = 0;
    this.openFirst = false;
  }

  stopListing(): void {
    this.listings = undefined;
  }

  private listings: Map<string, Set<string>> | undefined;
  private lookupsExpected = 0;
  /**
   * Lookups while listing that all found an output, -1 after a miss: when the first LISTING_PROBE
   * all did (a run of a graph already complete), listing the other shards would buy nothing, and
   * a lookup opens the file without a stat first (only a rare miss then costs an exception).
   */
  private probe = 0;
  private openFirst = false;

  /** True when the shard listings say `key` has no output (see expectLookups). */
  private listedMiss(key: string): boolean {
    const listings = this.listings;
    if (!listings) return false;
    const shard = key.slice(0, 2);
    let names = listings.get(shard);
    if (!names) {
      names = new Set();
      try {
        for (const name of fs.readdirSync(path.join(this.dir, "objects", shard))) {
          const dot = name.indexOf(".");
          names.add(dot < 0 ? name : name.slice(0, dot)); // outputs, legacy pairs and temp files alike
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "ENOENT" && code !== "ENOTDIR") {
          this.listings = undefined; // unreadable: look each key up, which reports it
          return false;
        }
      }
      if (listings.size === 0 && names.size * 256 > this.lookupsExpected * 3) {
        this.listings = undefined; // a big store: listing would cost more than the lookups
        return !names.has(key);
      }
      listings.set(shard, names);
    }
    return !names.has(key);
  }

  /** The meta of a complete output, or undefined when missing, partial or corrupt. */
  readMeta(key: string): OutputMeta | undefined {
    return this.readObject(key, false)?.meta;
  }

  /**
   * readMeta, with a small output's data text as it was read with its meta (one read of the
   * file): given back to readOutput, it saves reading the file again.
   */
  readMetaWithData(key: string): { meta: OutputMeta; data?: string } | undefined {
    const found = this.readObject(key, true);
    if (!found) return undefined;
    return found.data !== undefined && found.data.length <= KEEP_DATA_CHARS ? { meta: found.meta, data: found.data } : { meta: found.meta };
  }

  /** Small output files are read whole with one call, into this buffer (a meta line is ~400 bytes). */
  private readonly readBuffer = Buffer.allocUnsafe(64 * 1024);

  /**
   * An output's meta, checked against its file's size, and with `withData` its data's text (not
   * yet checked against its hash); undefined when missing, partial or corrupt. `legacy`: a store of
   * 0.1.0 (meta and data in two files), whose data is read apart.
   */
  private readObject(key: string, withData: boolean): { meta: OutputMeta; data?: string; legacy?: true } | undefined {
    if (this.listings) {
      if (this.listedMiss(key)) {
        this.probe = -1;
        return undefined;
      }
      if (this.probe >= 0 && ++this.probe === LISTING_PROBE) {
        this.listings = undefined;
        this.openFirst = true;
      }
    }
    const listed = this.listings !== undefined || this.openFirst; // the listing has it, or misses are rare: no stat first
    const file = this.objectPath(key);
    const legacy = () => {
      const meta = this.mayHaveLegacy() ? this.readLegacyMeta(key) : undefined;
      return meta && { meta, legacy: true as const };
    };
    let fd: number;
    try {
      // A miss is the common case of a cold run: stat without throwing (an exception per miss costs
      // more than the lookup itself).
      if (!listed && !fs.statSync(file, { throwIfNoEntry: false })) return legacy();
      fd = fs.openSync(file, "r");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return legacy();
      this.problem(`output ${key}: ${code ?? errorText(error)}; treated as missing`);
      return undefined;
    }
    try {
      const buf = this.readBuffer;
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      let size: number;
      let header: { text: string; bytes: number } | undefined;
      let data: string | undefined;
      if (n < buf.length) {
        // The whole file, in one read.
        size = n;
        const nl = buf.subarray(0, n).indexOf(10);
        header = nl < 0 ? undefined : { text: buf.toString("utf8", 0, nl), bytes: nl + 1 };
        if (header && withData) data = buf.toString("utf8", header.bytes, n);
      } else {
        size = fs.fstatSync(fd).size; // of the file opened (it may have been replaced since the stat)
        header = readFirstLine(fd, size);
        if (header && withData) {
          const rest = Buffer.allocUnsafe(size - header.bytes);
          let at = 0;
          while (at < rest.length) {
            const got = fs.readSync(fd, rest, at, rest.length - at, header.bytes + at);
            if (got === 0) break;
            at += got;
          }
          data = rest.toString("utf8", 0, at);
        }
      }
      if (header === undefined) {
        this.problem(`output ${key}: its file is truncated; treated as missing`);
        return undefined;
      }
      const m = this.checkMeta(key, parseJson(header.text));
      if (!m) return undefined;
      if (size !== header.bytes + m.bytes) {
        this.problem(`output ${key}: its data is truncated; treated as missing`);
        return undefined;
      }
      return { meta: m, data };
    } finally {
      fs.closeSync(fd);
    }
  }

  private checkMeta(key: string, m: unknown): OutputMeta | undefined {
    if (!isObject(m) || m.key !== key || typeof m.outputHash !== "string" || typeof m.bytes !== "number" || !isStringRecord(m.fieldHashes)) {
      this.problem(`output ${key}: its record is malformed; treated as missing`);
      return undefined;
    }
    return m as OutputMeta;
  }

  private readLegacyMeta(key: string): OutputMeta | undefined {
    const meta = readJson<OutputMeta>(this.legacyPath(key, "meta"));
    if (!meta.ok) {
      if (!meta.missing) this.problem(`output ${key}: ${meta.problem}; treated as missing`);
      return undefined;
    }
    const m = this.checkMeta(key, meta.value);
    if (!m) return undefined;
    try {
      if (fs.statSync(this.legacyPath(key, "out")).size !== m.bytes) {
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

  /**
   * The output value, verified against its recorded hash. `read`: its meta and data as
   * readMetaWithData gave them (the file is not read again).
   */
  readOutput(key: string, read?: { meta: OutputMeta; data?: string }): { meta: OutputMeta; value: unknown } | undefined {
    const found = read?.data !== undefined ? read : this.readObject(key, true);
    if (!found) return undefined;
    const { meta } = found;
    let text: string;
    try {
      text = found.data ?? fs.readFileSync(this.legacyPath(key, "out"), "utf8");
    } catch (error) {
      // Its meta says complete but the data is gone: discard it so the node runs again.
      this.problem(`output ${key}: ${(error as NodeJS.ErrnoException).code ?? "unreadable"}; discarded, its node will run again`);
      this.deleteOutput(key);
      return undefined;
    }
    const value = parseJson(text);
    if (value === NOT_JSON || sha256(text) !== meta.outputHash) {
      // Corrupt data under a complete-looking meta: discard it so the node runs again.
      this.problem(`output ${key}: content does not match its hash; discarded, its node will run again`);
      this.deleteOutput(key);
      return undefined;
    }
    return { meta, value };
  }

  /**
   * An output as it will be stored: its canonical text, its meta and the value as it reads back
   * (what downstream nodes get, so a run from cache and a fresh run hand them the same thing).
   * Computation only; `commitOutput` writes it. Throws naming the path of a value JSON cannot hold.
   */
  prepareOutput(key: string, value: unknown, meta: OutputMetaInput, root = "$"): PreparedOutput {
    const { text, fields } = canonicalWithFields(value, root);
    const fieldHashes: Record<string, string> = {};
    if (fields) for (const k of Object.keys(fields)) fieldHashes[k] = sha256(fields[k]!);
    const full: OutputMeta = {
      format: STORE_FORMAT,
      key,
      ...meta,
      outputHash: sha256(text),
      fieldHashes,
      bytes: Buffer.byteLength(text),
    };
    return { text, meta: full, stored: JSON.parse(text) as unknown };
  }

  /**
   * Write an output: its meta and data in one temp file, fsynced, then renamed into place. A crash
   * before the rename leaves a temp file, which is ignored: nothing incomplete looks complete.
   */
  commitOutput(output: PreparedOutput, writer: StoreWriter, then?: { journal: string; line: string }): Promise<void> {
    return writer.writeObject(this.objectPath(output.meta.key), objectText(output), then);
  }

  /**
   * Temp files of processes that are gone (a run killed mid-write), removed. They sit next to the
   * outputs being written (`objects/<shard>/<key>.json.<pid>.….tmp`), so the shards are only
   * searched when a run is known to have died: `liveRuns` leaves a `.dead` marker in `active/`
   * for each dead registration it clears. Stores of 0.1.1 kept them in `tmp/`, still swept; a
   * registration's own temp file (`active/<run>.json.<pid>.….tmp`) is swept every time.
   */
  sweepTemp(): void {
    const removeDead = (dir: string, pidOf: (name: string) => number | undefined) => {
      let names: string[];
      try {
        names = fs.readdirSync(dir);
      } catch {
        return;
      }
      for (const name of names) {
        if (!name.endsWith(".tmp")) continue;
        if (!isProcessAlive(pidOf(name))) fs.rmSync(path.join(dir, name), { force: true });
      }
    };
    removeDead(path.join(this.dir, "tmp"), (name) => Number(/^(\d+)\./.exec(name)?.[1]));
    const tempPid = (name: string) => Number(/\.json\.(\d+)\.[^/]*\.tmp$/.exec(name)?.[1]);
    const active = path.join(this.dir, "active");
    // A run killed while writing its own registration leaves its temp file here (a few files: cheap).
    removeDead(active, tempPid);
    let dead: string[];
    try {
      dead = fs.readdirSync(active).filter((n) => n.endsWith(".dead"));
    } catch {
      return;
    }
    if (!dead.length) return;
    const objects = path.join(this.dir, "objects");
    let shards: string[];
    try {
      shards = fs.readdirSync(objects).filter((n) => /^[0-9a-f]{2}$/.test(n));
    } catch {
      shards = [];
    }
    for (const shard of shards) removeDead(path.join(objects, shard), tempPid);
    for (const name of dead) fs.rmSync(path.join(active, name), { force: true });
  }

  /** prepareOutput + the same writes, synchronously (tools and tests). */
  writeOutput(key: string, value: unknown, meta: OutputMetaInput): OutputMeta {
    const out = this.prepareOutput(key, value, meta);
    writeFileAtomic(this.objectPath(key), objectText(out), true);
    return out.meta;
  }

  deleteOutput(key: string): boolean {
    const files = [this.objectPath(key), this.legacyPath(key, "meta"), this.legacyPath(key, "out")];
    const existed = fs.existsSync(files[0]!) || fs.existsSync(files[1]!);
    for (const file of files) fs.rmSync(file, { force: true });
    return existed;
  }

  // ---- node state ----------------------------------------------------------------------------

  private get journals(): StateJournals {
    return (this._journals ??= new StateJournals(path.join(this.dir, "state")));
  }
  private _journals: StateJournals | undefined;

  /** The last state of every node of a target (see states.ts); unreadable entries are reported. */
  readTargetStates(target: string): Map<string, NodeState> {
    const { states, problems } = this.journals.read(target, shortHash(target));
    for (const p of problems) this.problem(p);
    return states;
  }

  readNodeState(target: string, node: string): NodeState | undefined {
    return this.readTargetStates(target).get(node);
  }

  writeNodeStates(states: NodeState[]): void {
    const byTarget = new Map<string, NodeState[]>();
    for (const st of states) {
      const list = byTarget.get(st.target);
      if (list) list.push(st);
      else byTarget.set(st.target, [st]);
    }
    for (const [target, list] of byTarget) this.journals.write(shortHash(target), list);
  }

  writeNodeState(state: NodeState): void {
    this.writeNodeStates([state]);
  }

  deleteNodeStates(target: string, nodes: string[]): void {
    this.journals.delete(shortHash(target), nodes);
  }

  deleteNodeState(target: string, node: string): void {
    this.deleteNodeStates(target, [node]);
  }

  /** The journal a run appends its nodes' states of one target to. */
  stateJournalPath(target: string, runId: string): string {
    if (!isRunId(runId)) throw new Error(`invalid run id ${JSON.stringify(runId)}`);
    return this.journals.runJournalPath(shortHash(target), runId);
  }

  /**
   * Fold a target's finished journals into one (`done`: the run that just ended, whose journal is
   * finished). `lazy`: only once they add up (see StateJournals.compact).
   */
  compactStates(target: string, done?: string, lazy = false): void {
    const live = new Set(this.liveRuns());
    if (done) live.delete(done);
    this.journals.compact(target, shortHash(target), (runId) => live.has(runId), lazy);
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

  // ---- live runs -----------------------------------------------------------------------------

  private activePath(runId: string): string {
    if (!isRunId(runId)) throw new Error(`invalid run id ${JSON.stringify(runId)}`);
    return path.join(this.dir, "active", `${runId}.json`);
  }

  /**
   * Say a run is computing in this store: other runs then take a lock per cache key. Written through
   * a temp file in tmp/ (named by the pid, swept when that process is gone) and renamed into active/,
   * so a run killed mid-write leaves nothing half-made among the registrations.
   */
  registerRun(runId: string): void {
    this.markFormat();
    const file = this.activePath(runId);
    const tmpDir = path.join(this.dir, "tmp");
    ensureDir(tmpDir);
    ensureDir(path.dirname(file));
    const tmp = path.join(tmpDir, `${process.pid}.${runId}.active.tmp`);
    fs.writeFileSync(tmp, `${JSON.stringify({ pid: process.pid, runId })}\n`);
    fs.renameSync(tmp, file);
  }

  unregisterRun(runId: string): void {
    fs.rmSync(this.activePath(runId), { force: true });
  }

  /** The other runs computing in this store now. */
  otherLiveRuns(runId: string): string[] {
    return this.liveRuns().filter((id) => id !== runId);
  }

  /** The runs computing in this store now. Registrations of dead processes are removed. */
  liveRuns(): string[] {
    const dir = path.join(this.dir, "active");
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return [];
    }
    const live: string[] = [];
    for (const name of names) {
      const id = name.endsWith(".json") ? name.slice(0, -".json".length) : "";
      if (!isRunId(id)) continue; // a temp file being written
      const file = path.join(dir, name);
      const r = readJson<{ pid: number }>(file);
      const pid = r.ok && isObject(r.value) && typeof r.value.pid === "number" ? r.value.pid : undefined;
      // Gone, or garbage that has sat there a while: not a live run. Unreadable is live, to be safe.
      const dead = pid !== undefined ? !isProcessAlive(pid) : r.ok || !r.missing ? isOlderThan(file, 10_000) : true;
      if (dead) {
        // Left as a marker that temp files of a dead run may lie among the outputs (sweepTemp).
        if (!(r.ok === false && r.missing)) {
          try {
            fs.renameSync(file, path.join(dir, `${id}.dead`));
          } catch {
            /* cleared by someone else meanwhile */
          }
        }
        continue;
      }
      live.push(id);
    }
    return live;
  }

  // ---- locks ---------------------------------------------------------------------------------

  /**
   * Take the lock for computing one cache key, so two runs never compute the same node at once.
   * A lock left by a dead process is taken over.
   */
  tryLock(key: string, runId: string): boolean {
    if (!KEY.test(key)) throw new Error(`invalid cache key ${key}`);
    const file = path.join(this.dir, "locks", `${key}.lock`);
    ensureDir(path.dirname(file));
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify({ pid: process.pid, runId }), { flag: "wx" });
        return true;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") {
          // The locks directory went away under us (a cleanup): make it again.
          fs.mkdirSync(path.dirname(file), { recursive: true });
          continue;
        }
        if (code !== "EEXIST") throw error;
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

  /**
   * Remove the locks of processes that are gone (a killed run leaves its locks behind). Returns
   * whether a live process still holds one (a run of an older version that does not register).
   */
  sweepLocks(): boolean {
    const dir = path.join(this.dir, "locks");
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return false;
    }
    let held = false;
    for (const name of names) {
      if (!name.endsWith(".lock")) continue;
      const file = path.join(dir, name);
      const holder = readJson<{ pid: number }>(file);
      if (!holder.ok && holder.missing) continue;
      const valid = holder.ok && isObject(holder.value) && typeof holder.value.pid === "number";
      const orphaned = valid ? !isProcessAlive(holder.value.pid) : isOlderThan(file, 2000);
      if (orphaned) fs.rmSync(file, { force: true });
      else held = true;
    }
    return held;
  }

  unlock(key: string): void {
    fs.rmSync(path.join(this.dir, "locks", `${key}.lock`), { force: true });
  }

  // ---- reporting -----------------------------------------------------------------------------

  private problem(message: string): void {
    if (!this.problems.includes(message)) this.problems.push(message);
  }
}

/** An object file's text: the meta on the first line, then the data. */
function objectText(out: PreparedOutput): string {
  return `${JSON.stringify(out.meta)}\n${out.text}`;
}

const NOT_JSON = Symbol("not JSON");
/** See Store.lookups. */
const LISTING_PROBE = 64;
/** Data texts up to this size are kept from a lookup for a later readOutput (readMetaWithData). */
const KEEP_DATA_CHARS = 4096;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The first line of an open file (its meta) and how many bytes it takes with its newline, reading
 * only as much as needed; undefined when the file has no newline.
 */
function readFirstLine(fd: number, size: number): { text: string; bytes: number } | undefined {
  const chunks: Buffer[] = [];
  let read = 0;
  let chunkSize = 4096;
  while (read < size) {
    const buf = Buffer.allocUnsafe(Math.min(chunkSize, size - read));
    const n = fs.readSync(fd, buf, 0, buf.length, read);
    if (n === 0) break;
    const nl = buf.subarray(0, n).indexOf(10);
    if (nl >= 0) {
      chunks.push(buf.subarray(0, nl));
      const text = Buffer.concat(chunks).toString("utf8");
      return { text, bytes: read + nl + 1 };
    }
    chunks.push(buf.subarray(0, n));
    read += n;
    chunkSize = Math.min(chunkSize * 4, 1 << 22);
  }
  return undefined;
}

export type OutputMetaInput = Omit<OutputMeta, "format" | "key" | "outputHash" | "fieldHashes" | "bytes">;

export interface PreparedOutput {
  text: string;
  meta: OutputMeta;
  stored: unknown;
}


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
