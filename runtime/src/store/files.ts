/**
 * Atomic file writes: temp file in the same directory, then rename, so readers never see half a
 * file. `durable` adds an fsync before the rename — for outputs, whose presence marks a node
 * complete (during a run the store writer, writer.ts, writes those); records that can be rebuilt
 * (node states, run records) skip it: after a crash they are at worst missing or behind, which
 * reads as "not complete".
 */
import { isAscii } from "node:buffer";
import * as fs from "node:fs";
import * as path from "node:path";

const knownDirs = new Set<string>();

export function ensureDir(dir: string): void {
  if (knownDirs.has(dir)) return;
  fs.mkdirSync(dir, { recursive: true });
  knownDirs.add(dir);
}

/** Unique within this process (a counter), and across live processes (the pid). */
let tmpCounter = 0;
function tmpName(file: string): string {
  return `${file}.${process.pid}.${(tmpCounter++).toString(36)}.tmp`;
}

/** `mode`: the new file's permissions (default: 0666 less the umask). */
export function writeFileAtomic(file: string, data: string | Uint8Array, durable = true, mode?: number): void {
  const dir = path.dirname(file);
  ensureDir(dir);
  const tmp = tmpName(file);
  let fd: number | undefined;
  try {
    try {
      fd = fs.openSync(tmp, "w", mode);
    } catch (error) {
      // The directory went away under us (a reset, a cleanup): make it again once.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      knownDirs.delete(dir);
      ensureDir(dir);
      fd = fs.openSync(tmp, "w", mode);
    }
    // writeFileSync on a descriptor loops until every byte is written (writeSync may write part).
    fs.writeFileSync(fd, data);
    if (durable) fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

export function writeJsonAtomic(file: string, value: unknown, durable = false): void {
  writeFileAtomic(file, `${JSON.stringify(value)}\n`, durable);
}

/**
 * A file's text, as `fs.readFileSync(file, "utf8")` gives it (and throwing as it does), read with
 * one read into a buffer of the file's size and decoded once: Node 20's readFileSync with an
 * encoding reads and decodes in steps, about twice as slow on files of megabytes (a 10,000-node
 * workflow's state journal is ~5 MB, its run record ~3 MB). ASCII — what JSON records nearly always
 * are — is copied as it is, without UTF-8 decoding.
 */
export function readText(file: string): string {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return fs.readFileSync(fd, "utf8"); // empty, or a file that does not know its size
    const buffer = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const n = fs.readSync(fd, buffer, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    // (A file still growing — a journal being appended to — is read up to the size it had.)
    const bytes = at < size ? buffer.subarray(0, at) : buffer;
    return bytes.toString(isAscii(bytes) ? "latin1" : "utf8", 0, at);
  } finally {
    fs.closeSync(fd);
  }
}

/** A file's text, or undefined when it cannot be read (missing, a directory…). */
export function readTextFile(file: string): string | undefined {
  try {
    return readText(file);
  } catch {
    return undefined;
  }
}

export type ReadResult<T> = { ok: true; value: T } | { ok: false; missing: boolean; problem?: string };

/** Read a JSON file; a missing file and a corrupt one are both reported, never thrown. */
export function readJson<T>(file: string): ReadResult<T> {
  let text: string;
  try {
    text = readText(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, missing: code === "ENOENT" || code === "ENOTDIR", problem: code };
  }
  try {
    return { ok: true, value: JSON.parse(text) as T };
  } catch (error) {
    return { ok: false, missing: false, problem: `${file} is not valid JSON (${(error as Error).message})` };
  }
}

export function isProcessAlive(pid: number | undefined): boolean {
  if (!pid || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether a file was last modified more than `ms` ago (true when it cannot be read). */
export function isOlderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > ms;
  } catch {
    return true;
  }
}

/** The `pid` of a registration or lock file read as JSON (`{"pid": …}`), when it has one. */
export function pidOf(read: ReadResult<unknown>): number | undefined {
  if (!read.ok) return undefined;
  const value = read.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const pid = (value as { pid?: unknown }).pid;
  return typeof pid === "number" ? pid : undefined;
}
