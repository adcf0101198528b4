/**
 * One file as the fingerprint analysis reads it, syntactically: its top-level declarations by name,
 * its imports and exports, and every module it names. Files come only through a FingerprintHost.
 */
import * as path from "node:path";
import ts from "typescript";

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

function scriptKind(p: string): ts.ScriptKind {
  const ext = path.extname(p).toLowerCase();
  if (ext === ".tsx") return ts.ScriptKind.TSX;
  if (ext === ".jsx") return ts.ScriptKind.JSX;
  if (ext === ".js" || ext === ".mjs" || ext === ".cjs") return ts.ScriptKind.JS;
  if (ext === ".json") return ts.ScriptKind.JSON;
  return ts.ScriptKind.TS;
}

export type ExportEntry = { local: string } | { from: string; name: string } | { node: ts.Node };

export interface ParsedFile {
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

export interface Decl {
  file: ParsedFile;
  node: ts.Node;
}

/** What a name can stand for: local code, a package export, or a whole local module. */
export type Sym =
  | { kind: "decl"; decls: Decl[] }
  | { kind: "pkg"; module: string; name: string }
  | { kind: "ns"; file: ParsedFile };

export const isRelative = (spec: string) => spec.startsWith(".") || path.isAbsolute(spec);
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

export function indexFile(p: string, text: string, host: FingerprintHost): ParsedFile {
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
