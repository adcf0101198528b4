/**
 * Syntax errors in flow files (FS000, error). `flowsmith check` is a gate a CI job trusts: a file the
 * parser could not read must never pass as "no problems". The parser's own diagnostics (what
 * `program.getSyntacticDiagnostics(sf)` returns for a TypeScript file) are reported at their position,
 * in TypeScript's words, and what the analysis found in the broken part of the file is dropped:
 * after an error the parser recovers by guessing, and a graph built from its guess gives misleading
 * diagnostics (an unclosed `{` made `return` an "unknown input").
 *
 * The rule (docs/decisions.md): a file's broken region starts at the top-level statement holding its
 * first syntax error (or the unmatched bracket the error points back to) and runs to the end of the
 * file. Diagnostics inside that region are dropped; so are the graph diagnostics of a workflow that
 * uses a task or sub-flow defined in a broken region (of this file or another one). Diagnostics
 * about code wholly before the region that depends on nothing in it are kept.
 */
import * as path from "node:path";
import { ts } from "@ts-morph/common";
import type { FlowDiagnostic } from "./model.js";
import { offsetsToRange, rangeOf } from "./ranges.js";

/** The code of a syntax error (shared with the "file too large" information; see decisions.md). */
export const SYNTAX_ERROR = "FS000";

interface SyntaxInfo {
  errors: readonly ts.DiagnosticWithLocation[];
  /** Offset where the broken region starts, when there are errors. */
  brokenFrom?: number;
}

const infos = new WeakMap<ts.SourceFile, SyntaxInfo>();

/** The parser's diagnostics of a file (a source file keeps them as `parseDiagnostics`). */
function parseErrorsOf(sf: ts.SourceFile): readonly ts.DiagnosticWithLocation[] {
  const found = (sf as unknown as { parseDiagnostics?: readonly ts.DiagnosticWithLocation[] }).parseDiagnostics;
  return (found ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
}

function infoOf(sf: ts.SourceFile): SyntaxInfo {
  let info = infos.get(sf);
  if (info) return info;
  const errors = parseErrorsOf(sf);
  info = { errors };
  if (errors.length) {
    let first = Infinity;
    for (const e of errors) {
      first = Math.min(first, e.start);
      for (const r of e.relatedInformation ?? []) if (r.file === sf && r.start !== undefined) first = Math.min(first, r.start);
    }
    info.brokenFrom = statementStartAt(sf, first);
  }
  infos.set(sf, info);
  return info;
}

/** The start of the top-level statement holding `pos` (or the next one, when `pos` is between two). */
function statementStartAt(sf: ts.SourceFile, pos: number): number {
  for (const s of sf.statements) if (s.end >= pos) return Math.min(pos, s.getStart(sf));
  return pos;
}

export function hasSyntaxErrors(sf: ts.SourceFile): boolean {
  return infoOf(sf).errors.length > 0;
}

function messageOf(sf: ts.SourceFile, d: ts.Diagnostic): string {
  let text = ts.flattenDiagnosticMessageText(d.messageText, " ").replace(/\.$/, "");
  for (const r of d.relatedInformation ?? []) {
    if (r.file !== sf || r.start === undefined) continue;
    const at = sf.getLineAndCharacterOfPosition(r.start);
    // 1007: "The parser expected to find a '}' to match the '{' token here."
    const token = r.code === 1007 ? sf.text.slice(r.start, r.start + (r.length ?? 1)) : undefined;
    text += token ? ` (to match the ${JSON.stringify(token)} on line ${at.line + 1}, column ${at.character + 1})` : ` (see line ${at.line + 1}, column ${at.character + 1}: ${ts.flattenDiagnosticMessageText(r.messageText, " ").replace(/\.$/, "")})`;
  }
  return `syntax error: ${text}`;
}

/** FS000 errors for every syntax error of a file, at their positions. */
export function syntaxDiagnostics(sf: ts.SourceFile): FlowDiagnostic[] {
  return infoOf(sf).errors.map((e) => ({
    file: sf.fileName,
    range: offsetsToRange(sf, e.start, Math.min(sf.text.length, e.start + e.length)),
    severity: "error",
    code: SYNTAX_ERROR,
    message: messageOf(sf, e),
  }));
}

/**
 * A file's diagnostics with its syntax errors first and without what was found in its broken
 * region (see the rule above). Unchanged for a file without syntax errors.
 */
export function withSyntaxErrors(sf: ts.SourceFile, diagnostics: FlowDiagnostic[]): FlowDiagnostic[] {
  const info = infoOf(sf);
  if (!info.errors.length) return diagnostics;
  const kept = diagnostics.filter((d) => {
    if (d.file !== sf.fileName || d.code === SYNTAX_ERROR) return true;
    let offset: number;
    try {
      offset = sf.getPositionOfLineAndCharacter(d.range.start.line, d.range.start.character);
    } catch {
      return false;
    }
    return offset < info.brokenFrom!;
  });
  return [...syntaxDiagnostics(sf), ...kept];
}

/** Where the broken region of the file holding `node` begins, if `node` lies in it. */
export function brokenRegionOf(node: ts.Node): { file: string; line: number; character: number; message: string } | undefined {
  const sf = node.getSourceFile();
  const info = infoOf(sf);
  if (info.brokenFrom === undefined || node.getStart(sf) < info.brokenFrom) return undefined;
  const first = info.errors.reduce((a, b) => (b.start < a.start ? b : a));
  const at = sf.getLineAndCharacterOfPosition(first.start);
  return { file: sf.fileName, line: at.line + 1, character: at.character + 1, message: messageOf(sf, first) };
}

/** A definition the graph builder resolved while walking a workflow, and the call in the top body that led to it. */
export interface UsedDefinition {
  kind: "task" | "workflow";
  name: string;
  call: ts.CallExpression;
  /** The call in the analysed workflow's own body (a sub-flow call for definitions used inside it). */
  site: ts.Node;
}

/**
 * A workflow's graph diagnostics, gated on syntax: none when the workflow or something it uses is
 * in a broken region (whatever the walk found there came from the parser's guess). When the broken
 * definition is in another file, one FS000 error at the call that uses it says why this workflow is
 * not checked (that file reports its own syntax errors).
 */
export function gateOnSyntax(top: ts.CallExpression, used: Iterable<UsedDefinition>, diagnostics: FlowDiagnostic[]): FlowDiagnostic[] {
  if (brokenRegionOf(top)) return [];
  const here = top.getSourceFile();
  for (const u of used) {
    const broken = brokenRegionOf(u.call);
    if (!broken) continue;
    if (broken.file === here.fileName) return [];
    const shown = path.relative(path.dirname(here.fileName), broken.file).replace(/\\/g, "/");
    const what = u.kind === "task" ? `task ${u.name}` : `sub-flow ${u.name}`;
    return [
      {
        file: here.fileName,
        range: rangeOf(u.site, here),
        severity: "error",
        code: SYNTAX_ERROR,
        message: `${what} is defined in ${shown}, which has a syntax error (${shown}:${broken.line}:${broken.character}: ${broken.message}); this workflow is not checked until it is fixed`,
      },
    ];
  }
  return diagnostics;
}

/**
 * One line for a command that needs a file's whole graph (`flowsmith graph`): the first syntax
 * error (FS000) among a file's diagnostics, as `file:line:col: syntax error: …`, or undefined.
 */
export function syntaxErrorLine(diagnostics: FlowDiagnostic[], shown: (file: string) => string): string | undefined {
  const d = diagnostics.find((x) => x.code === SYNTAX_ERROR && x.severity === "error");
  if (!d) return undefined;
  return `${shown(d.file)}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message} — no graph is drawn from code that does not parse`;
}
