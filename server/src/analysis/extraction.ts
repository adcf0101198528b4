/**
 * "Extract into a task" for the computation FS004 flags: the largest expression around the misused
 * reference that only computes (no task call, no assignment, not an if's or loop's condition), the
 * references and body-local values it reads (they become the new task's inputs, wired from where
 * they are), and where the task goes. Plain data; editor/extractTask.ts writes the edit.
 */
import { ts } from "@ts-morph/common";
import type { Position, Range } from "./model.js";
import { offsetsToRange } from "./ranges.js";
import { isPlainObject, valueOfExpression } from "./scope.js";
import { rangeIn, type WorkflowSite } from "./site.js";
import { ancestorOfKind, hasModifier, isExpressionNode, isFunctionLike, isStringLike, safe, symbolAt } from "./syntax.js";
import { typeText } from "./types.js";

export interface Extraction {
  /** The computation, replaced by the new node's output. */
  range: Range;
  /** The computation's text with each input read by its name: the new task's result. */
  body: string;
  /** Inputs by name, each wired from an expression of the body (`data.rows`, `count`). */
  inputs: { name: string; type: string; from: string }[];
  /** The output field the task returns, named after what the computation was bound to. */
  output: string;
  /** A module-level name free in the file (`computeTotal`). */
  taskName: string;
  /** The line the task's declaration goes on (the workflow's statement, its comments included). */
  insertAt: Position;
  exported: boolean;
  /** How this file calls `task` (`task`, an alias, `fs.task`). */
  taskCallee: string;
  /** The import `task` needs when the file does not import it yet. */
  importTask?: { at: Position; text: string };
  /** The FS004 diagnostics inside the computation (the extraction removes them). */
  flagged: Range[];
}

/** Extractions for the FS004 computations that intersect `range`, one per computation. */
export function extractionsAt(site: WorkflowSite, range: Range): Extraction[] {
  const { sourceFile: sf } = site;
  const out: Extraction[] = [];
  const seen = new Set<ts.Node>();
  for (const f of site.walked.facts) {
    if (f.kind !== "referenceAsValue" || f.at.getSourceFile() !== sf) continue;
    const e = computationOf(site, f.at);
    if (!e || seen.has(e) || !intersects(rangeIn(sf, e), range)) continue;
    seen.add(e);
    const extraction = safe(() => extract(site, e));
    if (extraction) out.push(extraction);
  }
  return out;
}

function intersects(a: Range, b: Range): boolean {
  const before = (p: Position, q: Position) => p.line < q.line || (p.line === q.line && p.character <= q.character);
  return before(a.start, b.end) && before(b.start, a.end);
}

/** The computation around a misused reference, or undefined when it cannot become a task of its own. */
function computationOf(site: WorkflowSite, at: ts.Node): ts.Expression | undefined {
  if (!isExpressionNode(at)) return undefined;
  let e: ts.Node = at;
  for (;;) {
    e = climb(site, e);
    // Inside a callback of the body (`rows.filter((x) => x > n)`): the callback goes with it.
    const callback = ancestorOfKind(e, isFunctionLike);
    if (!callback || callback === site.workflow.fn || !callback.parent || callback.pos < site.workflow.fn!.pos) break;
    e = callback;
  }
  const parent = e.parent;
  if (!isExpressionNode(e) || ts.isSpreadElement(e) || isFunctionLike(e)) return undefined;
  // A condition chooses what the body wires: moving it into a task would not help; an unused value is no computation.
  if (ts.isIfStatement(parent) || ts.isWhileStatement(parent) || ts.isDoStatement(parent) || ts.isSwitchStatement(parent) || ts.isForStatement(parent)) return undefined;
  if (ts.isForOfStatement(parent) || ts.isForInStatement(parent) || ts.isExpressionStatement(parent)) return undefined;
  if (containsForbidden(site, e)) return undefined;
  return e;
}

/** Up from `e` while the parent only computes with it. */
function climb(site: WorkflowSite, e: ts.Node): ts.Node {
  for (let p = e.parent; p; p = e.parent) {
    const climbs =
      ts.isParenthesizedExpression(p) || ts.isAsExpression(p) || ts.isNonNullExpression(p) || ts.isSatisfiesExpression(p) || ts.isTypeOfExpression(p) ||
      ts.isConditionalExpression(p) || ts.isTemplateSpan(p) || ts.isTemplateExpression(p) || ts.isElementAccessExpression(p) || ts.isSpreadElement(p) ||
      (ts.isArrayLiteralExpression(p) && ts.isSpreadElement(e)) ||
      (ts.isPropertyAccessExpression(p) && p.expression === e) ||
      (ts.isPrefixUnaryExpression(p) && p.operator !== ts.SyntaxKind.PlusPlusToken && p.operator !== ts.SyntaxKind.MinusMinusToken) ||
      (ts.isBinaryExpression(p) && !isAssignment(p.operatorToken.kind) && p.operatorToken.kind !== ts.SyntaxKind.CommaToken) ||
      (ts.isCallExpression(p) && !site.resolve(p.expression));
    if (!climbs) break;
    e = p;
  }
  return e;
}

function isAssignment(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}

/** A task or sub-flow call, an await, a yield or an assignment inside: not a pure computation. */
function containsForbidden(site: WorkflowSite, e: ts.Node): boolean {
  const calls = new Set<ts.Node>([...site.walked.callOf.values(), ...[...site.walked.subflows.values()].map((s) => s.call)]);
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (calls.has(n) || ts.isAwaitExpression(n) || ts.isYieldExpression(n) || (ts.isBinaryExpression(n) && isAssignment(n.operatorToken.kind))) found = true;
    else if (ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) found = n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken;
    if (!found) ts.forEachChild(n, visit);
  };
  visit(e);
  return found;
}

function extract(site: WorkflowSite, e: ts.Expression): Extraction | undefined {
  const { sourceFile: sf, checker } = site;
  const fn = site.workflow.fn!;
  const stmt = topStatement(site.workflow.call);
  const inputs = new Map<string, { name: string; type: string; from: string }>();
  const edits: { start: number; end: number; text: string }[] = [];
  let failed = false;
  const visit = (n: ts.Node): void => {
    if (failed) return;
    if (ts.isIdentifier(n) && readsValue(n)) {
      const decl = symbolAt(checker, n)?.declarations?.[0];
      const local = decl && decl.getSourceFile() === sf && decl.pos >= fn.pos && decl.end <= fn.end && !(decl.pos >= e.pos && decl.end <= e.end);
      if (local) {
        // A reference to a plain object's output reads the output it names (`data.rows`, not `data`).
        let expr: ts.Expression = n;
        let v = valueOfExpression(site, n);
        while (ts.isPropertyAccessExpression(expr.parent) && expr.parent.expression === expr && v && spreads(checker, v)) {
          const next = valueOfExpression(site, expr.parent);
          if (!next?.value) break;
          expr = expr.parent;
          v = next;
        }
        if (v?.value?.kind === "sub" || v?.value?.kind === "params") failed = true;
        const from = expr.getText(sf);
        let input = inputs.get(from);
        if (!input) {
          const base = ts.isPropertyAccessExpression(expr) ? expr.name.text : n.text;
          let name = base;
          for (let i = 2; [...inputs.values()].some((x) => x.name === name); i++) name = `${base}${i}`;
          const type = v?.type ?? safe(() => checker.getBaseTypeOfLiteralType(checker.getTypeAtLocation(expr)));
          input = { name, type: type ? typeText(checker, type, stmt) : "unknown", from };
          inputs.set(from, input);
        }
        const shorthand = ts.isShorthandPropertyAssignment(n.parent);
        edits.push({ start: expr.getStart(sf), end: expr.getEnd(), text: shorthand ? `${n.text}: ${input.name}` : input.name });
        return;
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(e);
  if (failed || !inputs.size) return undefined;
  let body = sf.text.slice(e.getStart(sf), e.getEnd());
  const base = e.getStart(sf);
  for (const edit of edits.sort((a, b) => b.start - a.start)) body = body.slice(0, edit.start - base) + edit.text + body.slice(edit.end - base);
  const output = outputName(e);
  const start = commentedStart(sf, stmt);
  const flagged = site.walked.facts.flatMap((f) => (f.kind === "referenceAsValue" && f.at.pos >= e.pos && f.at.end <= e.end ? [rangeIn(sf, f.at)] : []));
  return {
    range: rangeIn(sf, e),
    body,
    inputs: [...inputs.values()],
    output,
    taskName: freeModuleName(sf, `compute${output[0]!.toUpperCase()}${output.slice(1)}`),
    insertAt: offsetsToRange(sf, start, start).start,
    exported: hasModifier(stmt, ts.SyntaxKind.ExportKeyword),
    ...taskCallee(sf),
    flagged,
  };
}

/** Is a reference's value a plain object whose fields are outputs (or a sub-flow's or the params' fields)? */
function spreads(checker: ts.TypeChecker, v: NonNullable<ReturnType<typeof valueOfExpression>>): boolean {
  if (v.value?.kind === "sub" || v.value?.kind === "params") return true;
  return !!v.type && isPlainObject(checker, v.type);
}

/** An identifier read as a value (not a property's name, not a declaration's). */
function readsValue(n: ts.Identifier): boolean {
  const p = n.parent;
  if ((ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isPropertyAssignment(p) && p.name === n)) return false;
  if ((ts.isParameter(p) || ts.isBindingElement(p) || ts.isVariableDeclaration(p) || ts.isFunctionExpression(p)) && p.name === n) return false;
  return true;
}

function outputName(e: ts.Node): string {
  const p = e.parent;
  if (ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
  if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || isStringLike(p.name)) && /^[A-Za-z_$][\w$]*$/.test(p.name.text)) return p.name.text;
  return "value";
}

function topStatement(node: ts.Node): ts.Statement {
  let n = node;
  while (n.parent && !ts.isSourceFile(n.parent)) n = n.parent;
  return n as ts.Statement;
}

/** Where a statement starts, its leading comments (a JSDoc) included. */
function commentedStart(sf: ts.SourceFile, stmt: ts.Node): number {
  const comments = ts.getLeadingCommentRanges(sf.text, stmt.getFullStart());
  const start = comments?.length ? comments[0]!.pos : stmt.getStart(sf);
  return sf.getLineStarts()[sf.getLineAndCharacterOfPosition(start).line]!;
}

function freeModuleName(sf: ts.SourceFile, base: string): string {
  let name = base;
  for (let i = 2; new RegExp(`\\b${name.replace(/\$/g, "\\$")}\\b`).test(sf.text); i++) name = `${base}${i}`;
  return name;
}

/** How the file names `task` from flowsmith, and the import to add when it does not. */
function taskCallee(sf: ts.SourceFile): Pick<Extraction, "taskCallee" | "importTask"> {
  let lastImportEnd = 0;
  let named: ts.NamedImports | undefined;
  for (const s of sf.statements) {
    if (!ts.isImportDeclaration(s)) continue;
    lastImportEnd = s.getEnd();
    if (!isStringLike(s.moduleSpecifier) || s.moduleSpecifier.text !== "flowsmith" || s.importClause?.isTypeOnly) continue;
    const bindings = s.importClause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) return { taskCallee: `${bindings.name.text}.task` };
    if (bindings && ts.isNamedImports(bindings)) {
      const el = bindings.elements.find((x) => !x.isTypeOnly && (x.propertyName ?? x.name).text === "task");
      if (el) return { taskCallee: el.name.text };
      named ??= bindings;
    }
  }
  const last = named?.elements[named.elements.length - 1];
  if (last) return { taskCallee: "task", importTask: { at: offsetsToRange(sf, last.getEnd(), last.getEnd()).start, text: ", task" } };
  const at = offsetsToRange(sf, lastImportEnd, lastImportEnd).start;
  return { taskCallee: "task", importTask: { at, text: `${lastImportEnd ? "\n" : ""}import { task } from "flowsmith";${lastImportEnd ? "" : "\n"}` } };
}
