/**
 * What `flowsmith check` prints, from a check's results (the analysis' diagnostics of each flow
 * file, FS012 excepted, and its workflows): FS012 from the store as it is now, then the
 * diagnostics as lines (or JSON) and a summary; exit 1 on any error. Without TypeScript: the
 * results may come from the cache (checkFast.ts) without loading the analysis.
 */
import * as path from "node:path";
import type { FlowDiagnostic } from "../analysis/model.js";
import { staleDiagnosticsOf } from "../analysis/stale.js";
import { storeStatuses } from "../analysis/statusSource.js";
import { canonicalTarget } from "../../../runtime/src/engine/target.js";
import { findWorkspaceRoot, Store } from "../../../runtime/src/store/store.js";
import type { FileResult } from "./checkCache.js";

export function rel(file: string): string {
  const r = path.relative(process.cwd(), file);
  return r && !r.startsWith("..") ? r : file;
}

const ORDER: FlowDiagnostic["severity"][] = ["error", "warning", "information", "hint"];

/** `flows/a.ts:7:19 error FS001 task sum has no input "rowz"…`: one diagnostic as `check` prints it. */
export function diagnosticLine(d: FlowDiagnostic): string {
  return `${rel(d.file)}:${d.range.start.line + 1}:${d.range.start.character + 1} ${d.severity} ${d.code} ${d.message}`;
}

/** Print a check of `files` rooted at `root` (the analysis' root); the exit code. */
export function reportCheck(root: string, opts: { format?: string; store?: string }, files: readonly string[], results: readonly FileResult[]): number {
  const store = storeStatuses(Store.forWorkspace(root, opts.store));
  const storeRoot = findWorkspaceRoot(root);
  const all: FlowDiagnostic[] = [];
  for (const r of results) {
    const stale = staleDiagnosticsOf(r, (wf) => store.statuses(canonicalTarget(storeRoot, wf.file, wf.name), wf.nodes));
    all.push(...r.diagnostics, ...stale.filter((d) => d.file === r.file));
  }
  all.sort((a, b) => a.file.localeCompare(b.file) || a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  const errors = all.filter((d) => d.severity === "error").length;
  if (opts.format === "json") {
    const out = all.map((d) => ({
      file: rel(d.file),
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
      endLine: d.range.end.line + 1,
      endColumn: d.range.end.character + 1,
      severity: d.severity,
      code: d.code,
      message: d.message,
    }));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    for (const d of all) process.stdout.write(`${diagnosticLine(d)}\n`);
    const counts = ORDER.map((s) => [s, all.filter((d) => d.severity === s).length] as const).filter(([, n]) => n > 0);
    process.stdout.write(
      `${counts.length ? counts.map(([s, n]) => `${n} ${s}${n === 1 ? "" : s === "information" ? "" : "s"}`).join(", ") : "no problems"} in ${files.length} flow file${files.length === 1 ? "" : "s"}\n`,
    );
  }
  return errors > 0 ? 1 : 0;
}
