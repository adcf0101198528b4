/**
 * What a quick fix needs to know about a Flowsmith diagnostic, recomputed from the walk at the
 * diagnostic's range (so a fix never acts on a stale squiggle: no fact there, no fix): FS001's and
 * FS005's closest name, FS002's missing inputs (or a sub-flow's params) with the value to wire into each, FS010's node with
 * where it can be returned or removed. Plain data: names, types as text, ranges and positions.
 */
import { ts } from "@ts-morph/common";
import { callTarget } from "./callInputs.js";
import type { Position, Range } from "./model.js";
import { offsetsToRange } from "./ranges.js";
import { rankFor, referencesInScope, soleFit } from "./scope.js";
import { rangeIn, spans, type WorkflowSite } from "./site.js";
import { safe, symbolAt } from "./syntax.js";
import { fieldNames, typeText } from "./types.js";
import { didYouMean } from "./words.js";

/** FS001 / FS005: a name to replace with the closest known one. */
export interface RenameFix {
  code: "FS001" | "FS005";
  name: string;
  suggestion: string;
  /** What to replace (a string literal's text without its quotes). */
  range: Range;
  /** `{ epoch }`: the name is also the value; the fix writes `epochs: epoch`. */
  shorthand: boolean;
}

/** FS002: the inputs a call does not pass, each with what to pass. */
export interface MissingInputsFix {
  code: "FS002";
  /** A task's inputs, or a sub-flow's params. */
  kind: "task" | "workflow";
  node: string;
  inputs: { name: string; type: string; value: string; wired: boolean }[];
  /** The call's input object, when it has one (else the inputs go after `(`). */
  object?: { range: Range; properties: Range[] };
  openParen: Position;
}

/** FS010: an unused node (or sub-flow call), with where it could be returned and whether it can be removed. */
export interface UnusedNodeFix {
  code: "FS010";
  node: string;
  /** The variable the call is bound to (`const extra = …`), if any. */
  variable?: string;
  /** A name for a variable when the call is bound to none (`get-data` → `getData`), free in the body. */
  freshName: string;
  /** The call's statement when it is nothing else (`const x = t(…);` or `t(…);`): removable. */
  statement?: { range: Range; expressionStatement: boolean };
  /** Where the workflow's returned object gets a field, or a block's end for a new `return`; undefined when the body returns something else. */
  returns?: { kind: "object"; object: Range; properties: Range[]; names: string[] } | { kind: "block"; closeBrace: Position };
}

export type FixFacts = RenameFix | MissingInputsFix | UnusedNodeFix;

/** The facts behind a diagnostic of `code` on `range`, or undefined when the walk has none there now. */
export function fixFactsFor(site: WorkflowSite, code: string, range: Range): FixFacts | undefined {
  const { sourceFile: sf, checker, walked } = site;
  if (code === "FS001") {
    for (const f of walked.facts) {
      if (f.kind !== "taskInput" || !f.declared || f.declared.has(f.name) || !spans(sf, f.at, range)) continue;
      const siblings = walked.facts.filter((g) => g.kind === "taskInputs" && g.nodeId === f.nodeId).flatMap((g) => (g.kind === "taskInputs" ? [...g.given] : []));
      const open = [...f.declared.keys()].filter((n) => !siblings.includes(n));
      const suggestion = didYouMean(f.name, open) ?? didYouMean(f.name, [...f.declared.keys()]);
      if (!suggestion) return undefined;
      return { code, name: f.name, suggestion, range: literalText(sf, f.at) ?? range, shorthand: ts.isShorthandPropertyAssignment(f.at.parent) };
    }
    return undefined;
  }
  if (code === "FS005") {
    for (const f of walked.facts) {
      if (f.kind !== "unknownOutput" || !spans(sf, f.at, range)) continue;
      const of = f.of;
      const have = of.kind === "sub" ? [...of.outputs.keys()] : of.type ? (safe(() => fieldNames(checker, of.type!)) ?? []) : [];
      const suggestion = didYouMean(f.name, have);
      if (!suggestion) return undefined;
      return { code, name: f.name, suggestion, range: literalText(sf, f.at) ?? range, shorthand: false };
    }
    return undefined;
  }
  if (code === "FS002") {
    for (const f of walked.facts) {
      if ((f.kind !== "taskInputs" || f.spread) && f.kind !== "subflowParams") continue;
      if (!spans(sf, f.at, range)) continue;
      const call = ts.isObjectLiteralExpression(f.at) ? f.at.parent : f.at;
      const target = ts.isCallExpression(call) ? callTarget(site, call) : undefined;
      const missing = target?.inputs.filter((p) => !p.optional && !f.given.has(p.name));
      if (!target || !missing?.length || !ts.isCallExpression(call)) return undefined;
      const refs = referencesInScope(site, f.at);
      const inputs = missing.map((p) => {
        const wire = soleFit(rankFor(site, refs, p.name, p.type), p.name);
        return { name: p.name, type: p.type ? typeText(checker, p.type, call) : "unknown", value: wire?.expression ?? (p.type ? placeholderFor(checker, p.type) : "undefined"), wired: !!wire };
      });
      const obj = ts.isObjectLiteralExpression(f.at) ? f.at : undefined;
      const paren = call.arguments.pos; // right after `(`
      return {
        code,
        kind: target.kind,
        node: target.node,
        inputs,
        ...(obj ? { object: { range: rangeIn(sf, obj), properties: obj.properties.map((p) => rangeIn(sf, p)) } } : {}),
        openParen: offsetsToRange(sf, paren, paren).start,
      };
    }
    return undefined;
  }
  if (code === "FS010") return unusedNodeFacts(site, range);
  return undefined;
}

/** A string literal's text without its quotes (`data["rwos"]`, `{ "rowz": … }`): what a new name replaces. */
function literalText(sf: ts.SourceFile, at: ts.Node): Range | undefined {
  return ts.isStringLiteral(at) || ts.isNoSubstitutionTemplateLiteral(at) ? offsetsToRange(sf, at.getStart(sf) + 1, at.getEnd() - 1) : undefined;
}

function unusedNodeFacts(site: WorkflowSite, range: Range): UnusedNodeFix | undefined {
  const { sourceFile: sf, walked } = site;
  const calls: [string, ts.CallExpression][] = [...walked.callOf, ...[...walked.subflows].map(([id, s]): [string, ts.CallExpression] => [id, s.call])];
  const found = calls.find(([, call]) => spans(sf, call, range));
  if (!found) return undefined;
  const [node, call] = found;
  let holder: ts.Node = call;
  while (ts.isParenthesizedExpression(holder.parent) || ts.isAsExpression(holder.parent) || ts.isNonNullExpression(holder.parent)) holder = holder.parent;
  const decl = holder.parent;
  const variable = ts.isVariableDeclaration(decl) && decl.initializer === holder && ts.isIdentifier(decl.name) ? decl.name.text : undefined;
  let statement: UnusedNodeFix["statement"];
  if (ts.isExpressionStatement(decl)) statement = { range: rangeIn(sf, decl), expressionStatement: true };
  else if (ts.isVariableDeclaration(decl) && ts.isVariableDeclarationList(decl.parent) && decl.parent.declarations.length === 1 && ts.isVariableStatement(decl.parent.parent)) {
    statement = { range: rangeIn(sf, decl.parent.parent), expressionStatement: false };
  }
  return { code: "FS010", node, ...(variable ? { variable } : {}), freshName: freshName(site, call, node), ...(statement ? { statement } : {}), ...returnsOf(site) };
}

/** Where the workflow's body returns its outputs (see UnusedNodeFix.returns). */
function returnsOf(site: WorkflowSite): Pick<UnusedNodeFix, "returns"> {
  const { sourceFile: sf } = site;
  const body = site.workflow.fn?.body;
  if (!body) return {};
  let returned: ts.Expression | undefined;
  if (ts.isBlock(body)) {
    const ret = [...body.statements].reverse().find(ts.isReturnStatement);
    if (!ret) return { returns: { kind: "block", closeBrace: offsetsToRange(sf, body.getEnd() - 1, body.getEnd() - 1).start } };
    returned = ret.expression;
  } else {
    returned = body;
  }
  while (returned && ts.isParenthesizedExpression(returned)) returned = returned.expression;
  if (!returned || !ts.isObjectLiteralExpression(returned)) return {};
  const names = returned.properties.flatMap((p) => (p.name && !ts.isComputedPropertyName(p.name) ? [p.name.getText().replace(/^["']|["']$/g, "")] : []));
  return { returns: { kind: "object", object: rangeIn(sf, returned), properties: returned.properties.map((p) => rangeIn(sf, p)), names } };
}

/** A variable name for node `id` that nothing in scope at `at` uses yet (`get-data#2` → `getData2`). */
export function freshName(site: WorkflowSite, at: ts.Node, id: string): string {
  const words = id.split(/[^A-Za-z0-9_$]+/).filter(Boolean);
  let base = words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join("") || "node";
  if (/^\d/.test(base)) base = `_${base}`;
  const taken = new Set((safe(() => site.checker.getSymbolsInScope(at, ts.SymbolFlags.Value)) ?? []).map((s) => s.name));
  let name = base;
  for (let i = 2; taken.has(name) || symbolNamed(site, name); i++) name = `${base}${i}`;
  return name;
}

/** Is `name` declared anywhere in the workflow's body (a later declaration would clash too)? */
function symbolNamed(site: WorkflowSite, name: string): boolean {
  const fn = site.workflow.fn;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(n) && n.text === name && symbolAt(site.checker, n)) found = true;
    else ts.forEachChild(n, visit);
  };
  if (fn) visit(fn);
  return found;
}

/** A value of about the right type for the user to replace (as TypeScript's "add missing properties" writes). */
export function placeholderFor(checker: ts.TypeChecker, type: ts.Type): string {
  if (type.isStringLiteral()) return JSON.stringify(type.value);
  if (type.isNumberLiteral()) return String(type.value);
  if (type.flags & ts.TypeFlags.StringLike) return '""';
  if (type.flags & ts.TypeFlags.NumberLike) return "0";
  if (type.flags & ts.TypeFlags.BooleanLike) return "false";
  if (type.flags & ts.TypeFlags.BigIntLike) return "0n";
  if (type.isUnion()) {
    const member = type.types.find((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
    return member ? placeholderFor(checker, member) : "null";
  }
  if (checker.isArrayType(type) || checker.isTupleType(type)) return "[]";
  if (type.flags & ts.TypeFlags.Object && type.getCallSignatures().length === 0) return "{}";
  return "undefined";
}
