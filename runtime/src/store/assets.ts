/**
 * Content hashes of `asset()`s: a workspace file or directory a flow reads as an input (d6tflow's
 * "handling data change"). A file hashes its bytes; a directory hashes its files' sorted relative
 * paths with their content hashes (so a rename, an added or a removed file changes it; empty
 * directories and symbolic links to nothing do not count). A cache in the store (cache/assets/)
 * keeps each file's size, mtime and hash, so a large directory that did not change is not read
 * again — only listed and stat'ed. A file whose mtime is too close to the moment it was hashed is
 * read again next time (it may have changed within the clock's tick, as git's "racy" entries).
 *
 * Paths: what a flow writes in `asset("data/raw")` is relative to the directory of the flow file
 * whose workflow calls it (as an import is); bindings, records and the editor name an asset by its
 * path relative to the workspace root (`assetRelative`), and a task receives the absolute path.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { readJson, writeJsonAtomic } from "./files.js";
import { sha256 } from "./hash.js";
import { cacheEntry } from "./layout.js";
import { FlowsmithError } from "../util/errors.js";

/** How far from the hashing time an mtime must be for the cached hash to be trusted. */
const RACY_MS = 2000;
const CACHE_FORMAT = 1;

interface CachedFile {
  size: number;
  mtimeMs: number;
  hash: string;
}

interface AssetCache {
  format: number;
  path: string;
  /** Date.now() when it was written. */
  hashedAt: number;
  files: Record<string, CachedFile>;
}

/** What hashing an asset did: how many files it read (the others came from the cache). */
export interface AssetHash {
  hash: string;
  kind: "file" | "directory";
  files: number;
  filesRead: number;
  bytesRead: number;
}

/** An asset that does not exist or cannot be read: one line, naming it. */
export class AssetError extends FlowsmithError {}

/** The sha256 of a file's bytes, read in 1 MB chunks (a large file never sits in memory whole). */
function hashFile(file: string): { hash: string; bytes: number } {
  const h = crypto.createHash("sha256");
  const fd = fs.openSync(file, "r");
  const buffer = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      h.update(n === buffer.length ? buffer : buffer.subarray(0, n));
      bytes += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { hash: h.digest("hex"), bytes };
}

/** Every regular file under `dir`, as sorted `/`-separated relative paths with their stats. */
function listFiles(dir: string): [string, fs.Stats][] {
  const out: [string, fs.Stats][] = [];
  const walk = (abs: string, rel: string) => {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      const childAbs = path.join(abs, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      let stat: fs.Stats;
      try {
        stat = fs.statSync(childAbs);
      } catch {
        continue; // a dangling link
      }
      if (stat.isDirectory()) walk(childAbs, childRel);
      else if (stat.isFile()) out.push([childRel, stat]);
    }
  };
  walk(dir, "");
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * The content hash of the file or directory at `absPath`; with `cacheDir` (a store's cache/),
 * unchanged files (same size and mtime) are not read again. Throws AssetError (one line) when the
 * path does not exist or cannot be read.
 */
export function hashAsset(absPath: string, cacheDir?: string): AssetHash {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absPath);
  } catch {
    throw new AssetError(`asset ${absPath} does not exist`);
  }
  const cacheFile = cacheDir ? cacheEntry(cacheDir, "assets", `${sha256(absPath).slice(0, 24)}.json`) : undefined;
  let cached: AssetCache | undefined;
  if (cacheFile) {
    const read = readJson<AssetCache>(cacheFile);
    if (read.ok && read.value && read.value.format === CACHE_FORMAT && read.value.path === absPath && typeof read.value.files === "object") cached = read.value;
  }
  const entries: [string, fs.Stats][] = stat.isDirectory() ? listFiles(absPath) : stat.isFile() ? [["", stat]] : [];
  if (!stat.isDirectory() && !stat.isFile()) throw new AssetError(`asset ${absPath} is neither a file nor a directory`);
  const files: Record<string, CachedFile> = {};
  let filesRead = 0;
  let bytesRead = 0;
  let lines = "";
  const now = Date.now();
  for (const [rel, s] of entries) {
    const before = cached?.files[rel];
    let hash: string;
    if (before && before.size === s.size && before.mtimeMs === s.mtimeMs && cached!.hashedAt - s.mtimeMs > RACY_MS) {
      hash = before.hash;
    } else {
      const file = rel ? path.join(absPath, ...rel.split("/")) : absPath;
      try {
        const r = hashFile(file);
        hash = r.hash;
        bytesRead += r.bytes;
      } catch (error) {
        throw new AssetError(`asset ${absPath}: cannot read ${rel || "it"}: ${(error as Error).message}`);
      }
      filesRead++;
    }
    files[rel] = { size: s.size, mtimeMs: s.mtimeMs, hash };
    lines += `${rel}\0${hash}\n`;
  }
  const kind = stat.isDirectory() ? "directory" : "file";
  const hash = kind === "file" ? files[""]!.hash : sha256(`dir\n${lines}`);
  if (cacheFile && (filesRead > 0 || !cached || Object.keys(cached.files).length !== entries.length)) {
    try {
      writeJsonAtomic(cacheFile, { format: CACHE_FORMAT, path: absPath, hashedAt: now, files } satisfies AssetCache);
    } catch {
      /* a read-only or full store: hashed again next time */
    }
  }
  return { hash, kind, files: entries.length, filesRead, bytesRead };
}

/** Where `asset(written)` points, from the directory of the flow file that wrote it. */
export function resolveAssetPath(written: string, fromDir: string): string {
  return path.resolve(fromDir, written);
}

/** An asset's path as bindings, records and the editor name it: relative to the workspace root, `/`-separated. */
export function assetRelative(absPath: string, root: string): string {
  const rel = path.relative(root, absPath);
  return rel === "" ? "." : rel.split(path.sep).join("/");
}

/** Hashes of the assets of one run or one preview, each hashed once (by absolute path). */
export class AssetHashes {
  private readonly known = new Map<string, string>();
  constructor(private readonly cacheDir?: string) {}

  hash(absPath: string): string {
    let h = this.known.get(absPath);
    if (h === undefined) {
      h = hashAsset(absPath, this.cacheDir).hash;
      this.known.set(absPath, h);
    }
    return h;
  }
}
