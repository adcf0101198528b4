/**
 * What can be written at a place in a workflow body (completion): in a task call's input object,
 * the task's inputs (at a name) or the references that fit the input (at a value), and the same
 * for a sub-flow call's params; after `ref.`,
 * the outputs of the node (or sub-flow, or params) it names. Plain data out: types as text, ranges.
 */
import { ts } from "@ts-morph/common";
import type { Range } from "./model.js";
import { offsetsToRange } from "./ranges.js";
import { isPlainObject, rankFor, referencedType, referencesInScope, valueOfExpression, type RankedReference } from "./scope.js";
import { nodeAt, type WorkflowSite } from "./site.js";
import { callTarget } from "./callInputs.js";
import { propertyKey, safe } from "./syntax.js";
import { typeText } from "./types.js";

/** One input of the task a call makes a node of. */
export interface InputFacts {
  name: string;
  type: string;
  optional: boolean;
  /** Already passed by the call. */
  given: boolean;
  /** The input's doc comment, if it has one. */
  documentation?: string;
  /** The references in scope for it, best first (those that fit before the others). */
  references: RankedReference[];
}

export interface TaskCallFacts {
  /** A task's node, or a sub-flow (whose inputs are its params). */
  kind: "task" | "workflow";
  /** The node id the call makes. */
  node: string;
  /** The task's (or sub-flow's workflow's) name. */
  task: string;
  inputs: InputFacts[];
}

export type CompletionPlace =
  /** At an input's name in a task call's input object (`train({ | })`). */
  | { kind: "inputName"; call: TaskCallFacts; replace: Range }
  /** At an input's value (`train({ rows: | })`). */
  | { kind: "inputValue"; call: TaskCallFacts; input: InputFacts; replace: Range }
  /** After `ref.`: the fields that reference has (a node's outputs, a sub-flow's, the params). */
  | { kind: "output"; base: string; outputs: { name: string; type?: string; documentation?: string }[]; replace: Range };

/** What completion can offer at the site's place, or undefined when it is no place for flow words. */
export function completionPlaceAt(site: WorkflowSite): CompletionPlace | undefined {
  const { sourceFile: sf, offset } = site;
  let wordStart = offset;
  while (wordStart > 0 && /[\w$]/.test(sf.text[wordStart - 1]!)) wordStart--;
  const replace = offsetsToRange(sf, wordStart, offset);
  const node = nodeAt(sf, offset);
  if (sf.text[wordStart - 1] === ".") return outputPlace(site, node, replace);
  const obj = inputObjectOf(node);
  const call = obj && obj.parent;
  if (!obj || !call || !ts.isCallExpression(call) || call.arguments[0] !== obj) return undefined;
  const facts = taskCallFacts(site, call, obj);
  if (!facts) return undefined;
  const prop = obj.properties.find((p) => p.getStart(sf) <= wordStart && wordStart <= endOf(sf, p));
  if (prop && ts.isPropertyAssignment(prop) && wordStart > prop.name.getEnd()) {
    // A value: only while it is one word being typed (or nothing yet), not inside an expression.
    const init = prop.initializer;
    if (init.getEnd() > init.getStart(sf) && init.getStart(sf) < wordStart) return undefined;
    const input = facts.inputs.find((i) => i.name === propertyKey(prop));
    return input ? { kind: "inputValue", call: facts, input, replace } : undefined;
  }
  if (prop && !ts.isPropertyAssignment(prop) && !ts.isShorthandPropertyAssignment(prop)) return undefined;
  // A name starts an entry: right after `{` or `,` (not after a value, where a comma is missing).
  let before = wordStart - 1;
  while (before >= 0 && /\s/.test(sf.text[before]!)) before--;
  if (sf.text[before] !== "{" && sf.text[before] !== ",") return undefined;
  return { kind: "inputName", call: facts, replace };
}

/** Where a property ends for the cursor: `rows: |` (no value yet) holds the blanks after the colon. */
function endOf(sf: ts.SourceFile, p: ts.ObjectLiteralElementLike): number {
  let end = p.getEnd();
  if (ts.isPropertyAssignment(p) && p.initializer.getEnd() === p.initializer.getStart(sf)) while (end < sf.text.length && /[ \t\r\n]/.test(sf.text[end]!)) end++;
  return end;
}

/** The object literal the place is directly in (its properties' names and values), if any. */
function inputObjectOf(node: ts.Node): ts.ObjectLiteralExpression | undefined {
  for (let n: ts.Node | undefined = node, steps = 0; n && steps < 4; n = n.parent, steps++) {
    if (ts.isObjectLiteralExpression(n)) return n;
    if (!(ts.isIdentifier(n) || ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n))) return undefined;
  }
  return undefined;
}

/** What a task or sub-flow call in the body takes, each input with the references that fit it. */
export function taskCallFacts(site: WorkflowSite, call: ts.CallExpression, obj: ts.ObjectLiteralExpression | undefined): TaskCallFacts | undefined {
  const target = callTarget(site, call);
  if (!target) return undefined;
  const given = new Set((obj?.properties ?? []).flatMap((p) => (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p) ? [propertyKey(p)] : [])));
  const refs = referencesInScope(site, obj ?? call);
  const inputs = target.inputs.map((p): InputFacts => ({
    name: p.name,
    type: p.type ? typeText(site.checker, p.type, call) : "unknown",
    optional: p.optional,
    given: given.has(p.name),
    ...(p.documentation ? { documentation: p.documentation } : {}),
    references: rankFor(site, refs, p.name, p.type),
  }));
  return { kind: target.kind, node: target.node, task: target.name, inputs };
}

function outputPlace(site: WorkflowSite, node: ts.Node, replace: Range): CompletionPlace | undefined {
  const { checker } = site;
  const access = ts.isPropertyAccessExpression(node) ? node : node.parent && ts.isPropertyAccessExpression(node.parent) && node.parent.name === node ? node.parent : undefined;
  if (!access) return undefined;
  const base = valueOfExpression(site, access.expression);
  const v = base?.value;
  if (!v) return undefined;
  const baseText = access.expression.getText();
  const text = (t: ts.Type | undefined) => (t ? { type: typeText(checker, t, access) } : {});
  if (v.kind === "sub") {
    const outputs = [...v.outputs].map(([name, o]) => ({ name, ...text(o?.kind === "ref" ? o.type : undefined) }));
    return { kind: "output", base: baseText, outputs, replace };
  }
  if (v.kind === "params") {
    const whole = safe(() => checker.getTypeAtLocation(access.expression));
    const outputs = (whole ? checker.getPropertiesOfType(whole) : []).map((p) => ({ name: p.name, ...text(safe(() => referencedType(checker, checker.getTypeOfSymbol(p)))) }));
    return { kind: "output", base: baseText, outputs, replace };
  }
  if ((v.kind !== "ref" && v.kind !== "param") || !base.type || !isPlainObject(checker, base.type)) return undefined;
  const type = base.type;
  const outputs = checker.getPropertiesOfType(type).map((p) => {
    const doc = safe(() => ts.displayPartsToString(p.getDocumentationComment(checker)));
    return { name: p.name, ...text(safe(() => checker.getTypeOfSymbol(p))), ...(doc ? { documentation: doc } : {}) };
  });
  return { kind: "output", base: baseText, outputs, replace };
}
