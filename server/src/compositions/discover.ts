/**
 * The composition files (`*.flows.yaml`, `*.flows.yml`) under a folder, as the server's sweep, the
 * Flows view and `flowsmith check`/`list` find them: the same directories skipped as for flow files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isCompositionFile } from "../../../runtime/src/composition/document.js";

const SKIP_DIRS = new Set(["node_modules", "dist", "out", "test-results"]);

export function discoverCompositionFiles(dir: string, limit = 5_000): string[] {
  const found: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 40) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (found.length >= limit) return;
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith(".")) walk(p, depth + 1);
      } else if (entry.isFile() && isCompositionFile(entry.name)) found.push(p);
    }
  };
  walk(dir, 0);
  return found.sort();
}

const cached = new Map<string, { files: string[]; at: number }>();

/** Cached for a few seconds (clients that report no file events still see new files soon). */
export function compositionFiles(dir: string, fresh = false): string[] {
  const kept = cached.get(dir);
  if (!fresh && kept && Date.now() - kept.at < 3000) return kept.files;
  const files = discoverCompositionFiles(dir);
  cached.set(dir, { files, at: Date.now() });
  return files;
}

/** Read a composition from the disk; undefined when it cannot be read (gone, a directory, too big). */
export function readCompositionText(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > 8 * 1048576) return undefined;
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
