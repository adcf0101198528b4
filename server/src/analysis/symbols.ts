/**
 * What a place in a flow file names in flow words — a task, a workflow or a node alias — and where
 * each node's call names its task, for rename and find references (server/src/editor). Plain data
 * out (ranges, names); the trees stay here.
 */
import { ts } from "@ts-morph/common";
import { definitionOfCallee } from "./discover.js";
import type { FlowAnalysis } from "./index.js";
import type { Position, Range, StaticNode } from "./model.js";
import { offsetsToRange, rangeOf } from "./ranges.js";
import { isStringLike, propertyNamed, safe } from "./syntax.js";

/** A task or workflow definition, by the file defining it and the range of its `task()`/`workflow()` call. */
export interface DefinitionRef {
  kind: "task" | "workflow";
  /** The task's name (engine's), or the workflow's export name. */
  name: string;
  /** What node ids use: the task's name, or the workflow's `name` option else its export name. */
  idName: string;
  file: string;
  /** The `task()`/`workflow()` call. */
  range: Range;
  /** The `name: "…"` option's text, without its quotes, when the name is written as a string. */
  nameString?: Range;
}

/** What a position names: a definition (through its name string or an identifier), or a call's alias. */
export type FlowNameAt =
  | { kind: "definition"; definition: DefinitionRef; via: "nameString" | "identifier"; range: Range }
  | { kind: "alias"; alias: string; file: string; call: Range; range: Range };

/** Where a node's call is: the callee's name (what find references shows) and its alias, if written. */
export interface CallSite {
  file: string;
  callee: Range;
  alias?: { text: string; range: Range };
}

const sameRange = (a: Range, b: Range) =>
  a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;

/** The innermost node at `offset` (a token's end counts as inside it: a cursor right after a name). */
function nodeAt(sf: ts.SourceFile, offset: number): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (offset < n.getStart(sf) || offset > n.getEnd()) return;
    found = n;
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(sf, visit);
  return found;
}

/** A string literal's text without its quotes. */
function textRange(sf: ts.SourceFile, s: ts.Node): Range {
  return offsetsToRange(sf, s.getStart(sf) + 1, s.getEnd() - 1);
}

/** The definition a `task()`/`workflow()` call in `file` makes, as the file's analysis has it. */
export function definitionAt(analysis: FlowAnalysis, file: string, call: ts.CallExpression): DefinitionRef | undefined {
  const sf = call.getSourceFile();
  const range = rangeOf(call, sf);
  const result = analysis.analyzeFile(file);
  const options = call.arguments.find((a) => ts.isObjectLiteralExpression(a)) as ts.ObjectLiteralExpression | undefined;
  const nameProp = options && call.arguments.length > 1 ? propertyNamed(options, "name") : undefined;
  const nameString = nameProp && ts.isPropertyAssignment(nameProp) && isStringLike(nameProp.initializer) ? textRange(sf, nameProp.initializer) : undefined;
  const task = result.tasks.find((t) => sameRange(t.range, range));
  if (task) return { kind: "task", name: task.name, idName: task.name, file, range, ...(nameString ? { nameString } : {}) };
  const wf = result.workflows.find((w) => sameRange(w.range, range));
  if (!wf) return undefined;
  const idName = nameString && nameProp && ts.isPropertyAssignment(nameProp) && isStringLike(nameProp.initializer) ? nameProp.initializer.text : wf.name;
  return { kind: "workflow", name: wf.name, idName, file, range, ...(nameString ? { nameString } : {}) };
}

/**
 * What the position names, in flow words: the `name` string of a task or workflow, a node alias
 * (`{ as: "…" }`), or an identifier naming a task or workflow (its binding, an import, a call).
 */
export function flowNameAt(analysis: FlowAnalysis, file: string, pos: Position): FlowNameAt | undefined {
  const typed = analysis.project.typed(file);
  if (!typed) return undefined;
  const { sourceFile: sf, checker } = typed;
  const offset = safe(() => sf.getPositionOfLineAndCharacter(pos.line, pos.character));
  if (offset === undefined) return undefined;
  const node = nodeAt(sf, offset);
  if (!node) return undefined;
  if (isStringLike(node)) {
    const prop = node.parent;
    if (!prop || !ts.isPropertyAssignment(prop) || prop.initializer !== node) return undefined;
    const key = prop.name.getText(sf).replace(/^["']|["']$/g, "");
    const obj = prop.parent;
    const call = obj?.parent;
    if (!obj || !ts.isObjectLiteralExpression(obj) || !call || !ts.isCallExpression(call)) return undefined;
    if (key === "name") {
      const definition = definitionAt(analysis, file, call);
      if (definition?.nameString) return { kind: "definition", definition, via: "nameString", range: definition.nameString };
    }
    if (key === "as" && call.arguments[1] === obj) {
      const callee = safe(() => definitionOfCallee(checker, call.expression));
      if (callee && definitionAt(analysis, callee.call.getSourceFile().fileName, callee.call)) return { kind: "alias", alias: node.text, file, call: rangeOf(call, sf), range: textRange(sf, node) };
    }
    return undefined;
  }
  if (!ts.isIdentifier(node)) return undefined;
  // The binding of a definition (`export const getData = task(…)`), else what the identifier refers to.
  const decl = node.parent;
  let call: ts.CallExpression | undefined;
  if (decl && ts.isVariableDeclaration(decl) && decl.name === node && decl.initializer) {
    let init: ts.Expression = decl.initializer;
    while (ts.isParenthesizedExpression(init) || ts.isAsExpression(init) || ts.isSatisfiesExpression(init)) init = init.expression;
    if (ts.isCallExpression(init)) call = init;
  } else {
    call = safe(() => definitionOfCallee(checker, node))?.call;
  }
  if (!call) return undefined;
  const definition = definitionAt(analysis, call.getSourceFile().fileName, call);
  return definition ? { kind: "definition", definition, via: "identifier", range: rangeOf(node, sf) } : undefined;
}

/** The call that made a node (a node of a workflow in `analysis`): its callee's name and its alias. */
export function callSiteOf(analysis: FlowAnalysis, node: Pick<StaticNode, "file" | "range">): CallSite | undefined {
  const sf = analysis.project.parsed(node.file) ?? analysis.project.typed(node.file)?.sourceFile;
  if (!sf) return undefined;
  const start = safe(() => sf.getPositionOfLineAndCharacter(node.range.start.line, node.range.start.character));
  if (start === undefined) return undefined;
  let call: ts.CallExpression | undefined;
  const visit = (n: ts.Node): void => {
    if (call || start < n.getStart(sf) || start >= n.getEnd()) return;
    if (ts.isCallExpression(n) && n.getStart(sf) === start && sameRange(rangeOf(n, sf), node.range)) {
      call = n;
      return;
    }
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(sf, visit);
  if (!call) return undefined;
  const callee = ts.isPropertyAccessExpression(call.expression) ? call.expression.name : call.expression;
  const site: CallSite = { file: node.file, callee: rangeOf(callee, sf) };
  const options = call.arguments[1];
  const asProp = options && ts.isObjectLiteralExpression(options) ? propertyNamed(options, "as") : undefined;
  if (asProp && ts.isPropertyAssignment(asProp) && isStringLike(asProp.initializer)) {
    site.alias = { text: asProp.initializer.text, range: textRange(sf, asProp.initializer) };
  }
  return site;
}
