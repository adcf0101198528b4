/**
 * The syntax pass: the diagnostics of a flow file that need no types — the checks whose meta says
 * `syntax` (FS004, FS006, FS007, FS009, FS010) and the parser's own errors (FS000) — from a parse of
 * the file and of the files it imports tasks from, without a program or a type checker. The
 * language server publishes them the moment a file opens, before the program is built; the typed
 * analysis (index.ts) then replaces them with the full set.
 *
 * It is a subset, never a guess (docs/decisions.md): it runs the same walk (walk/) and the same
 * checks as the typed analysis, with `syntaxChecker` in place of the type checker, and gives up on
 * a workflow — says nothing early about it — whenever the answer could depend on types or on
 * another module it cannot read by syntax: a callee imported from a package or re-exported, a
 * sub-flow call, a question the syntax checker cannot answer. So every diagnostic it gives is one
 * the typed analysis gives too. The one thing it takes on trust: a name a file does not declare is
 * a global of the standard library or @types/node (not something another file declares globally).
 */
import * as path from "node:path";
import { builtinModules } from "node:module";
import { ts } from "@ts-morph/common";
import { runChecks, SYNTAX_CHECKS } from "./checks/index.js";
import { sameNameTask } from "./checks/duplicateNode.js";
import type { TaskDef, WorkflowDef } from "./definitions.js";
import type { FlowDiagnostic } from "./model.js";
import { isFunctionLike, isStringLike, propertyNamed } from "./syntax.js";
import { exportNames, innerExpression } from "./discover.js";
import { gateOnSyntax, withSyntaxErrors } from "./syntaxErrors.js";
import { bindingOf, importOf, NeedsTypes, syntaxChecker } from "./syntaxScope.js";
import { walkWorkflow } from "./walk/calls.js";
import { DYNAMIC_FUNCTIONS, type DynamicFunction } from "./walk/model.js";

export interface SyntaxPassHost {
  /** A file's text (open documents win over the disk), or undefined. */
  readText(file: string): string | undefined;
  /** The program settings that change how a relative import resolves. */
  resolution(file: string): { nodeNext: boolean; rootDirs: boolean };
  /** The npm package a file belongs to. */
  packageOf(file: string): string | undefined;
}

/** Files larger than this get no syntax pass (the typed analysis says why it skips them). */
const MAX_CHARS = 1024 * 1024;
const BUILTIN = new Set(builtinModules);

type Kind = "task" | "workflow" | "none" | "unknown";
type Def = TaskDef | WorkflowDef;

/** The syntax-only diagnostics of `file` with `text` (see above). */
export function syntaxPassDiagnostics(host: SyntaxPassHost, file: string, text: string): FlowDiagnostic[] {
  if (text.length > MAX_CHARS || host.packageOf(file) === "flowsmith") return [];
  return new SyntaxPass(host).file(file, text);
}

class SyntaxPass {
  private readonly trees = new Map<string, ts.SourceFile | null>();
  private readonly defs = new Map<ts.SourceFile, Map<ts.CallExpression, Def>>();
  private readonly checker = syntaxChecker();

  constructor(private readonly host: SyntaxPassHost) {}

  file(file: string, text: string): FlowDiagnostic[] {
    const sf = parse(file, text);
    this.trees.set(file, sf);
    const out: FlowDiagnostic[] = [];
    const taskNames = new Map<string, ts.Node>();
    try {
      for (const def of this.definitionsOf(sf).values()) {
        if (def.kind === "task") {
          const other = taskNames.get(def.name);
          if (other) out.push(sameNameTask(def.name, def.call, other));
          taskNames.set(def.name, def.call);
          continue;
        }
        out.push(...this.workflow(def).filter((d) => d.file === file));
      }
    } catch (error) {
      // The file's own definitions are not plain to see (a quoted name option): its parse errors only.
      if (!(error instanceof NeedsTypes)) throw error;
      out.length = 0;
    }
    return withSyntaxErrors(sf, out);
  }

  /** A workflow's syntax-safe diagnostics, or none when any answer could need types. */
  private workflow(def: WorkflowDef): FlowDiagnostic[] {
    try {
      const walked = walkWorkflow({ checker: this.checker, resolve: (callee) => this.resolve(callee), sdk: (callee) => this.dynamicOf(callee, 0) }, def);
      // A field of a param is followed only because the syntax checker cannot say the param has
      // no such field (the typed walk may find the read itself wrong, elsewhere): not said early.
      walked.facts = walked.facts.filter((f) => !(f.kind === "referenceAsValue" && f.value.kind === "param" && f.value.name.includes(".")));
      return gateOnSyntax(def.call, walked.usedDefinitions, runChecks(walked, this.checker, SYNTAX_CHECKS));
    } catch (error) {
      if (!(error instanceof NeedsTypes) && process.env.FLOWSMITH_DEBUG) console.error(error);
      return [];
    }
  }

  // ---- definitions -----------------------------------------------------------------------------

  private tree(file: string): ts.SourceFile | undefined {
    if (!this.trees.has(file)) {
      const text = this.host.readText(file);
      this.trees.set(file, text === undefined || text.length > MAX_CHARS ? null : parse(file, text));
    }
    return this.trees.get(file) ?? undefined;
  }

  /**
   * The task() and workflow() calls of a file, as the typed discovery finds them (discover.ts): not
   * inside a definition's body, nor inside a call that may be one.
   */
  private definitionsOf(sf: ts.SourceFile): Map<ts.CallExpression, Def> {
    let defs = this.defs.get(sf);
    if (defs) return defs;
    defs = new Map();
    this.defs.set(sf, defs);
    const exported = exportNames(sf);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const kind = this.kindOf(node.expression, 0);
        if (kind === "task" || kind === "workflow") {
          defs!.set(node, this.definition(kind, node, exported));
          return;
        }
        if (kind === "unknown") return;
      }
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(sf, visit);
    return defs;
  }

  private definition(kind: "task" | "workflow", call: ts.CallExpression, exported: Map<string, string>): Def {
    const file = call.getSourceFile().fileName;
    const fn = call.arguments.find(isFunctionLike);
    const options = call.arguments.length > 1 || !fn ? call.arguments[0] : undefined;
    const holder = outer(call).parent;
    const variable = holder && ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name) ? holder.name.text : undefined;
    const exportName = variable !== undefined ? exported.get(variable) : holder && ts.isExportAssignment(holder) && !holder.isExportEquals ? "default" : undefined;
    const nameOption = options && ts.isObjectLiteralExpression(options) ? nameOf(options) : undefined;
    if (kind === "workflow") {
      // Sub-flow calls are not followed (their params are read with types): only the name matters.
      const name = exportName ?? variable ?? "(unnamed workflow)";
      return { kind, name, idName: nameOption?.name ?? name, call, file, params: [], ...(fn ? { fn } : {}) };
    }
    if (nameOption && !nameOption.plain) throw new NeedsTypes("a quoted name option");
    return { kind, name: nameOption?.name ?? exportName ?? variable ?? "(unnamed task)", call, file, fingerprint: "", ...(fn ? { fn } : {}) };
  }

  /** What a callee is in the flowsmith SDK (sdkFunctionOf in discover.ts, by syntax). */
  private kindOf(callee: ts.Node, depth: number): Kind {
    if (ts.isIdentifier(callee)) {
      const decl = bindingOf(callee);
      if (!decl) return "none";
      const imp = importOf(decl);
      if (imp) {
        const from = moduleOf(imp);
        if (from === "flowsmith") return ts.isImportSpecifier(decl) && ["task", "workflow"].includes((decl.propertyName ?? decl.name).text) ? ((decl.propertyName ?? decl.name).text as Kind) : "none";
        return isBuiltin(from) ? "none" : "unknown";
      }
      if (ts.isImportEqualsDeclaration(decl)) return "unknown";
      if (ts.isVariableDeclaration(decl)) {
        const init = decl.initializer && innerExpression(decl.initializer);
        if (init && (ts.isIdentifier(init) || ts.isPropertyAccessExpression(init)) && depth < 5) return this.kindOf(init, depth + 1);
      }
      return "none";
    }
    if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) {
      const base = leftmost(callee);
      const decl = base && bindingOf(base);
      const imp = importOf(decl);
      if (!imp) return decl && ts.isImportEqualsDeclaration(decl) ? "unknown" : "none";
      const from = moduleOf(imp);
      if (from === "flowsmith" && ts.isPropertyAccessExpression(callee) && callee.expression === base) {
        return ["task", "workflow"].includes(callee.name.text) ? (callee.name.text as Kind) : "none";
      }
      return isBuiltin(from) ? "none" : "unknown";
    }
    return "none";
  }

  /** The SDK's dynamic-shape function (map, each, when, asset) a callee names, by syntax. */
  private dynamicOf(callee: ts.Node, depth: number): DynamicFunction | undefined {
    if (ts.isIdentifier(callee)) {
      const decl = bindingOf(callee);
      const imp = importOf(decl);
      if (imp) {
        if (moduleOf(imp) !== "flowsmith" || !decl || !ts.isImportSpecifier(decl)) return undefined;
        const name = (decl.propertyName ?? decl.name).text;
        return DYNAMIC_FUNCTIONS.has(name) ? (name as DynamicFunction) : undefined;
      }
      if (decl && ts.isVariableDeclaration(decl) && depth < 5) {
        const init = decl.initializer && innerExpression(decl.initializer);
        if (init && (ts.isIdentifier(init) || ts.isPropertyAccessExpression(init))) return this.dynamicOf(init, depth + 1);
      }
      return undefined;
    }
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
      const imp = importOf(bindingOf(callee.expression));
      if (imp && moduleOf(imp) === "flowsmith" && DYNAMIC_FUNCTIONS.has(callee.name.text)) return callee.name.text as DynamicFunction;
    }
    return undefined;
  }

  // ---- callees ---------------------------------------------------------------------------------

  /** The task a callee names (definitionOfCallee in discover.ts, by syntax); throws when unsure. */
  private resolve(callee: ts.Node): Def | undefined {
    let def: Def | undefined;
    if (ts.isIdentifier(callee)) def = this.bound(bindingOf(callee), callee.getSourceFile(), 0);
    else if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) {
      const base = leftmost(callee);
      const imp = importOf(base && bindingOf(base));
      if (imp && moduleOf(imp) !== "flowsmith" && !isBuiltin(moduleOf(imp))) throw new NeedsTypes("a callee read from a module");
    }
    if (def?.kind === "workflow") throw new NeedsTypes("a sub-flow call");
    return def;
  }

  /** The definition a declaration holds (a variable whose initializer is a definition, an import of one). */
  private bound(decl: ts.Node | undefined, sf: ts.SourceFile, depth: number): Def | undefined {
    if (!decl || depth > 8) return undefined;
    if (ts.isVariableDeclaration(decl)) {
      const init = decl.initializer && innerExpression(decl.initializer);
      if (!init || !ts.isCallExpression(init)) return undefined;
      return this.definitionAt(init);
    }
    const imp = importOf(decl);
    if (ts.isImportEqualsDeclaration(decl)) throw new NeedsTypes("import =");
    if (!imp) return undefined;
    const from = moduleOf(imp);
    if (from === "flowsmith" || isBuiltin(from)) return undefined;
    if (ts.isNamespaceImport(decl)) throw new NeedsTypes("a namespace called");
    const target = this.moduleFile(sf.fileName, from);
    const tree = target && this.tree(target);
    if (!tree) throw new NeedsTypes(`an import from ${from}`);
    const name = ts.isImportSpecifier(decl) ? (decl.propertyName ?? decl.name).text : "default";
    return this.exported(tree, name, depth + 1);
  }

  private definitionAt(call: ts.CallExpression): Def | undefined {
    const def = this.definitionsOf(call.getSourceFile()).get(call);
    if (def) return def;
    if (this.kindOf(call.expression, 0) === "unknown") throw new NeedsTypes("a call that may define a task");
    return undefined;
  }

  /** What `tree` exports as `name`, when it is a definition; throws for what syntax cannot follow. */
  private exported(tree: ts.SourceFile, name: string, depth: number): Def | undefined {
    for (const st of tree.statements) {
      if (ts.isVariableStatement(st) && st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
        const d = st.declarationList.declarations.find((x) => ts.isIdentifier(x.name) && x.name.text === name);
        if (d) return this.bound(d, tree, depth);
      } else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name?.text === name && st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
        return undefined;
      } else if (ts.isExportAssignment(st) && !st.isExportEquals && name === "default") {
        const e = innerExpression(st.expression);
        if (ts.isCallExpression(e)) return this.definitionAt(e);
        if (ts.isIdentifier(e)) return this.bound(bindingOf(e), tree, depth);
        return undefined;
      } else if (ts.isExportDeclaration(st) && !st.isTypeOnly) {
        if (st.moduleSpecifier || !st.exportClause) throw new NeedsTypes("a re-export");
        if (!ts.isNamedExports(st.exportClause)) continue;
        const spec = st.exportClause.elements.find((e) => e.name.text === name);
        if (spec) {
          const local = spec.propertyName ?? spec.name;
          const decl = ts.isIdentifier(local) ? declaredAtTop(tree, local.text) : undefined;
          if (!decl) throw new NeedsTypes("an export of an import");
          return this.bound(decl, tree, depth);
        }
      }
    }
    throw new NeedsTypes(`${name} is not exported as syntax shows`);
  }

  /** The file a relative import names, as TypeScript resolves it (else undefined: not followed). */
  private moduleFile(from: string, spec: string): string | undefined {
    if (!spec.startsWith("./") && !spec.startsWith("../")) return undefined;
    const settings = this.host.resolution(from);
    if (settings.rootDirs) return undefined;
    const base = path.resolve(path.dirname(from), spec);
    const js = /\.(m|c)?jsx?$/.exec(base);
    const candidates = js
      ? [base.replace(/\.(m|c)?js(x?)$/, (_, m: string | undefined, x: string) => `.${m ?? ""}ts${x}`)]
      : settings.nodeNext
        ? []
        : [`${base}.ts`, `${base}.tsx`, `${base}.d.ts`, path.join(base, "index.ts"), path.join(base, "index.tsx"), path.join(base, "index.d.ts")];
    const found = candidates.filter((c) => this.host.readText(c) !== undefined);
    if (found.length !== 1 && !(found.length > 1 && !found[0]!.endsWith(".d.ts"))) return undefined;
    if (path.basename(found[0]!).startsWith("index.") && this.host.readText(path.join(base, "package.json")) !== undefined) return undefined;
    return found[0]!.endsWith(".d.ts") ? undefined : found[0];
  }
}

function parse(file: string, text: string): ts.SourceFile {
  const kind = file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  return ts.createSourceFile(file, text, { languageVersion: ts.ScriptTarget.ES2022, jsDocParsingMode: ts.JSDocParsingMode.ParseAll }, true, kind);
}

function moduleOf(imp: ts.ImportDeclaration): string {
  return isStringLike(imp.moduleSpecifier) ? imp.moduleSpecifier.text : "";
}

function isBuiltin(spec: string): boolean {
  return spec.startsWith("node:") || BUILTIN.has(spec);
}

function leftmost(e: ts.Expression): ts.Identifier | undefined {
  let x = e;
  while (ts.isPropertyAccessExpression(x) || ts.isElementAccessExpression(x) || ts.isParenthesizedExpression(x)) x = x.expression;
  return ts.isIdentifier(x) ? x : undefined;
}


function outer(node: ts.Expression): ts.Expression {
  let e = node;
  while (e.parent && (ts.isParenthesizedExpression(e.parent) || ts.isAsExpression(e.parent) || ts.isSatisfiesExpression(e.parent) || ts.isNonNullExpression(e.parent) || ts.isTypeAssertionExpression(e.parent))) e = e.parent;
  return e;
}

/** The `name` option of a definition, and whether discovery and the fingerprints read it alike (an unquoted key). */
function nameOf(options: ts.ObjectLiteralExpression): { name: string; plain: boolean } | undefined {
  const plain = propertyNamed(options, "name");
  if (plain && ts.isPropertyAssignment(plain) && isStringLike(plain.initializer)) return { name: plain.initializer.text, plain: true };
  const quoted = options.properties.find((p) => ts.isPropertyAssignment(p) && ts.isStringLiteral(p.name) && p.name.text === "name");
  return quoted ? { name: "", plain: false } : undefined;
}

/** A top-level declaration of `name` in a file (what `export { name }` exports). */
function declaredAtTop(sf: ts.SourceFile, name: string): ts.Node | undefined {
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      const d = st.declarationList.declarations.find((x) => ts.isIdentifier(x.name) && x.name.text === name);
      if (d) return d;
    } else if (ts.isImportDeclaration(st)) {
      const nb = st.importClause?.namedBindings;
      if (st.importClause?.name?.text === name || (nb && ts.isNamespaceImport(nb) && nb.name.text === name)) return undefined;
      if (nb && ts.isNamedImports(nb) && nb.elements.some((e) => e.name.text === name)) return undefined;
    }
  }
  return undefined;
}

