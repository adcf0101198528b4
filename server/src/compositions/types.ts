/**
 * The types a composition's mappings carry: a node's outputs (the fields of what its task
 * returns), the type after `attribute_index`, and how that type reads as a JSON param type
 * (string, number, boolean, json). Asked of the checker of the flow file's own program — the
 * FlowAnalysis' program, never a new one. Conservative: unknown when the checker cannot tell.
 */
import { ts } from "@ts-morph/common";
import type { FlowAnalysis } from "../analysis/index.js";
import type { StaticNode } from "../analysis/model.js";
import { taskFunction } from "../analysis/edgeTypes.js";
import { safe } from "../analysis/syntax.js";
import { fieldType, isAnyLike, isOpaque, taskOutputType, typeText } from "../analysis/types.js";

export type JsonKind = "string" | "number" | "boolean" | "json" | "null";

export interface TypedValue {
  /** As TypeScript prints it. */
  text: string;
  /** Undefined when any, unknown or a type parameter: nothing is reported on it. */
  json?: JsonKind;
  /** The SDK's FlowFile (what `file(path)` returns): a `file` mapping needs one. */
  isFile: boolean;
}

export interface NodeOutput extends TypedValue {
  name: string;
}


function isFlowFile(type: ts.Type): boolean {
  const names = [type.aliasSymbol?.getName(), type.getSymbol()?.getName()];
  return names.includes("FlowFile");
}

/** How a type reads as a param's JSON type; undefined when it cannot be told. */
export function jsonKind(checker: ts.TypeChecker, type: ts.Type): JsonKind | undefined {
  if (isAnyLike(type) || type.flags & (ts.TypeFlags.TypeParameter | ts.TypeFlags.Never | ts.TypeFlags.Void | ts.TypeFlags.Undefined)) return undefined;
  if (type.isUnion()) {
    // `string | undefined` reads as string; a mix of kinds is json.
    const kinds = new Set<JsonKind | undefined>();
    for (const t of type.types) {
      if (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void)) continue;
      kinds.add(jsonKind(checker, t));
    }
    if (kinds.has(undefined)) return undefined;
    if (kinds.size === 1) return [...kinds][0];
    return kinds.size === 0 ? "null" : "json";
  }
  if (type.flags & ts.TypeFlags.StringLike) return "string";
  if (type.flags & ts.TypeFlags.NumberLike) return "number";
  if (type.flags & ts.TypeFlags.BooleanLike) return "boolean";
  if (type.flags & ts.TypeFlags.Null) return "null";
  if (type.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) return "json";
  return undefined;
}

function typed(checker: ts.TypeChecker, type: ts.Type): TypedValue {
  const json = jsonKind(checker, type);
  return { text: typeText(checker, type), ...(json ? { json } : {}), isFile: isFlowFile(type) };
}

/** A node's outputs with their types (undefined when its task's output type is unknown). */
export function nodeOutputs(analysis: FlowAnalysis, node: StaticNode): NodeOutput[] | undefined {
  const found = safe(() => taskFunction(analysis, node));
  if (!found) return undefined;
  const { fn, checker } = found;
  const type = safe(() => taskOutputType(checker, fn));
  if (!type || isOpaque(type)) return undefined;
  return safe(() => checker.getPropertiesOfType(type).map((p) => ({ name: p.name, ...typed(checker, checker.getTypeOfSymbol(p)) })));
}

export type OutputLookup =
  | { kind: "unknown" }
  | { kind: "value"; value: TypedValue }
  | { kind: "noOutput"; outputs: string[] }
  | { kind: "noField"; at: number; field: string | number; fields: string[]; type: string };

/** The type of `node`'s `output`, then each step of `index` (fields, list positions). */
export function outputType(analysis: FlowAnalysis, node: StaticNode, output: string, index: (string | number)[] = []): OutputLookup {
  const found = safe(() => taskFunction(analysis, node));
  if (!found) return { kind: "unknown" };
  const { fn, checker } = found;
  const whole = safe(() => taskOutputType(checker, fn));
  if (!whole || isAnyLike(whole) || isOpaque(whole)) return { kind: "unknown" };
  let type = safe(() => fieldType(checker, whole, output, fn));
  if (!type) return { kind: "noOutput", outputs: safe(() => checker.getPropertiesOfType(whole).map((p) => p.name)) ?? [] };
  for (let i = 0; i < index.length; i++) {
    const step = index[i]!;
    if (isAnyLike(type)) return { kind: "unknown" };
    const current: ts.Type = type;
    let next: ts.Type | undefined;
    if (typeof step === "number") {
      next = safe(() => (checker.isTupleType(current) ? checker.getTypeArguments(current as ts.TypeReference)[step] : checker.getIndexTypeOfType(current, ts.IndexKind.Number)));
    } else {
      next = safe(() => fieldType(checker, current, step, fn) ?? checker.getIndexTypeOfType(current, ts.IndexKind.String));
    }
    if (!next) {
      if (current.isUnion() || current.flags & ts.TypeFlags.TypeParameter) return { kind: "unknown" };
      const fields = isOpaque(current) ? [] : (safe(() => checker.getPropertiesOfType(current).map((p) => p.name)) ?? []);
      return { kind: "noField", at: i, field: step, fields, type: typeText(checker, current) };
    }
    type = next;
  }
  return { kind: "value", value: typed(checker, type) };
}
