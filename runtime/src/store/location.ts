/**
 * Where the store lives for a workspace: `--store`, then FLOWSMITH_STORE, then `.flowsmith/` in the
 * workspace root.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const DEFAULT_STORE = ".flowsmith";

/**
 * The workspace root: the nearest directory up from `start` holding `.flowsmith`, `package.json`
 * or `.git`, else `start` itself. Targets are relative to it.
 */
export function findWorkspaceRoot(start: string): string {
  const begin = path.resolve(start);
  let dir = begin;
  for (;;) {
    if ([DEFAULT_STORE, "package.json", ".git"].some((m) => fs.existsSync(path.join(dir, m)))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return begin;
    dir = parent;
  }
}

/** The store directory of a workspace root: `explicit` (`--store`), FLOWSMITH_STORE, or `.flowsmith`. */
export function resolveStoreDir(root: string, explicit?: string): string {
  const chosen = explicit ?? process.env.FLOWSMITH_STORE;
  return chosen ? path.resolve(root, chosen) : path.join(root, DEFAULT_STORE);
}
