/**
 * `flowsmith check` remembers its results, tsBuildInfo-like: what the analysis found in each flow
 * file, with the journal of every file-system question that analysis asked (journal.ts). A check
 * whose journal still holds — every file read has the same bytes (node_modules: the same size,
 * mtime and inode), every path probed exists as it did, every directory lists the same — prints
 * those results without loading a program; anything else, or a cache that cannot be read, and the
 * analysis runs as ever and the entry is replaced. What depends on the store (FS012 stale) is
 * never kept: it is computed on every check from the store as it is.
 *
 * Entries live next to the code caches (runtime/src/util/codeCache.ts: FLOWSMITH_CODE_CACHE_DIR,
 * else $XDG_CACHE_HOME/flowsmith or ~/.cache/flowsmith), one per target, named by a hash of the
 * analysis bundle's identity and the target; written to a temporary file and renamed (concurrent
 * checks never read half an entry; the last writer wins). The newest 64 are kept.
 * FLOWSMITH_CHECK_CACHE=off (or FLOWSMITH_CODE_CACHE=off) turns it off.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { FlowDiagnostic, WorkflowInfo } from "../analysis/index.js";
import { codeCacheDir } from "../../../runtime/src/util/codeCache.js";
import { writeFileAtomic } from "../../../runtime/src/store/files.js";
import { journalHolds, recordJournal, type JournalEntries } from "./journal.js";

/** One flow file's results: its diagnostics but FS012, and its workflows (for FS012 from the store). */
export interface FileResult {
  file: string;
  diagnostics: FlowDiagnostic[];
  workflows: WorkflowInfo[];
}

export interface CheckResults {
  files: string[];
  results: FileResult[];
}

interface Entry extends CheckResults {
  version: 1;
  journal: JournalEntries;
}

const KEEP = 64;

/**
 * The bundles the cache is keyed by — analysis.js (which makes results) and check-fast.js (which
 * reads them), side by side in runtime/dist — or undefined when run from sources (no cache).
 */
export function bundleIdentity(): string | undefined {
  const self = typeof __filename === "string" ? __filename : "";
  if (!/[\\/](analysis|check-fast)\.js$/.test(self)) return undefined;
  try {
    return ["analysis.js", "check-fast.js"]
      .map((name) => {
        const file = path.join(path.dirname(self), name);
        const st = fs.statSync(file, { bigint: true });
        return `${file}\0${st.size}\0${st.mtimeNs}\0${st.ino}`;
      })
      .join("\0");
  } catch {
    return undefined;
  }
}

function entryFile(target: string): string | undefined {
  if (process.env.FLOWSMITH_CHECK_CACHE === "off" || process.env.FLOWSMITH_CODE_CACHE === "off") return undefined;
  const bundle = bundleIdentity();
  if (!bundle) return undefined;
  const key = createHash("sha256").update(`${bundle}\0${target}\0${process.cwd()}`).digest("hex").slice(0, 24);
  return path.join(codeCacheDir(), `check-${key}.json`);
}

/** The results kept for checking `target` (an absolute path), if its journal still holds. */
export function keptResults(target: string): CheckResults | undefined {
  const file = entryFile(target);
  const kept = file ? read(file) : undefined;
  return kept ? { files: kept.files, results: kept.results } : undefined;
}

/**
 * The results of checking `target`: from the cache when its journal holds, else from `compute`
 * (recorded; paths under `fresh` — the store — are not part of the journal).
 */
export function cachedCheck(target: string, fresh: string[], compute: () => CheckResults): CheckResults & { cache: "hit" | "miss" | "off" } {
  const file = entryFile(target);
  if (!file) return { ...compute(), cache: "off" };
  const kept = read(file);
  if (kept) return { files: kept.files, results: kept.results, cache: "hit" };
  const cacheDir = path.dirname(file);
  const skip = (p: string) => p === cacheDir || [cacheDir, ...fresh].some((dir) => p.startsWith(`${dir}${path.sep}`) || p === dir);
  const recording = recordJournal(skip);
  let results: CheckResults;
  let journal: JournalEntries;
  try {
    results = compute();
  } finally {
    journal = recording.stop();
  }
  write(file, { version: 1, journal, ...results });
  return { ...results, cache: "miss" };
}

function read(file: string): Entry | undefined {
  try {
    const entry = JSON.parse(fs.readFileSync(file, "utf8")) as Entry;
    if (entry.version !== 1 || !Array.isArray(entry.files) || !Array.isArray(entry.results) || typeof entry.journal !== "object") return undefined;
    return journalHolds(entry.journal) ? entry : undefined;
  } catch {
    return undefined; // none yet, or damaged: checked afresh and replaced
  }
}

/** Keep results computed elsewhere (the check daemon) with the journal they hold under, for `target`. */
export function keepResults(target: string, journal: JournalEntries, results: CheckResults): void {
  const file = entryFile(target);
  if (file) write(file, { version: 1, journal, ...results });
}

/** What a journal must not record for a check of `fresh` (the store): the caches' own directory and the store. */
export function journalSkip(fresh: string[]): (p: string) => boolean {
  const cacheDir = path.dirname(entryFile("") ?? path.join(codeCacheDir(), "x"));
  return (p: string) => p === cacheDir || [cacheDir, ...fresh].some((dir) => p.startsWith(`${dir}${path.sep}`) || p === dir);
}

function write(file: string, entry: Entry): void {
  try {
    // Only what survives JSON as it is (a value JSON cannot hold would come back different).
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(entry.results)), entry.results)) return;
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(file, JSON.stringify(entry), false, 0o600);
    const entries = fs.readdirSync(dir).filter((n) => /^check-[0-9a-f]{24}\.json$/.test(n));
    if (entries.length > KEEP) {
      const byAge = entries.map((n) => ({ n, t: fs.statSync(path.join(dir, n)).mtimeMs })).sort((a, b) => b.t - a.t);
      for (const { n } of byAge.slice(KEEP)) fs.rmSync(path.join(dir, n), { force: true });
    }
  } catch {
    // A read-only or full disk: the next check analyses again, nothing else changes.
  }
}
