/**
 * Files in the store (the SDK's `file()`): a task's output that holds a FlowFile is stored with the
 * file copied in by its content — `files/<ab>/<sha256><.ext>`, written to a temp file, fsynced,
 * made read-only (0444) and renamed into place, so it is durable before the output that names it —
 * and the output records `{ $file: sha256, name, size }`. Equal content is stored once. Reading
 * back, such a record becomes a FlowFile whose `path` is the stored copy.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { FlowFile, flowFilesMade, isFlowFileLike } from "../sdk/file.js";
import { FlowsmithError, errorMessage } from "../util/errors.js";
import { ensureDir, isProcessAlive } from "./files.js";
import { StoreLayout } from "./layout.js";

/** What an output holds for a stored file. */
export interface StoredFileRef {
  $file: string;
  name: string;
  size: number;
}

const SHA = /^[0-9a-f]{64}$/;

const layouts = new Map<string, StoreLayout>();
function layoutOf(storeDir: string): StoreLayout {
  let layout = layouts.get(storeDir);
  if (!layout) layouts.set(storeDir, (layout = new StoreLayout(storeDir)));
  return layout;
}

/** Whether a value is an output's record of a stored file (exactly `{ $file, name, size }`). */
export function isStoredFileRef(value: unknown): value is StoredFileRef {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.$file !== "string" || !SHA.test(v.$file) || typeof v.name !== "string" || typeof v.size !== "number") return false;
  return Object.keys(v).length === 3;
}

/** The readable absolute path of a stored file. */
export function storedFilePath(storeDir: string, ref: StoredFileRef): string {
  return layoutOf(storeDir).storedFile(ref.$file, path.extname(ref.name));
}

/**
 * An output as it is stored: every FlowFile in it (a `file()` the task returned, or a stored file
 * it received and passes on) copied into the store and replaced by its record. The value itself
 * when it holds none (nothing is walked in a process that never made a FlowFile).
 */
export function storeFlowFiles(value: unknown, storeDir: string): unknown {
  if (flowFilesMade() === 0 && !mayHoldPlainFiles(value)) return value;
  return walk(value, (v) => (isFlowFileLike(v) ? ingest(v, layoutOf(storeDir)) : undefined));
}

/** Inputs as a task receives them: every stored file's record becomes a FlowFile with a readable path. */
export function withFlowFiles<T>(value: T, storeDir: string): T {
  if (flowFilesMade() === 0 && !hasFiles(storeDir)) return value;
  return walk(value, (v) => (isStoredFileRef(v) ? toFlowFile(v, storeDir) : undefined)) as T;
}

/** FlowFiles back to the records an output holds of them (what the results database keeps). */
export function fileRecords(value: unknown): unknown {
  if (flowFilesMade() === 0) return value;
  return walk(value, (v) => (v instanceof FlowFile ? { $file: v.$file, name: v.name, size: v.size } : undefined));
}

/** The same records with the path to read each from (for people: `flowsmith results`). */
export function showFlowFiles(value: unknown, storeDir: string): unknown {
  return walk(value, (v) => (isStoredFileRef(v) ? { ...v, path: storedFilePath(storeDir, v) } : undefined));
}

/**
 * What a `file` mapping's param receives: the stored file's readable path. `what` names the input
 * and `from` the output, for the error when that output is not a file made with file().
 */
export function fileMappingPath(value: unknown, storeDir: string, what: string, from: string): string {
  if (isStoredFileRef(value)) return storedFilePath(storeDir, value);
  const shown = JSON.stringify(value) ?? String(value);
  throw new FlowsmithError(
    `${what}: a file mapping needs a file, but ${from} is ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}; return it with file(path) from the task, or use map_type raw`,
    "FS013",
  );
}

export function toFlowFile(ref: StoredFileRef, storeDir: string): FlowFile {
  return new FlowFile(ref.$file, storedFilePath(storeDir, ref), ref.name, ref.size);
}

/**
 * Replace what `swap` answers for, copying only the objects and arrays on the way to a change
 * (the value is returned as it is when nothing changes).
 */
function walk(value: unknown, swap: (v: unknown) => unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const swapped = swap(value);
  if (swapped !== undefined) return swapped;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item !== "object" || item === null) continue;
      const next = walk(item, swap);
      if (next !== item) (out ??= value.slice())[i] = next;
    }
    return out ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, item] of Object.entries(value)) {
    if (typeof item !== "object" || item === null) continue;
    const next = walk(item, swap);
    if (next !== item) (out ??= { ...(value as Record<string, unknown>) })[k] = next;
  }
  return out ?? value;
}

/** Whether the store holds any file (checked at most once a second while it does not). */
const noFilesUntil = new Map<string, number>();
const withFiles = new Set<string>();
function hasFiles(storeDir: string): boolean {
  if (withFiles.has(storeDir)) return true;
  const until = noFilesUntil.get(storeDir);
  if (until !== undefined && Date.now() < until) return false;
  if (fs.existsSync(layoutOf(storeDir).filesDir)) {
    withFiles.add(storeDir);
    return true;
  }
  noFilesUntil.set(storeDir, Date.now() + 1000);
  return false;
}

/** An output from a worker process: a FlowFile arrives as a plain object (cheap test of the top level). */
function mayHoldPlainFiles(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  for (const v of Object.values(value)) if (isFlowFileLike(v)) return true;
  return false;
}

/** Copy a returned file into the store by content; its record. */
function ingest(f: { $file: string; path: string; name: string }, layout: StoreLayout): StoredFileRef {
  // A stored file passed on as it was received: nothing to copy.
  if (SHA.test(f.$file) && f.path === layout.storedFile(f.$file, path.extname(f.name))) {
    const size = fs.statSync(f.path).size;
    return { $file: f.$file, name: f.name, size };
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(f.path);
  } catch {
    throw new FlowsmithError(`file(${JSON.stringify(f.path)}) does not exist; the task must write it before returning it`);
  }
  if (!stat.isFile()) throw new FlowsmithError(`file(${JSON.stringify(f.path)}) is not a regular file (a directory?); return one file`);
  const ext = path.extname(f.name);
  // Already stored (same content): nothing to write.
  const early = hashFile(f.path);
  const existing = layout.storedFile(early.sha, ext);
  if (fs.existsSync(existing)) return { $file: early.sha, name: f.name, size: early.size };
  const tmp = layout.storedFileTemp();
  ensureDir(path.dirname(tmp));
  sweepTemps(path.dirname(tmp));
  try {
    fs.copyFileSync(f.path, tmp);
    // The copy's own hash: the source may have changed since it was read.
    const { sha, size } = hashFile(tmp, true);
    fs.chmodSync(tmp, 0o444);
    const dest = layout.storedFile(sha, ext);
    ensureDir(path.dirname(dest));
    fs.renameSync(tmp, dest);
    syncDir(path.dirname(dest));
    return { $file: sha, name: f.name, size };
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    if (error instanceof FlowsmithError) throw error;
    throw new FlowsmithError(`file ${f.name} could not be stored: ${errorMessage(error)}`);
  }
}

/** Copies left by processes that died while copying (their pid names them), removed once per process. */
const swept = new Set<string>();
function sweepTemps(dir: string): void {
  if (swept.has(dir)) return;
  swept.add(dir);
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^(\d+)\./.exec(name)?.[1]);
    if (name.endsWith(".tmp") && pid !== process.pid && !isProcessAlive(pid)) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** sha256 and size of a file, read in chunks; with `sync`, fsynced too (it is about to be renamed into place). */
function hashFile(file: string, sync = false): { sha: string; size: number } {
  const hash = createHash("sha256");
  const fd = fs.openSync(file, sync ? "r+" : "r");
  const buffer = Buffer.allocUnsafe(1 << 20);
  let size = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      size += n;
    }
    if (sync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return { sha: hash.digest("hex"), size };
}

function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Not every file system syncs directories; the file itself is synced.
  }
}
