/**
 * Load a big CommonJS bundle through a V8 code cache, so that every load after the first skips
 * compiling it — and the functions the first load compiled lazily while it ran (Node 20 has no
 * `module.enableCompileCache`). Like v8-compile-cache. Serves the language server's bundle
 * (server/src/boot.ts: dist/server-main.js, cache refreshed when the server is first idle) and the
 * CLI's analysis bundle (runtime/dist/analysis.js for check/graph/list, refreshed when the command
 * is done).
 *
 * The cache lives in FLOWSMITH_CODE_CACHE_DIR (the extension passes its global storage), else
 * $XDG_CACHE_HOME/flowsmith or ~/.cache/flowsmith — a directory of the user's, never a shared temp
 * directory (a cache is code). It is named by the bundle's name and a hash of the bundle file's
 * identity (path, size, mtime, inode), the Node version and the V8 flags; V8 checks the source's
 * length, its own version and flags again when it reads it, and a cache it rejects is replaced.
 * Writers write a temporary file and rename it: concurrent processes never read half a cache.
 * FLOWSMITH_CODE_CACHE=off turns it off. Any failure only means a slower load: the bundle then
 * loads as a plain module.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import Module from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";
import { writeFileAtomic } from "../store/files.js";

export interface CodeCache {
  /** Write the cache now if it is missing or was rejected (a no-op otherwise, and after the first call). */
  save(): void;
  /** What this load found: "hit", "miss" (none yet), "rejected" (stale), or "off". */
  readonly state: "hit" | "miss" | "rejected" | "off";
}

export function codeCacheDir(): string {
  if (process.env.FLOWSMITH_CODE_CACHE_DIR) return process.env.FLOWSMITH_CODE_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "flowsmith");
}

/** Run the bundle at `file` as CommonJS would, from compiled `script`; its exports. */
function runScript(script: vm.Script, file: string, parent: NodeJS.Module | undefined): unknown {
  const mod = new Module(file, parent);
  mod.filename = file;
  // (Node's own internals: the lookup paths a module at `file` gets.)
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const require = Module.createRequire(file);
  const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, require, mod, file, path.dirname(file));
  mod.loaded = true;
  return mod.exports;
}

/**
 * Load `file` (a CommonJS bundle) through the code cache named `name-<hash>.v8cache`. `before` is
 * called with the cache before the bundle runs (the server's bundle reads it while it starts).
 */
export function requireWithCodeCache(file: string, name: string, parent?: NodeJS.Module, before?: (cache: CodeCache) => void): { exports: unknown; cache: CodeCache } {
  const plain = (): { exports: unknown; cache: CodeCache } => {
    const cache: CodeCache = { save() {}, state: "off" };
    before?.(cache);
    return { exports: require(file) as unknown, cache };
  };
  if (process.env.FLOWSMITH_CODE_CACHE === "off") return plain();
  let script: vm.Script;
  let cacheFile: string;
  let cachedData: Buffer | undefined;
  try {
    // Named by the file's identity, not a hash of its megabytes (≈ 60 ms a load here): a new build is
    // a new file (size, mtime to the nanosecond, inode).
    const st = fs.statSync(file, { bigint: true });
    const source = fs.readFileSync(file, "utf8");
    const key = createHash("sha256")
      .update(`${file}\0${st.size}\0${st.mtimeNs}\0${st.ino}\0${st.dev}`)
      .update(`\0${process.version}\0${process.arch}\0${process.execArgv.join(" ")}`)
      .digest("hex")
      .slice(0, 20);
    cacheFile = path.join(codeCacheDir(), `${name}-${key}.v8cache`);
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
    script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  } catch {
    return plain();
  }
  const state = cachedData === undefined ? "miss" : script.cachedDataRejected ? "rejected" : "hit";
  let saved = state === "hit";
  const cache: CodeCache = {
    state,
    save() {
      if (saved) return;
      saved = true;
      try {
        const dir = path.dirname(cacheFile);
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        writeFileAtomic(cacheFile, script.createCachedData(), false, 0o600);
        // Caches of other builds are dead weight (one per bundle and Node version).
        const mine = new RegExp(`^${name}-[0-9a-f]{20}\\.v8cache$`);
        for (const entry of fs.readdirSync(dir)) {
          if (mine.test(entry) && entry !== path.basename(cacheFile)) fs.rmSync(path.join(dir, entry), { force: true });
        }
      } catch {
        // A read-only or full disk: the next load compiles again, nothing else changes.
      }
    },
  };
  before?.(cache);
  return { exports: runScript(script, file, parent), cache };
}
