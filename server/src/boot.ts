/**
 * The language server's entry (`node dist/server.js --stdio`): loads the server's bundle
 * (dist/server-main.js, 14 MB with its TypeScript) through a V8 code cache, so that every start
 * after the first skips compiling it — and the functions the first start compiled lazily while
 * it parsed and bound its first program (≈ 0.3–0.5 s of a start on the 2-core machine). The
 * cache (runtime/src/util/codeCache.ts: where it lives, how it is named, FLOWSMITH_CODE_CACHE=off)
 * is refreshed when the server is idle after its first workspace sweep
 * (`flowsmithCodeCache.save()`), not on exit. Any failure only means a slower start.
 */
import * as path from "node:path";
import { requireWithCodeCache, type CodeCache } from "../../runtime/src/util/codeCache.js";

export type { CodeCache };

declare global {
  // Set before the bundle runs; server.ts calls save() once it is idle.
  var flowsmithCodeCache: CodeCache | undefined;
}

requireWithCodeCache(path.join(__dirname, "server-main.js"), "server", module, (cache) => {
  globalThis.flowsmithCodeCache = cache;
});
