/**
 * Where things live in the store directory (`.flowsmith/`): the only module that names its paths.
 * Every path is derived from hex keys, a hash or a validated run id, so nothing is ever written
 * outside the store directory.
 *
 *   format.json                          marks a store this version made (no outputs of 0.1.0 in it)
 *   objects/<ab>/<key>.json              an output: a meta line, then the data (objects.ts)
 *   objects/<ab>/<key>.{meta,out}.json   an output of a store made by 0.1.0, still read
 *   state/<hash of target>/…             the node-state journals of one target (states.ts)
 *   runs/<run id>/run.json               a run record; logs/<name>.log its nodes' logs; stop a stop request
 *   active/<run id>.json                 a run computing now; <run id>.dead one whose process died
 *   tmp/                                 registrations being written (named by the writer's pid)
 *   locks/<key>.lock                     the lock of a cache key being computed
 *   results.sqlite                       the embedded results database of `db` mappings (results/embedded.ts)
 *   results.sqlite.lock                  held while a process writes it (naming the holder's pid)
 *   files/<ab>/<sha256><.ext>            a file a task returned with file(), by its content, read-only (blobs.ts)
 *   files/tmp/<pid>.<random>.tmp         such a file being copied in
 *   deployments/<sha256>.cjs             a deployed flow's bundle, named by the hash of its text (deploy/)
 *   deployments/<sha256>.json            its manifest: the workflow, source target, code fingerprints
 *   cache/                               caches that only save work: anything in it may be deleted
 *     js/<hash>.js                       flow modules as the loader transformed them
 *     fingerprints/<hash of file>.json   code fingerprints of a flow file's tasks (engine/keys.ts)
 *     checked/<hash>                     a clean `check` of the code a run loaded (cli/precheck.ts)
 *     assets/<hash of path>.json         size, mtime and content hash of each file of an asset() (assets.ts)
 *
 * Temp files of atomic writes sit next to the file they become: `<file>.<pid>.….tmp`.
 */
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { sha256 } from "./hash.js";
import { FlowsmithError } from "../util/errors.js";

const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]{6}$/;
const KEY = /^[0-9a-f]{16,64}$/;
const SHARD = /^[0-9a-f]{2}$/;
const TARGET_HASH = /^[0-9a-f]{16}$/;
const LOG_NAME = /^[\w.-]+\.log$/;

export function newRunId(now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

/** What the store's cache/ holds, each kind in its own folder. */
export type CacheKind = "js" | "fingerprints" | "checked" | "assets";

/** A file in the cache: `cacheDir` is a store's `cacheDir`, `name` a hash (with its extension). */
export function cacheEntry(cacheDir: string, kind: CacheKind, name: string): string {
  return path.join(cacheDir, kind, path.basename(name));
}

export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}

/** Whether a string can be a cache key (a hex hash). */
export function isKey(value: string): boolean {
  return KEY.test(value);
}

export function shortHash(text: string): string {
  return sha256(text).slice(0, 16);
}

/** The pid in a temp file's name: `<file>.<pid>.….tmp` (files.ts, the store writer). */
export function tempFilePid(name: string): number {
  return Number(/\.json\.(\d+)\.[^/]*\.tmp$/.exec(name)?.[1]);
}

/** What a path in the store is, as the watcher needs to know (see classify). */
export type StorePlace =
  | { kind: "state"; targetHash: string }
  | { kind: "object"; temp: boolean }
  | { kind: "runs" }
  | { kind: "other" };

export class StoreLayout {
  constructor(readonly dir: string) {}

  // ---- outputs -------------------------------------------------------------------------------

  get objectsDir(): string {
    return (this.objects ??= path.join(this.dir, "objects"));
  }
  private objects: string | undefined;

  /** One output's file. */
  object(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid cache key ${JSON.stringify(key)}`);
    // (A checked key needs no path.join; this is asked twice per node of a run.)
    return `${this.objectsDir}${path.sep}${key.slice(0, 2)}${path.sep}${key}.json`;
  }

  /** Stores made before 0.1.1 kept an output's meta and data in two files. */
  legacyObject(key: string, suffix: "out" | "meta"): string {
    return path.join(this.dir, "objects", key.slice(0, 2), `${key}.${suffix}.json`);
  }

  /** The directory of the outputs whose keys start with `shard` (two hex digits). */
  shard(shard: string): string {
    return path.join(this.dir, "objects", shard);
  }

  /** Whether a name in objects/ is a shard directory. */
  isShard(name: string): boolean {
    return SHARD.test(name);
  }

  /** The cache key a file in a shard belongs to (outputs, legacy pairs and temp files alike). */
  keyOfObjectFile(name: string): string {
    const dot = name.indexOf(".");
    return dot < 0 ? name : name.slice(0, dot);
  }

  get formatMarker(): string {
    return path.join(this.dir, "format.json");
  }

  get cacheDir(): string {
    return path.join(this.dir, "cache");
  }

  // ---- node states ---------------------------------------------------------------------------

  /** The root of the state journals (states.ts names what is inside each target's directory). */
  get statesDir(): string {
    return path.join(this.dir, "state");
  }

  /** The name of a target's directory under state/. */
  targetHash(target: string): string {
    return shortHash(target);
  }

  /** Whether a name under state/ is a target's directory. */
  isTargetHash(name: string): boolean {
    return TARGET_HASH.test(name);
  }

  // ---- runs ----------------------------------------------------------------------------------

  get runsDir(): string {
    return path.join(this.dir, "runs");
  }

  run(runId: string): string {
    if (!isRunId(runId)) throw new FlowsmithError(`"${runId}" is not a run id (they look like 20261121-101500-a1b2c3)`);
    return path.join(this.dir, "runs", runId);
  }

  runRecord(runId: string): string {
    return path.join(this.run(runId), "run.json");
  }

  runLogs(runId: string): string {
    return path.join(this.run(runId), "logs");
  }

  runLog(runId: string, fileName: string): string {
    if (!LOG_NAME.test(fileName)) throw new Error(`invalid log name ${fileName}`);
    return path.join(this.runLogs(runId), fileName);
  }

  stopRequest(runId: string): string {
    return path.join(this.run(runId), "stop");
  }

  // ---- live runs and locks -------------------------------------------------------------------

  get activeDir(): string {
    return path.join(this.dir, "active");
  }

  registration(runId: string): string {
    if (!isRunId(runId)) throw new Error(`invalid run id ${JSON.stringify(runId)}`);
    return path.join(this.dir, "active", `${runId}.json`);
  }

  /** The run a name in active/ registers; undefined for anything else (a temp file, a marker). */
  runOfRegistration(name: string): string | undefined {
    const id = name.endsWith(".json") ? name.slice(0, -".json".length) : "";
    return isRunId(id) ? id : undefined;
  }

  /** Left in active/ for a dead run's registration: temp files of it may lie among the outputs. */
  deadMarker(runId: string): string {
    return path.join(this.dir, "active", `${runId}.dead`);
  }

  isDeadMarker(name: string): boolean {
    return name.endsWith(".dead");
  }

  get tmpDir(): string {
    return path.join(this.dir, "tmp");
  }

  /** A registration being written, named by the writer's pid (swept once that process is gone). */
  registrationTemp(runId: string): string {
    return path.join(this.dir, "tmp", `${process.pid}.${runId}.active.tmp`);
  }

  /** The pid of a file in tmp/. */
  tmpFilePid(name: string): number {
    return Number(/^(\d+)\./.exec(name)?.[1]);
  }

  get locksDir(): string {
    return path.join(this.dir, "locks");
  }

  lock(key: string): string {
    return path.join(this.dir, "locks", `${key}.lock`);
  }

  isLock(name: string): boolean {
    return name.endsWith(".lock");
  }

  // ---- the results database (results/) ------------------------------------------------------

  /** The embedded results database: a SQLite file, replaced whole by each write (results/embedded.ts). */
  get resultsDb(): string {
    return path.join(this.dir, "results.sqlite");
  }

  /** Held (created exclusively, naming the holder's pid) while a process writes the results database. */
  get resultsDbLock(): string {
    return path.join(this.dir, "results.sqlite.lock");
  }

  // ---- files returned with file() (blobs.ts) -----------------------------------------------

  get filesDir(): string {
    return path.join(this.dir, "files");
  }

  /** A stored file: its content's sha256 and the extension of its name (`.html`, or "" when none or odd). */
  storedFile(sha: string, ext: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha)) throw new Error(`invalid file hash ${JSON.stringify(sha)}`);
    const suffix = /^\.[A-Za-z0-9_-]{1,16}$/.test(ext) ? ext : "";
    return path.join(this.dir, "files", sha.slice(0, 2), `${sha}${suffix}`);
  }

  /** Where a file is copied to before it is renamed into place (named by the copying process's pid). */
  storedFileTemp(): string {
    return path.join(this.dir, "files", "tmp", `${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  }

  // ---- deployments (deploy/) ---------------------------------------------------------------

  /** A deployment's bundle (`hash`: the sha256 of its text; `.cjs` whatever the workspace's module type) and its manifest. */
  deploymentArtifact(hash: string, kind: "js" | "json"): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`invalid deployment hash ${JSON.stringify(hash)}`);
    return path.join(this.dir, "deployments", `${hash}.${kind === "js" ? "cjs" : "json"}`);
  }

  /** The hash a bundle's path names when it is a deployment artifact (in any store), else undefined. */
  static deploymentHashOf(file: string): string | undefined {
    return /[\\/]deployments[\\/]([0-9a-f]{64})\.cjs$/.exec(file)?.[1];
  }

  // ---- watching ------------------------------------------------------------------------------

  /** What a path relative to the store directory is (split at the separator). */
  classify(parts: string[]): StorePlace {
    const [top, second, third] = parts;
    if (top === "state" && second && TARGET_HASH.test(second)) return { kind: "state", targetHash: second };
    if (top === "objects" && second && SHARD.test(second) && third) return { kind: "object", temp: third.endsWith(".tmp") };
    if (top === "runs") return { kind: "runs" };
    return { kind: "other" };
  }
}
