/**
 * A journal of every question an analysis asked the file system, with the answer it got: which
 * paths exist (and as what), what each file read held, what each directory listed, where each
 * realpath led. `flowsmith check` keeps its results with the journal of the run that made them
 * (checkCache.ts); a later check whose every question gets the same answer would compute the same
 * results — the program, the tsconfig, the packages, module resolution's failed lookups included —
 * so it prints them instead of building a program. Like a build tool's dependency file, with the
 * dependencies recorded by watching, not declared.
 *
 * What a read "held": a hash of its bytes; for files under node_modules, their size, mtime (ns)
 * and inode, taken before the read (a package is replaced, not edited in place; hashing every
 * declaration file of @types/node on each check would cost what it saves).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** e: exists as what · r: content · d: directory listing · p: realpath. */
type Kind = "e" | "r" | "d" | "p";
/** `kind + path` → the answer's signature. */
export type JournalEntries = Record<string, string>;

const IN_NODE_MODULES = /[\\/]node_modules[\\/]/;

function hash(data: string | Buffer): string {
  return createHash("sha1").update(data).digest("base64").slice(0, 22);
}

function kindOfStats(st: fs.Stats | fs.BigIntStats | undefined): string {
  return !st ? "none" : st.isFile() ? "file" : st.isDirectory() ? "dir" : "other";
}

function statSig(file: string): string {
  const st = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  return st ? `${st.size}:${st.mtimeNs}:${st.ino}` : "none";
}

function listingSig(names: readonly (string | fs.Dirent)[]): string {
  const entries = names.map((n) => (typeof n === "string" ? n : `${n.name}/${n.isDirectory() ? "d" : n.isFile() ? "f" : n.isSymbolicLink() ? "l" : "o"}`));
  return hash(entries.sort().join("\n"));
}

/** The signature of the answer to `kind` about `file` now (what validation compares with). */
function signature(kind: Kind, file: string, withTypes: boolean): string {
  try {
    switch (kind) {
      case "e":
        return kindOfStats(fs.statSync(file, { throwIfNoEntry: false }));
      case "r":
        return IN_NODE_MODULES.test(file) ? statSig(file) : hash(fs.readFileSync(file));
      case "d":
        return listingSig(withTypes ? fs.readdirSync(file, { withFileTypes: true }) : fs.readdirSync(file));
      case "p":
        return fs.realpathSync.native(file);
    }
  } catch {
    return "none";
  }
}

function pathOf(p: unknown): string | undefined {
  if (typeof p === "string") return path.resolve(p);
  if (p instanceof URL) return p.protocol === "file:" ? fileURLToPath(p) : undefined;
  if (Buffer.isBuffer(p)) return path.resolve(p.toString());
  return undefined;
}

type AnyFn = (...args: never[]) => unknown;

/**
 * Record the file-system questions asked (through `fs`'s synchronous calls, which TypeScript's
 * `sys` and the analysis use) until `stop()`; paths for which `skip` says true are not recorded
 * (the store: statuses are read fresh on every check).
 */
export function recordJournal(skip: (file: string) => boolean): { stop(): JournalEntries } {
  // The module object itself (a bundle's `import * as fs` is a read-only view of it, whose getters
  // then return what is set here — as TypeScript's own `require("fs")` does).
  const fs = require("node:fs") as typeof import("node:fs");
  const entries: JournalEntries = {};
  const note = (kind: Kind, file: string | undefined, sig: () => string) => {
    if (file === undefined || skip(file)) return;
    const key = `${kind}${file}`;
    if (!(key in entries)) entries[key] = sig();
  };
  const originals: [object, string, AnyFn][] = [];
  const wrap = <T extends AnyFn>(owner: object, name: string, make: (original: T) => T) => {
    const original = (owner as Record<string, T>)[name]!;
    originals.push([owner, name, original]);
    (owner as Record<string, T>)[name] = make(original);
  };
  const statLike = (original: AnyFn) =>
    function (this: unknown, ...args: unknown[]) {
      let result: unknown;
      try {
        result = (original as (...a: unknown[]) => unknown).apply(this, args);
      } catch (error) {
        note("e", pathOf(args[0]), () => "none");
        throw error;
      }
      note("e", pathOf(args[0]), () => kindOfStats(result as fs.Stats | undefined));
      return result;
    } as unknown as AnyFn;
  wrap(fs, "statSync", statLike);
  wrap(fs, "lstatSync", (original: AnyFn) => {
    const wrapped = statLike(original);
    // An lstat of a symbolic link answers "other" where a stat answers the target: record as stat would.
    return function (this: unknown, ...args: unknown[]) {
      const file = pathOf(args[0]);
      if (file !== undefined && !skip(file)) note("e", file, () => kindOfStats(fs.statSync(file, { throwIfNoEntry: false })));
      return (wrapped as (...a: unknown[]) => unknown).apply(this, args);
    } as unknown as AnyFn;
  });
  wrap(fs, "existsSync", (original: AnyFn) =>
    function (this: unknown, ...args: unknown[]) {
      const result = (original as (...a: unknown[]) => boolean).apply(this, args);
      const file = pathOf(args[0]);
      note("e", file, () => (result && file ? kindOfStats(fs.statSync(file, { throwIfNoEntry: false })) : "none"));
      return result;
    } as unknown as AnyFn,
  );
  wrap(fs, "readFileSync", (original: AnyFn) =>
    function (this: unknown, ...args: unknown[]) {
      const file = pathOf(args[0]);
      // Under node_modules: the identity before the read (a change after it is then a mismatch).
      const before = file !== undefined && IN_NODE_MODULES.test(file) ? statSig(file) : undefined;
      let result: unknown;
      try {
        result = (original as (...a: unknown[]) => unknown).apply(this, args);
      } catch (error) {
        note("r", file, () => "none");
        throw error;
      }
      const encoding = ((typeof args[1] === "string" ? args[1] : (args[1] as { encoding?: string } | undefined)?.encoding) ?? "utf8") as BufferEncoding;
      note("r", file, () => before ?? hash(typeof result === "string" ? Buffer.from(result, encoding) : (result as Buffer)));
      return result;
    } as unknown as AnyFn,
  );
  wrap(fs, "readdirSync", (original: AnyFn) =>
    function (this: unknown, ...args: unknown[]) {
      const withTypes = typeof args[1] === "object" && args[1] !== null && (args[1] as { withFileTypes?: boolean }).withFileTypes === true;
      const file = pathOf(args[0]);
      let result: unknown;
      try {
        result = (original as (...a: unknown[]) => unknown).apply(this, args);
      } catch (error) {
        note("d", file, () => "none");
        throw error;
      }
      note("d", file, () => listingSig(result as (string | fs.Dirent)[]));
      if (file !== undefined && !skip(file)) entries[`t${file}`] = withTypes ? "1" : "0";
      return result;
    } as unknown as AnyFn,
  );
  const realpath = (original: AnyFn) =>
    function (this: unknown, ...args: unknown[]) {
      let result: unknown;
      try {
        result = (original as (...a: unknown[]) => unknown).apply(this, args);
      } catch (error) {
        note("p", pathOf(args[0]), () => "none");
        throw error;
      }
      note("p", pathOf(args[0]), () => String(result));
      return result;
    } as unknown as AnyFn;
  const nativeRealpath = fs.realpathSync.native;
  wrap(fs, "realpathSync", realpath);
  (fs.realpathSync as unknown as { native: AnyFn }).native = realpath(nativeRealpath as AnyFn);
  return {
    stop() {
      for (const [owner, name, original] of originals.reverse()) (owner as Record<string, AnyFn>)[name] = original;
      fs.realpathSync.native = nativeRealpath;
      return entries;
    },
  };
}

/** Does every question of the journal get the same answer now? */
export function journalHolds(entries: JournalEntries): boolean {
  for (const [key, sig] of Object.entries(entries)) {
    const kind = key[0] as Kind | "t";
    if (kind === "t") continue;
    const file = key.slice(1);
    if (signature(kind, file, entries[`t${file}`] === "1") !== sig) return false;
  }
  return true;
}

/** The journal's keys (`kind + path`) whose question gets another answer now. */
export function changedEntries(entries: JournalEntries): string[] {
  const changed: string[] = [];
  for (const [key, sig] of Object.entries(entries)) {
    const kind = key[0] as Kind | "t";
    if (kind === "t") continue;
    const file = key.slice(1);
    if (signature(kind, file, entries[`t${file}`] === "1") !== sig) changed.push(key);
  }
  return changed;
}

/** The answer to a journal key's question now (to bring an entry up to date). */
export function currentAnswer(entries: JournalEntries, key: string): string {
  const file = key.slice(1);
  return signature(key[0] as Kind, file, entries[`t${file}`] === "1");
}
