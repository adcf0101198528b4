/**
 * Finds the `task()` and `workflow()` calls whose callee resolves to the flowsmith package —
 * through aliases, namespace imports and re-exports, by asking the type checker where the callee
 * is declared — and the names the engine will give them.
 */
import { Node, type CallExpression, type SourceFile, type Symbol as MorphSymbol } from "ts-morph";
import type { FlowProject } from "./project.js";

export type SdkFunction = "task" | "workflow";

export interface Definition {
  kind: SdkFunction;
  call: CallExpression;
  /** The variable it is assigned to (`export const x = task(...)`), if any. */
  variable?: string;
  /** The name it is exported under, if exported. */
  exportName?: string;
  /** The `name` option when it is a string literal. */
  nameOption?: string;
  /** The function argument (task fn or workflow body). */
  fn?: Node;
  /** The options object literal, if given. */
  options?: Node;
}

/** What a callee expression resolves to in the flowsmith SDK, if anything. */
export function sdkFunctionOf(project: FlowProject, callee: Node, depth = 0): SdkFunction | undefined {
  let symbol: MorphSymbol | undefined;
  try {
    symbol = callee.getSymbol();
  } catch {
    return undefined;
  }
  if (!symbol) return undefined;
  const seen = new Set<MorphSymbol>();
  while (symbol.isAlias() && !seen.has(symbol)) {
    seen.add(symbol);
    const aliased = symbol.getAliasedSymbol();
    if (!aliased || aliased === symbol) break;
    // An import from a module that does not resolve: fall back to the import's own words.
    if (aliased.getDeclarations().length === 0) break;
    symbol = aliased;
  }
  const decls = symbol.getDeclarations();
  if (decls.length === 0) return undefined;
  for (const decl of decls) {
    if (Node.isImportSpecifier(decl)) {
      const moduleName = decl.getImportDeclaration().getModuleSpecifierValue();
      const imported = decl.compilerNode.propertyName?.getText() ?? decl.getName();
      if (moduleName === "flowsmith" && (imported === "task" || imported === "workflow")) return imported;
      continue;
    }
    // `export const task = realTask` (or `= fs.task`): follow the alias to what it names.
    if (Node.isVariableDeclaration(decl) && project.packageOf(decl.getSourceFile().getFilePath()) !== "flowsmith") {
      const init = decl.getInitializer();
      if (init && (Node.isIdentifier(init) || Node.isPropertyAccessExpression(init)) && depth < 5) {
        const inner = sdkFunctionOf(project, init, depth + 1);
        if (inner) return inner;
      }
      continue;
    }
    const name = symbol.getName();
    if (name !== "task" && name !== "workflow") continue;
    if (!Node.isFunctionDeclaration(decl) && !Node.isVariableDeclaration(decl)) continue;
    if (project.packageOf(decl.getSourceFile().getFilePath()) === "flowsmith") return name;
  }
  return undefined;
}

/** Every task and workflow defined in a file, in source order. */
export function definitionsIn(project: FlowProject, sf: SourceFile): Definition[] {
  const defs: Definition[] = [];
  const exported = exportNames(sf);
  sf.forEachDescendant((node, traversal) => {
    if (!Node.isCallExpression(node)) return;
    const kind = sdkFunctionOf(project, node.getExpression());
    if (!kind) return;
    const args = node.getArguments();
    const fn = args.find((a) => Node.isArrowFunction(a) || Node.isFunctionExpression(a));
    const options = args.length > 1 || !fn ? args[0] : undefined;
    const def: Definition = { kind, call: node, ...(fn ? { fn } : {}) };
    if (options && Node.isObjectLiteralExpression(options)) {
      def.options = options;
      const nameProp = options.getProperty("name");
      if (nameProp && Node.isPropertyAssignment(nameProp)) {
        const init = nameProp.getInitializer();
        if (init && (Node.isStringLiteral(init) || Node.isNoSubstitutionTemplateLiteral(init))) def.nameOption = init.getLiteralText();
      }
    }
    const parent = node.getParent();
    if (parent && Node.isVariableDeclaration(parent) && parent.getInitializer() === node) {
      const nameNode = parent.getNameNode();
      if (Node.isIdentifier(nameNode)) {
        def.variable = nameNode.getText();
        const exp = exported.get(def.variable);
        if (exp) def.exportName = exp;
      }
    }
    defs.push(def);
    traversal.skip();
  });
  return defs;
}

/** Local name → export name, for `export const x`, `export { x }` and `export { x as y }`. */
function exportNames(sf: SourceFile): Map<string, string> {
  const out = new Map<string, string>();
  for (const stmt of sf.getStatements()) {
    if (Node.isVariableStatement(stmt) && stmt.hasExportKeyword()) {
      for (const d of stmt.getDeclarations()) {
        const n = d.getNameNode();
        if (Node.isIdentifier(n)) out.set(n.getText(), n.getText());
      }
    } else if (Node.isExportDeclaration(stmt) && !stmt.getModuleSpecifier()) {
      for (const spec of stmt.getNamedExports()) {
        const local = spec.getNameNode().getText();
        if (!out.has(local)) out.set(local, spec.getAliasNode()?.getText() ?? local);
      }
    }
  }
  return out;
}

/** The engine's name for a task: its `name` option, else its export name (else its variable). */
export function definitionName(def: Definition): string | undefined {
  if (def.kind === "task") return def.nameOption ?? def.exportName ?? def.variable;
  return def.exportName ?? def.variable;
}

/** The definition a call's callee points at (a task or workflow variable, possibly imported). */
export function definitionOfCallee(callee: Node): { call: CallExpression } | undefined {
  let symbol: MorphSymbol | undefined;
  try {
    symbol = callee.getSymbol();
    if (symbol?.isAlias()) symbol = symbol.getAliasedSymbol() ?? symbol;
  } catch {
    return undefined;
  }
  for (const decl of symbol?.getDeclarations() ?? []) {
    if (Node.isVariableDeclaration(decl)) {
      const init = decl.getInitializer();
      if (init && Node.isCallExpression(init)) return { call: init };
    }
    if (Node.isExportSpecifier(decl) || Node.isExportAssignment(decl)) {
      const target = Node.isExportAssignment(decl) ? decl.getExpression() : decl.getNameNode();
      return definitionOfCallee(target);
    }
  }
  return undefined;
}

