/**
 * What local code a task calls: module and name resolution across the local files a task's file
 * imports (a package export counts by its name only), each declaration's direct references, and
 * the closure of them that a task's fingerprint hashes. One instance keeps parsed files, token
 * streams and references between calls; `without(file)` forgets a changed file.
 */
import * as path from "node:path";
import ts from "typescript";
import { indexFile, isRelative, type Decl, type FingerprintHost, type ParsedFile, type Sym } from "./fingerprint-files.js";
import { hashTaskCode, tokenText } from "./fingerprint-hash.js";

const SDK = "flowsmith";

const TS_EXTS = [".ts", ".tsx", ".mts", ".cts"];
const JS_TO_TS: Record<string, string[]> = { ".js": [".ts", ".tsx"], ".jsx": [".tsx"], ".mjs": [".mts"], ".cjs": [".cts"] };

export class LocalCode {
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
  without(changed: string): LocalCode {
    const next = new LocalCode(this.host);
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
    return hashTaskCode(this.tokensOf(task), decls.map((d) => this.tokensOf(d)), [...pkgs].sort());
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
