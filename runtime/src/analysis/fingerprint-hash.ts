/**
 * Normalised source and its hashes: a node's text as a token stream that ignores comments, layout,
 * quote style, optional semicolons and trailing commas, and the sha256 prefixes made from those
 * streams (a task with the code it calls, or any source text).
 */
import { createHash } from "node:crypto";
import ts from "typescript";
import { FINGERPRINT_FORMAT } from "./fingerprint-format.js";

/** Mixed into every hash (see fingerprint-format.ts). */
const FORMAT = FINGERPRINT_FORMAT;

// The AST decides what is a literal (strings, templates, regexes, JSX text: things a bare scanner
// gets wrong without parser context); the scanner only ever sees the punctuation and keywords
// between child nodes, where skipping trivia drops comments and layout.
const scanner = ts.createScanner(ts.ScriptTarget.Latest, /*skipTrivia*/ true);

// Statements and members whose terminating `;` is optional (ASI). We always emit exactly one `;`
// so toggling semicolons (prettier `semi`) does not change the hash, while `a\n(b)` (one call)
// and `a;(b)` (two statements) still differ.
const SEMI_TERMINATED = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.ExpressionStatement, ts.SyntaxKind.VariableStatement, ts.SyntaxKind.ReturnStatement,
  ts.SyntaxKind.ThrowStatement, ts.SyntaxKind.BreakStatement, ts.SyntaxKind.ContinueStatement,
  ts.SyntaxKind.DoStatement, ts.SyntaxKind.DebuggerStatement, ts.SyntaxKind.ImportDeclaration,
  ts.SyntaxKind.ExportDeclaration, ts.SyntaxKind.ExportAssignment, ts.SyntaxKind.ImportEqualsDeclaration,
  ts.SyntaxKind.TypeAliasDeclaration, ts.SyntaxKind.PropertyDeclaration,
]);
// Type members may end in `;`, `,` or nothing: all mean the same.
const TYPE_MEMBER = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.PropertySignature, ts.SyntaxKind.MethodSignature, ts.SyntaxKind.CallSignature,
  ts.SyntaxKind.ConstructSignature, ts.SyntaxKind.IndexSignature,
]);

function push(out: string[], tok: string): void {
  // A trailing comma before a closer is meaningless, except after `[` or another comma where it
  // makes an array hole (`[,]` has length 1, `[a,,]` length 2).
  if ((tok === ")" || tok === "]" || tok === "}") && out[out.length - 1] === ",") {
    const prev = out[out.length - 2];
    if (prev !== "," && prev !== "[") out.pop();
  }
  out.push(tok);
}

function scanGap(text: string, pos: number, end: number, out: string[]): void {
  if (end <= pos) return;
  scanner.setText(text, pos, end - pos);
  for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken; k = scanner.scan()) {
    push(out, scanner.getTokenText());
  }
}

function pushTokens(node: ts.Node, sf: ts.SourceFile, out: string[]): void {
  const text = sf.text;
  if (node.kind === ts.SyntaxKind.JsxText) {
    // getStart() would treat `//` in JSX text as a comment; JSX text has no trivia, use pos.
    // Multi-line text is trimmed and joined the way JSX compilers do (only spaces and tabs, the
    // whitespace every compiler drops), so re-indenting markup is neutral.
    let t = text.slice(node.pos, node.end);
    const lines = t.split(/\r\n|\n|\r/);
    if (lines.length > 1) {
      t = lines.map((l, i) => (i > 0 ? l.replace(/^[ \t]+/, "") : l))
        .map((l, i) => (i < lines.length - 1 ? l.replace(/[ \t]+$/, "") : l)).filter(Boolean).join(" ");
    }
    if (t) push(out, JSON.stringify(t)); // quoted: JSX text "," must not look like punctuation
    return;
  }
  if (node.kind === ts.SyntaxKind.StringLiteral) {
    push(out, JSON.stringify((node as ts.StringLiteral).text)); // 'a' and "a" are the same value
    return;
  }
  if (node.kind <= ts.SyntaxKind.LastToken) {
    const start = node.getStart(sf);
    if (node.end > start) push(out, text.slice(start, node.end));
    return;
  }
  let pos = node.pos;
  ts.forEachChild(node, (child) => {
    scanGap(text, pos, child.pos, out);
    pushTokens(child, sf, out);
    pos = Math.max(pos, child.end);
  });
  scanGap(text, pos, node.end, out);
  if (SEMI_TERMINATED.has(node.kind) || TYPE_MEMBER.has(node.kind)) {
    const last = out[out.length - 1];
    if (last === "," && TYPE_MEMBER.has(node.kind)) out[out.length - 1] = ";";
    else if (last !== ";") out.push(";");
  }
}

export function tokenText(node: ts.Node, sf: ts.SourceFile): string {
  const out: string[] = [];
  pushTokens(node, sf, out);
  return out.join(" ");
}

/** Fingerprint of arbitrary source text (used as fallback for tasks the static pass cannot see). */
export function fingerprintText(text: string): string {
  const sf = ts.createSourceFile("fingerprint.ts", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  return createHash("sha256").update(`${FORMAT}\0text\0`).update(tokenText(sf, sf)).digest("hex").slice(0, 16);
}

/**
 * The fingerprint of a task: its own token stream, then those of the local declarations it reaches
 * (in source order), then the package exports it names (sorted).
 */
export function hashTaskCode(task: string, decls: string[], packages: string[]): string {
  const h = createHash("sha256").update(`${FORMAT}\0task\0`);
  const chunk = (s: string) => h.update(`${s.length}:${s}\n`); // length-prefixed: chunks can't run together
  chunk(task);
  for (const d of decls) chunk(d);
  for (const p of packages) chunk("package " + p);
  return h.digest("hex").slice(0, 16);
}
