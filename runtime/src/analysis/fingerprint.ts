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
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import ts from "typescript";
import { readTextFile } from "../store/files.js";
import { FINGERPRINT_FORMAT } from "./fingerprint-format.js";

export interface FingerprintHost {
  /** Text of an absolute file path, or undefined when it does not exist. */
  readFile(path: string): string | undefined;
  /**
   * Optional: the file already parsed by the caller (the language server's program), so it is not
   * parsed a second time here. Used only when it is this very `text`, parsed by the same
   * TypeScript as this module (`TYPESCRIPT_VERSION`) with parent pointers, as a module of the same
   * script kind and a target ≥ ES2015: then its syntax tree is the one `ts.createSourceFile` gives
   * here, and so are the fingerprints. Anything else is ignored and the file parsed as usual.
   */
  parsed?(path: string, text: string): ts.SourceFile | undefined;
}

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

/** Mixed into every hash (see fingerprint-format.ts). */
const FORMAT = FINGERPRINT_FORMAT;
const SDK = "flowsmith";

// ---------------------------------------------------------------------------------------------
// Normalised token streams
// ---------------------------------------------------------------------------------------------

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

function tokenText(node: ts.Node, sf: ts.SourceFile): string {
  const out: string[] = [];
  pushTokens(node, sf, out);
  return out.join(" ");
}

function scriptKind(p: string): ts.ScriptKind {
  const ext = path.extname(p).toLowerCase();
  if (ext === ".tsx") return ts.ScriptKind.TSX;
  if (ext === ".jsx") return ts.ScriptKind.JSX;
  if (ext === ".js" || ext === ".mjs" || ext === ".cjs") return ts.ScriptKind.JS;
  if (ext === ".json") return ts.ScriptKind.JSON;
  return ts.ScriptKind.TS;
}

/** Fingerprint of arbitrary source text (used as fallback for tasks the static pass cannot see). */
export function fingerprintText(text: string): string {
  const sf = ts.createSourceFile("fingerprint.ts", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  return createHash("sha256").update(`${FORMAT}\0text\0`).update(tokenText(sf, sf)).digest("hex").slice(0, 16);
}

// ---------------------------------------------------------------------------------------------
// Per-file index: what each top-level name means, syntactically
// ---------------------------------------------------------------------------------------------

type ExportEntry = { local: string } | { from: string; name: string } | { node: ts.Node };

interface ParsedFile {
  path: string;
  sf: ts.SourceFile;
  json: boolean;
  /** Top-level declarations by name; several for overloads and declaration merging. */
  decls: Map<string, ts.Node[]>;
  /** Import bindings: local name → module specifier and imported name (`*` for namespaces). */
  imports: Map<string, { spec: string; name: string }>;
  exports: Map<string, ExportEntry>;
  /** `export * from` specifiers. */
  stars: string[];
  /** Every module specifier, in source order: how local files are discovered. */
  specs: string[];
  /** Memo of resolveName per identifier text. */
  resolved: Map<string, Sym[]>;
}

interface Decl {
  file: ParsedFile;
  node: ts.Node;
}

/** What a name can stand for: local code, a package export, or a whole local module. */
type Sym =
  | { kind: "decl"; decls: Decl[] }
  | { kind: "pkg"; module: string; name: string }
  | { kind: "ns"; file: ParsedFile };

const isRelative = (spec: string) => spec.startsWith(".") || path.isAbsolute(spec);
const hasModifier = (n: ts.Node, k: ts.SyntaxKind) =>
  ts.canHaveModifiers(n) && (ts.getModifiers(n)?.some((m) => m.kind === k) ?? false);

function bindingNames(name: ts.BindingName, out: string[] = []): string[] {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(el.name, out);
  return out;
}

/** A file the host parsed, if it is the tree `ts.createSourceFile` would give here. */
function reusable(given: ts.SourceFile | undefined, p: string, text: string, kind: ts.ScriptKind): ts.SourceFile | undefined {
  if (!given || given.kind !== ts.SyntaxKind.SourceFile || given.text !== text || given.fileName !== p) return undefined;
  if (kind !== ts.ScriptKind.TS && kind !== ts.ScriptKind.TSX) return undefined;
  const variant = kind === ts.ScriptKind.TSX ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard;
  if (given.languageVariant !== variant || given.languageVersion < ts.ScriptTarget.ES2015) return undefined;
  // Parent pointers: set by a parse with setParentNodes (the statements' parents are the file).
  if (given.statements.length && given.statements[0]!.parent !== given) return undefined;
  return given;
}

function indexFile(p: string, text: string, host: FingerprintHost): ParsedFile {
  const kind = scriptKind(p);
  const sf = reusable(host.parsed?.(p, text), p, text, kind) ?? ts.createSourceFile(p, text, ts.ScriptTarget.Latest, true, kind);
  const f: ParsedFile = {
    path: p, sf, json: kind === ts.ScriptKind.JSON, decls: new Map(), imports: new Map(),
    exports: new Map(), stars: [], specs: [], resolved: new Map(),
  };
  if (f.json) return f;
  const addDecl = (name: string, node: ts.Node) => {
    const list = f.decls.get(name);
    if (list) list.push(node);
    else f.decls.set(name, [node]);
  };
  const addExport = (name: string, e: ExportEntry) => {
    if (!f.exports.has(name)) f.exports.set(name, e); // first in source order wins
  };
  const specOf = (e: ts.Expression | undefined) => (e && ts.isStringLiteralLike(e) ? e.text : undefined);

  for (const st of sf.statements) {
    const exported = hasModifier(st, ts.SyntaxKind.ExportKeyword);
    if (ts.isImportDeclaration(st)) {
      const spec = specOf(st.moduleSpecifier);
      if (spec === undefined) continue;
      f.specs.push(spec);
      const clause = st.importClause;
      if (clause?.name) f.imports.set(clause.name.text, { spec, name: "default" });
      const nb = clause?.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) f.imports.set(nb.name.text, { spec, name: "*" });
      else if (nb) for (const el of nb.elements) f.imports.set(el.name.text, { spec, name: (el.propertyName ?? el.name).text });
    } else if (ts.isExportDeclaration(st)) {
      const spec = specOf(st.moduleSpecifier);
      if (spec !== undefined) f.specs.push(spec);
      const clause = st.exportClause;
      if (!clause) {
        if (spec !== undefined) f.stars.push(spec);
      } else if (ts.isNamespaceExport(clause)) {
        if (spec !== undefined) addExport(clause.name.text, { from: spec, name: "*" });
      } else {
        for (const el of clause.elements) {
          const inner = (el.propertyName ?? el.name).text;
          addExport(el.name.text, spec !== undefined ? { from: spec, name: inner } : { local: inner });
        }
      }
    } else if (ts.isExportAssignment(st)) {
      if (!st.isExportEquals) addExport("default", { node: st });
    } else if (ts.isImportEqualsDeclaration(st)) {
      const ref = st.moduleReference;
      const spec = ts.isExternalModuleReference(ref) ? specOf(ref.expression) : undefined;
      if (spec !== undefined) {
        f.specs.push(spec);
        f.imports.set(st.name.text, { spec, name: "*" });
      } else addDecl(st.name.text, st);
    } else if (ts.isVariableStatement(st)) {
      // The declarator, not the statement: in `const a = 1, b = 2` editing b must not touch a's users.
      for (const d of st.declarationList.declarations) {
        for (const n of bindingNames(d.name)) {
          addDecl(n, d);
          if (exported) addExport(n, { local: n });
        }
      }
    } else if (
      ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st) ||
      ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isModuleDeclaration(st)
    ) {
      const name = st.name && ts.isIdentifier(st.name) ? st.name.text : undefined;
      const isDefault = hasModifier(st, ts.SyntaxKind.DefaultKeyword);
      if (name !== undefined) {
        addDecl(name, st);
        if (exported) addExport(isDefault ? "default" : name, { local: name });
      } else if (exported && isDefault) addExport("default", { node: st });
    }
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// One call's worth of state: parsed files, module resolution, name resolution, dependency edges
// ---------------------------------------------------------------------------------------------

const TS_EXTS = [".ts", ".tsx", ".mts", ".cts"];
const JS_TO_TS: Record<string, string[]> = { ".js": [".ts", ".tsx"], ".jsx": [".tsx"], ".mjs": [".mts"], ".cjs": [".cts"] };

class Analysis {
  private files = new Map<string, ParsedFile | null>();
  private modules = new Map<string, ParsedFile | null>();
  /** Token streams per file, then per node: a changed file's are dropped in one step. */
  private tokens = new Map<string, Map<ts.Node, string>>();
  private deps = new Map<ts.Node, { decls: Decl[]; pkgs: string[] }>();

  constructor(private host: FingerprintHost) {}

  /**
   * A new analysis that keeps every parsed file but `changed` (and their token streams), and
   * drops what may depend on it: name resolutions, module lookups and dependency lists.
   */
  without(changed: string): Analysis {
    const next = new Analysis(this.host);
    for (const [p, f] of this.files) {
      if (p === changed || !f) continue;
      f.resolved.clear();
      next.files.set(p, f);
    }
    for (const [file, tokens] of this.tokens) if (file !== changed) next.tokens.set(file, tokens);
    return next;
  }

  load(p: string): ParsedFile | null {
    let f = this.files.get(p);
    if (f === undefined) {
      const text = this.host.readFile(p);
      f = text === undefined ? null : indexFile(p, text, this.host);
      this.files.set(p, f);
    }
    return f;
  }

  /** TypeScript-style resolution of a relative specifier, incl. `./x.js` meaning `./x.ts`. */
  loadModule(from: string, spec: string): ParsedFile | null {
    const base = path.resolve(path.dirname(from), spec);
    let f = this.modules.get(base);
    if (f !== undefined) return f;
    const ext = path.extname(base).toLowerCase();
    let candidates: string[];
    if (TS_EXTS.includes(ext)) candidates = [base];
    else if (JS_TO_TS[ext]) candidates = [...JS_TO_TS[ext].map((e) => base.slice(0, -ext.length) + e), base];
    else {
      candidates = [
        ...TS_EXTS.map((e) => base + e),
        ...TS_EXTS.map((e) => path.join(base, "index" + e)),
        base + ".js", base + ".mjs", base + ".cjs", base + ".jsx", path.join(base, "index.js"), base,
      ];
    }
    f = null;
    for (const c of candidates) if ((f = this.load(c))) break;
    this.modules.set(base, f);
    return f;
  }

  resolveName(file: ParsedFile, name: string): Sym[] {
    let r = file.resolved.get(name);
    if (!r) file.resolved.set(name, (r = this.resolveLocal(file, name, new Set())));
    return r;
  }

  private resolveLocal(file: ParsedFile, name: string, seen: Set<string>): Sym[] {
    const decls = file.decls.get(name);
    if (decls) return [{ kind: "decl", decls: decls.map((node) => ({ file, node })) }];
    const imp = file.imports.get(name);
    return imp ? this.resolveImport(file, imp.spec, imp.name, seen) : [];
  }

  private resolveImport(file: ParsedFile, spec: string, name: string, seen: Set<string>): Sym[] {
    if (!isRelative(spec)) return [{ kind: "pkg", module: spec, name }];
    const target = this.loadModule(file.path, spec);
    if (!target) return [];
    return name === "*" ? [{ kind: "ns", file: target }] : this.resolveExport(target, name, seen);
  }

  /** Every place export `name` of `file` may come from (several when `export *` is ambiguous). */
  resolveExport(file: ParsedFile, name: string, seen: Set<string> = new Set()): Sym[] {
    const key = file.path + "\0" + name;
    if (seen.has(key)) return []; // re-export cycle
    seen.add(key);
    if (file.json) return file.sf.statements.length ? [{ kind: "decl", decls: [{ file, node: file.sf.statements[0] }] }] : [];
    const e = file.exports.get(name);
    if (e) {
      if ("node" in e) return [{ kind: "decl", decls: [{ file, node: e.node }] }];
      if ("local" in e) return this.resolveLocal(file, e.local, seen);
      return this.resolveImport(file, e.from, e.name, seen);
    }
    if (name === "default") return []; // `export *` never forwards default
    return file.stars.flatMap((spec) => this.resolveImport(file, spec, name, seen));
  }

  /** A local namespace used as a value (`fn(utils)`): anything in it may be called. */
  private allExports(file: ParsedFile, seenFiles: Set<string>): Sym[] {
    if (seenFiles.has(file.path)) return [];
    seenFiles.add(file.path);
    if (file.json) return this.resolveExport(file, "default");
    const out = [...file.exports.keys()].flatMap((n) => this.resolveExport(file, n));
    for (const spec of file.stars) {
      for (const s of this.resolveImport(file, spec, "*", new Set())) {
        if (s.kind === "ns") out.push(...this.allExports(s.file, seenFiles));
        else out.push(s);
      }
    }
    return out;
  }

  tokensOf(d: Decl): string {
    let perFile = this.tokens.get(d.file.path);
    if (!perFile) this.tokens.set(d.file.path, (perFile = new Map()));
    let t = perFile.get(d.node);
    if (t === undefined) perFile.set(d.node, (t = tokenText(d.node, d.file.sf)));
    return t;
  }

  /** Direct references of a node: the declarations and package exports its identifiers name. */
  depsOf(d: Decl): { decls: Decl[]; pkgs: string[] } {
    let r = this.deps.get(d.node);
    if (r) return r;
    const out = { decls: [] as Decl[], pkgs: [] as string[] };
    const add = (s: Sym, member: string | undefined): void => {
      if (s.kind === "decl") out.decls.push(...s.decls);
      else if (s.kind === "pkg") out.pkgs.push(`${s.module}:${s.name === "*" && member ? member : s.name}`);
      else if (member !== undefined) for (const x of this.resolveExport(s.file, member)) add(x, undefined);
      else for (const x of this.allExports(s.file, new Set())) add(x, undefined);
    };
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n)) {
        if (!isNamePosition(n)) for (const s of this.resolveName(d.file, n.text)) add(s, memberOf(n));
      } else ts.forEachChild(n, visit);
    };
    visit(d.node);
    this.deps.set(d.node, out);
    return out;
  }

  /** Does this callee denote flowsmith's `task`, directly, aliased, via a namespace or a local re-export? */
  isTaskCallee(file: ParsedFile, callee: ts.Expression): boolean {
    const isTask = (s: Sym) => s.kind === "pkg" && s.module === SDK && s.name === "task";
    if (ts.isIdentifier(callee)) return this.resolveName(file, callee.text).some(isTask);
    if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression) || callee.name.text !== "task") return false;
    return this.resolveName(file, callee.expression.text).some((s) =>
      s.kind === "pkg" ? s.module === SDK && (s.name === "*" || s.name === "default")
      : s.kind === "ns" && this.resolveExport(s.file, "task").some(isTask));
  }

  fingerprint(task: Decl): string {
    const seen = new Set<ts.Node>();
    const decls: Decl[] = [];
    const pkgs = new Set<string>();
    const stack = [this.depsOf(task)];
    while (stack.length) {
      const deps = stack.pop()!;
      for (const p of deps.pkgs) pkgs.add(p);
      for (const d of deps.decls) {
        if (seen.has(d.node)) continue; // also what ends import cycles and recursion
        seen.add(d.node);
        decls.push(d);
        stack.push(this.depsOf(d));
      }
    }
    // Traversal order depends on how code is reached; source order does not.
    decls.sort((a, b) => (a.file.path < b.file.path ? -1 : a.file.path > b.file.path ? 1 : a.node.pos - b.node.pos));
    const h = createHash("sha256").update(`${FORMAT}\0task\0`);
    const chunk = (s: string) => h.update(`${s.length}:${s}\n`); // length-prefixed: chunks can't run together
    chunk(this.tokensOf(task));
    for (const d of decls) chunk(this.tokensOf(d));
    for (const p of [...pkgs].sort()) chunk("package " + p);
    return h.digest("hex").slice(0, 16);
  }
}

/** Identifiers that name a member or label rather than refer to a binding in scope. */
function isNamePosition(id: ts.Identifier): boolean {
  const p = id.parent;
  if (!p) return false;
  if (ts.isQualifiedName(p)) return p.right === id;
  if (ts.isBindingElement(p)) return p.propertyName === id;
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return p.label === id;
  return (
    (ts.isPropertyAccessExpression(p) || ts.isPropertyAssignment(p) || ts.isClassElement(p) ||
      ts.isTypeElement(p) || ts.isEnumMember(p) || ts.isJsxAttribute(p)) && p.name === id
  );
}

/** `ns.member` / `ns["member"]` / `ns.Type`: which export of a namespace is meant. */
function memberOf(id: ts.Identifier): string | undefined {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p) && p.expression === id && ts.isIdentifier(p.name)) return p.name.text;
  if (ts.isQualifiedName(p) && p.left === id) return p.right.text;
  if (ts.isElementAccessExpression(p) && p.expression === id && ts.isStringLiteralLike(p.argumentExpression)) {
    return p.argumentExpression.text;
  }
  return undefined;
}

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
function tasksOfFile(a: Analysis, f: ParsedFile, found: (t: TaskFingerprint) => void): void {
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
  const a = new Analysis(host);
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
  private analysis: Analysis;

  constructor(host: FingerprintHost = nodeFsHost) {
    this.analysis = new Analysis(host);
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
