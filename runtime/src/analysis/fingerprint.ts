/**
 * Code fingerprints: a hash of a task's own source and of the local code it calls.
 *
 * The engine stores the fingerprint with each output and marks the node STALE when it changes; the
 * language server shows the same staleness while you type. Both must agree, so this module is pure
 * (the TypeScript parser plus string work; files only through the host) and deterministic.
 *
 * The analysis is syntactic on purpose: no type checker, so it is fast and never fails on broken
 * code. Where it cannot be precise it over-includes (a spurious STALE costs a re-run, a missed
 * dependency serves a wrong cached result).
 *
 * This module finds the tasks a file defines and is the API; its parts are fingerprint-files.ts
 * (one file's names, imports and exports), fingerprint-code.ts (what local code a task calls) and
 * fingerprint-hash.ts (normalised token streams and the hashes made of them).
 */
import * as path from "node:path";
import ts from "typescript";
import { readTextFile } from "../store/files.js";
import { LocalCode } from "./fingerprint-code.js";
import { isRelative, type FingerprintHost, type ParsedFile } from "./fingerprint-files.js";

export type { FingerprintHost } from "./fingerprint-files.js";
export { fingerprintText } from "./fingerprint-hash.js";

/** The TypeScript this module parses with: a host's `parsed` files must come from the same one. */
export const TYPESCRIPT_VERSION: string = ts.version;

export interface TaskFingerprint {
  /**
   * The task's name, as the loader gives it: its `name` option (a string literal) if given, else
   * the name it is exported under — a named export before `default` (`const t = task(...);
   * export default t;` is `default`) — else the variable name for a non-exported const.
   */
  name: string;
  /** Absolute path of the file that defines the task. */
  file: string;
  /** 16 lowercase hex chars (sha256 prefix). */
  fingerprint: string;
  /** 0-based offsets of the task() call expression in its file. */
  start: number;
  end: number;
}

export const nodeFsHost: FingerprintHost = { readFile: readTextFile };

function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) ||
    ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
  return e;
}

function nameOption(call: ts.CallExpression): string | undefined {
  const opts = call.arguments[0];
  if (!opts || !ts.isObjectLiteralExpression(opts)) return undefined;
  for (const p of opts.properties) {
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) &&
      p.name.text === "name" && ts.isStringLiteralLike(p.initializer)) return p.initializer.text;
  }
  return undefined;
}

/** The local a file exports as default by name (`export default t`, `export { t as default }`), if any. */
function defaultExportedLocal(f: ParsedFile): string | undefined {
  const e = f.exports.get("default");
  if (!e) return undefined;
  if ("local" in e) return e.local;
  if ("node" in e && ts.isExportAssignment(e.node)) {
    const x = unwrap(e.node.expression);
    if (ts.isIdentifier(x)) return x.text;
  }
  return undefined;
}

/** The tasks a parsed file defines itself, in source order, with their names and fingerprints. */
function tasksOfFile(a: LocalCode, f: ParsedFile, found: (t: TaskFingerprint) => void): void {
  // local → the name the loader gives it: its first non-default export name, else "default" when
  // it is exported only as default (`export default t`, `export { t as default }`).
  const exportName = new Map<string, string>();
  for (const [name, e] of f.exports) if ("local" in e && name !== "default" && !exportName.has(e.local)) exportName.set(e.local, name);
  const defaultLocal = defaultExportedLocal(f);
  if (defaultLocal !== undefined && !exportName.has(defaultLocal)) exportName.set(defaultLocal, "default");
  const emit = (call: ts.CallExpression, fallback: string) => {
    const name = nameOption(call) ?? fallback;
    found({ name, file: f.path, fingerprint: a.fingerprint({ file: f, node: call }), start: call.getStart(f.sf), end: call.end });
  };
  for (const st of f.sf.statements) {
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        const init = d.initializer && unwrap(d.initializer);
        if (ts.isIdentifier(d.name) && init && ts.isCallExpression(init) && a.isTaskCallee(f, init.expression)) {
          emit(init, exportName.get(d.name.text) ?? d.name.text);
        }
      }
    } else if (ts.isExportAssignment(st) && !st.isExportEquals) {
      const e = unwrap(st.expression);
      if (ts.isCallExpression(e) && a.isTaskCallee(f, e.expression)) emit(e, "default");
    }
  }
}

/** Every task defined in `file` and in the local files it imports (transitively), keyed by task name. */
export function fingerprintTasks(file: string, host: FingerprintHost = nodeFsHost): Map<string, TaskFingerprint> {
  const a = new LocalCode(host);
  const result = new Map<string, TaskFingerprint>();
  const entry = a.load(path.resolve(file));
  if (!entry) return result;
  // Breadth-first from the entry, so on a name clash the task closest to the entry wins.
  const queue = [entry];
  const queued = new Set([entry.path]);
  for (let i = 0; i < queue.length; i++) {
    const f = queue[i];
    tasksOfFile(a, f, (t) => {
      if (!result.has(t.name)) result.set(t.name, t);
    });
    for (const spec of f.specs) {
      const g = isRelative(spec) ? a.loadModule(f.path, spec) : null;
      if (g && !queued.has(g.path)) {
        queued.add(g.path);
        queue.push(g);
      }
    }
  }
  return result;
}

/**
 * A long-lived fingerprinter for the language server: parsed files and token streams are kept
 * across calls, and `invalidate(file)` forgets one file (and every cross-file memo, since a
 * fingerprint may include code from the changed file). Gives the same fingerprints as
 * `fingerprintTasks`, per file, without re-parsing a file's whole import closure each time.
 */
export class FingerprintCache {
  private analysis: LocalCode;

  constructor(host: FingerprintHost = nodeFsHost) {
    this.analysis = new LocalCode(host);
  }

  /** The tasks `file` defines itself (in source order). */
  tasksIn(file: string): TaskFingerprint[] {
    const f = this.analysis.load(path.resolve(file));
    const out: TaskFingerprint[] = [];
    if (f) tasksOfFile(this.analysis, f, (t) => out.push(t));
    return out;
  }

  invalidate(file: string): void {
    this.analysis = this.analysis.without(path.resolve(file));
  }
}
