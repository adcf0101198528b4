/**
 * The language server's entry (`node dist/server.js --stdio`): loads the server's bundle
 * (dist/server-main.js, 14 MB with its TypeScript) through a V8 code cache, so that every start
 * after the first skips compiling it — and the functions the first start compiled lazily while
 * it parsed and bound its first program (≈ 0.3–0.5 s of a start on the 2-core machine; Node 20
 * has no `module.enableCompileCache`). Like v8-compile-cache, with the cache refreshed when the
 * server is idle after its first workspace sweep (`flowsmithCodeCache.save()`), not on exit.
 *
 * The cache lives in FLOWSMITH_CODE_CACHE_DIR (the extension passes its global storage), else
 * $XDG_CACHE_HOME/flowsmith or ~/.cache/flowsmith — a directory of the user's, never a shared
 * temp directory (a cache is code). It is named by a hash of the bundle file's identity (path,
 * size, mtime, inode), the Node version and the V8 flags; a cache V8 rejects is replaced. FLOWSMITH_CODE_CACHE=off turns it
 * off. Any failure here only means a slower start: the bundle then loads as a plain module.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import Module from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";
import { writeFileAtomic } from "../../runtime/src/store/files.js";

export interface CodeCache {
  /** Write the cache now if it is missing or was rejected (a no-op otherwise, and after the first call). */
  save(): void;
  /** What this start found: "hit", "miss" (none yet), "rejected" (stale), or "off". */
  readonly state: "hit" | "miss" | "rejected" | "off";
}

declare global {
  // Set before the bundle runs; server.ts calls save() once it is idle.
  var flowsmithCodeCache: CodeCache | undefined;
}

const MAIN = path.join(__dirname, "server-main.js");

function cacheDir(): string {
  if (process.env.FLOWSMITH_CODE_CACHE_DIR) return process.env.FLOWSMITH_CODE_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "flowsmith");
}

/** Run the bundle as CommonJS would, from compiled `script`. */
function runScript(script: vm.Script): void {
  const mod = new Module(MAIN, module);
  mod.filename = MAIN;
  // (Node's own internals: the lookup paths a module at MAIN gets.)
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(MAIN));
  const require = Module.createRequire(MAIN);
  const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, require, mod, MAIN, path.dirname(MAIN));
}

/** The bundle as a plain module, without a cache. */
function loadPlain(): void {
  globalThis.flowsmithCodeCache = { save() {}, state: "off" };
  require(MAIN);
}

function boot(): void {
  if (process.env.FLOWSMITH_CODE_CACHE === "off") return loadPlain();
  let source: string;
  let script: vm.Script;
  let file: string;
  let cachedData: Buffer | undefined;
  try {
    // The bundle is named by its file's identity, not a hash of its 14 MB (≈ 60 ms a start here):
    // a new build is a new file (size, mtime to the nanosecond, inode); V8 checks the source's
    // length and its own version and flags again when it reads the cache.
    const st = fs.statSync(MAIN, { bigint: true });
    source = fs.readFileSync(MAIN, "utf8");
    const key = createHash("sha256")
      .update(`${MAIN}\0${st.size}\0${st.mtimeNs}\0${st.ino}\0${st.dev}`)
      .update(`\0${process.version}\0${process.arch}\0${process.execArgv.join(" ")}`)
      .digest("hex")
      .slice(0, 20);
    file = path.join(cacheDir(), `server-${key}.v8cache`);
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    script = new vm.Script(Module.wrap(source), { filename: MAIN, cachedData });
  } catch {
    return loadPlain();
  }
  const state = cachedData === undefined ? "miss" : script.cachedDataRejected ? "rejected" : "hit";
  let saved = state === "hit";
  globalThis.flowsmithCodeCache = {
    state,
    save() {
      if (saved) return;
      saved = true;
      try {
        // After the first sweep: the cache then holds what was compiled lazily meanwhile too.
        const dir = path.dirname(file);
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        writeFileAtomic(file, script.createCachedData(), false, 0o600);
        // Caches of other builds are dead weight (one per bundle and Node version).
        for (const name of fs.readdirSync(dir)) {
          if (/^server-[0-9a-f]{20}\.v8cache$/.test(name) && name !== path.basename(file)) fs.rmSync(path.join(dir, name), { force: true });
        }
      } catch {
        // A read-only or full disk: the next start compiles again, nothing else changes.
      }
    },
  };
  runScript(script);
}

boot();
