/**
 * Finds the `task()` and `workflow()` calls whose callee resolves to the flowsmith package —
 * through aliases, namespace imports and re-exports, by asking the type checker where the callee
 * is declared — and the names the engine will give them. Works on compiler nodes.
 */
import { ts } from "@ts-morph/common";
import type { FlowProject } from "./project.js";
import { hasModifier, isFunctionLike, isStringLike, propertyNamed, symbolAt } from "./syntax.js";

export type SdkFunction = "task" | "workflow";

export interface Definition {
  kind: SdkFunction;
  call: ts.CallExpression;
  /** The variable it is assigned to (`export const x = task(...)`), if any. */
  variable?: string;
  /** The name it is exported under, if exported. */
  exportName?: string;
  /** The `name` option when it is a string literal. */
  nameOption?: string;
  /** The function argument (task fn or workflow body). */
  fn?: ts.ArrowFunction | ts.FunctionExpression;
  /** The options object literal, if given. */
  options?: ts.ObjectLiteralExpression;
}

/** What a callee expression resolves to in the flowsmith SDK, if anything. */
export function sdkFunctionOf(project: FlowProject, checker: ts.TypeChecker, callee: ts.Node): SdkFunction | undefined {
  return sdkExportOf(project, checker, callee, DEFINING) as SdkFunction | undefined;
}

const DEFINING: ReadonlySet<string> = new Set(["task", "workflow"]);

/** Which of `names` (functions the flowsmith SDK exports) a callee resolves to, if any. */
export function sdkExportOf(project: FlowProject, checker: ts.TypeChecker, callee: ts.Node, names: ReadonlySet<string>, depth = 0): string | undefined {
  let symbol = symbolAt(checker, callee);
  if (!symbol) return undefined;
  const seen = new Set<ts.Symbol>();
  while (symbol.flags & ts.SymbolFlags.Alias && !seen.has(symbol)) {
    seen.add(symbol);
    const aliased: ts.Symbol | undefined = checker.getAliasedSymbol(symbol);
    if (!aliased || aliased === symbol) break;
    // An import from a module that does not resolve: fall back to the import's own words.
    if (!aliased.declarations?.length) break;
    symbol = aliased;
  }
  const decls = symbol.declarations ?? [];
  if (decls.length === 0) return undefined;
  for (const decl of decls) {
    if (ts.isImportSpecifier(decl)) {
      const spec = decl.parent.parent.parent.moduleSpecifier;
      const moduleName = isStringLike(spec) ? spec.text : undefined;
      const imported = (decl.propertyName ?? decl.name).getText();
      if (moduleName === "flowsmith" && names.has(imported)) return imported;
      continue;
    }
    // `export const task = realTask` (or `= fs.task`): follow the alias to what it names.
    if (ts.isVariableDeclaration(decl) && project.packageOf(decl.getSourceFile().fileName) !== "flowsmith") {
      const init = decl.initializer;
      if (init && (ts.isIdentifier(init) || ts.isPropertyAccessExpression(init)) && depth < 5) {
        const inner = sdkExportOf(project, checker, init, names, depth + 1);
        if (inner) return inner;
      }
      continue;
    }
    const name = symbol.name;
    if (!names.has(name)) continue;
    if (!ts.isFunctionDeclaration(decl) && !ts.isVariableDeclaration(decl)) continue;
    if (project.packageOf(decl.getSourceFile().fileName) === "flowsmith") return name;
  }
  return undefined;
}

/** Every task and workflow defined in a file, in source order (a definition's body is not searched). */
export function definitionsIn(project: FlowProject, checker: ts.TypeChecker, sf: ts.SourceFile): Definition[] {
  const defs: Definition[] = [];
  const exported = exportNames(sf);
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const kind = sdkFunctionOf(project, checker, node.expression);
      if (kind) {
        defs.push(definitionOf(kind, node, exported));
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sf, visit);
  return defs;
}

function definitionOf(kind: SdkFunction, node: ts.CallExpression, exported: Map<string, string>): Definition {
  const args = node.arguments;
  const fn = args.find(isFunctionLike);
  const options = args.length > 1 || !fn ? args[0] : undefined;
  const def: Definition = { kind, call: node, ...(fn ? { fn } : {}) };
  if (options && ts.isObjectLiteralExpression(options)) {
    def.options = options;
    const nameProp = propertyNamed(options, "name");
    if (nameProp && ts.isPropertyAssignment(nameProp) && isStringLike(nameProp.initializer)) def.nameOption = nameProp.initializer.text;
  }
  const holder = outerExpression(node).parent;
  if (holder && ts.isVariableDeclaration(holder) && holder.initializer === outerExpression(node) && ts.isIdentifier(holder.name)) {
    def.variable = holder.name.getText();
    const exp = exported.get(def.variable);
    if (exp) def.exportName = exp;
  } else if (holder && ts.isExportAssignment(holder) && !holder.isExportEquals) {
    // `export default workflow(...)`: the loader finds it under the export name "default" (FILE#default).
    def.exportName = "default";
  }
  return def;
}

/** A call with the parentheses and type assertions around it (`(workflow(...)) as Flow`): what holds it. */
function outerExpression(node: ts.Expression): ts.Expression {
  let e = node;
  while (
    e.parent &&
    (ts.isParenthesizedExpression(e.parent) || ts.isAsExpression(e.parent) || ts.isSatisfiesExpression(e.parent) || ts.isNonNullExpression(e.parent) || ts.isTypeAssertionExpression(e.parent))
  ) {
    e = e.parent;
  }
  return e;
}

/** An expression without the parentheses and type assertions around it. */
export function innerExpression(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
  return e;
}

/**
 * Local name → the name a definition is known by, for `export const x`, `export { x }`,
 * `export { x as y }`, `export default x` and `export { x as default }`. A named export wins over
 * `default` (`export const main = workflow(...); export default main;` is `main`, reachable as
 * FILE#main and FILE#default), as in the loader and the code fingerprints; a definition exported
 * only as default is `default`, the name the loader gives it.
 */
export function exportNames(sf: ts.SourceFile): Map<string, string> {
  const out = new Map<string, string>();
  const defaults = new Set<string>();
  for (const stmt of sf.statements) {
    if (ts.isVariableStatement(stmt) && hasModifier(stmt, ts.SyntaxKind.ExportKeyword)) {
      for (const d of stmt.declarationList.declarations) {
        if (ts.isIdentifier(d.name)) out.set(d.name.getText(), d.name.getText());
      }
    } else if (ts.isExportDeclaration(stmt) && !stmt.moduleSpecifier && !stmt.isTypeOnly && stmt.exportClause && ts.isNamedExports(stmt.exportClause)) {
      for (const spec of stmt.exportClause.elements) {
        if (spec.isTypeOnly) continue;
        const local = (spec.propertyName ?? spec.name).getText();
        const name = spec.name.getText();
        if (name === "default") defaults.add(local);
        else if (!out.has(local)) out.set(local, name);
      }
    } else if (ts.isExportAssignment(stmt) && !stmt.isExportEquals) {
      const e = innerExpression(stmt.expression);
      if (ts.isIdentifier(e)) defaults.add(e.getText());
    }
  }
  for (const local of defaults) if (!out.has(local)) out.set(local, "default");
  return out;
}

/**
 * The name the analysis gives the definition a file exports as default, when it has another one
 * (`export const main = workflow(...); export default main;` → `main`): FILE#default names it too.
 */
export function defaultExportAlias(sf: ts.SourceFile): string | undefined {
  const exported = exportNames(sf);
  for (const stmt of sf.statements) {
    let local: string | undefined;
    if (ts.isExportAssignment(stmt) && !stmt.isExportEquals) {
      const e = innerExpression(stmt.expression);
      if (ts.isIdentifier(e)) local = e.getText();
    } else if (ts.isExportDeclaration(stmt) && !stmt.moduleSpecifier && !stmt.isTypeOnly && stmt.exportClause && ts.isNamedExports(stmt.exportClause)) {
      const spec = stmt.exportClause.elements.find((e) => !e.isTypeOnly && e.name.getText() === "default");
      if (spec) local = (spec.propertyName ?? spec.name).getText();
    }
    if (local === undefined) continue;
    const name = exported.get(local);
    return name && name !== "default" ? name : undefined;
  }
  return undefined;
}

/** The engine's name for a task: its `name` option, else its export name (else its variable). */
export function definitionName(def: Definition): string | undefined {
  if (def.kind === "task") return def.nameOption ?? def.exportName ?? def.variable;
  return def.exportName ?? def.variable;
}

/** The definition a call's callee points at (a task or workflow variable, possibly imported). */
export function definitionOfCallee(checker: ts.TypeChecker, callee: ts.Node): { call: ts.CallExpression } | undefined {
  let symbol: ts.Symbol | undefined;
  try {
    symbol = checker.getSymbolAtLocation(callee);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol) ?? symbol;
  } catch {
    return undefined;
  }
  for (const decl of symbol?.declarations ?? []) {
    if (ts.isVariableDeclaration(decl)) {
      const init = decl.initializer && innerExpression(decl.initializer);
      if (init && ts.isCallExpression(init)) return { call: init };
    }
    if (ts.isExportAssignment(decl)) {
      // `export default workflow(...)` (imported as `import flow from "./file"`), or `export default name`.
      const target = innerExpression(decl.expression);
      return ts.isCallExpression(target) ? { call: target } : definitionOfCallee(checker, target);
    }
    if (ts.isExportSpecifier(decl)) return definitionOfCallee(checker, decl.propertyName ?? decl.name);
  }
  return undefined;
}
