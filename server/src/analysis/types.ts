/**
 * Questions for the type checker, asked only where an answer is needed: a task's input and output
 * types, whether an output fits an input, whether a value is JSON. Works on compiler objects
 * (`ts.Type`) for speed; results leave this module as strings.
 */
import { ts } from "@ts-morph/common";

export interface InputProp {
  name: string;
  type: ts.Type;
  optional: boolean;
}

/** The declared input of a task function: its first parameter's properties. */
export function taskInputProps(checker: ts.TypeChecker, fn: ts.Node): Map<string, InputProp> | undefined {
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return undefined;
  const param = fn.parameters[0];
  if (!param) return new Map();
  const type = checker.getTypeAtLocation(param);
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return undefined;
  const props = new Map<string, InputProp>();
  for (const sym of checker.getPropertiesOfType(type)) {
    props.set(sym.name, {
      name: sym.name,
      type: checker.getTypeOfSymbolAtLocation(sym, param),
      optional: (sym.flags & ts.SymbolFlags.Optional) !== 0,
    });
  }
  return props;
}

/**
 * Resolve the `task(...)` call a function is an argument of, before asking for the function's
 * return type. The answer is the same, but in this order the checker infers the call once and
 * the return type is then read from it; asked first, the return type drags the contextual type
 * machinery through the call for every return expression (≈ 1/3 more checker time per task).
 * It is also the order tsc checks in (the declaration's initializer, then the body).
 */
export function resolveEnclosingCall(checker: ts.TypeChecker, fn: ts.Node): void {
  const call = fn.parent;
  if (call && ts.isCallExpression(call) && call.arguments.includes(fn as ts.Expression)) {
    try {
      checker.getResolvedSignature(call);
    } catch {
      /* half-typed code: the return type is asked for anyway */
    }
  }
}

/** Output types per checker: a new program (after an edit) gets a new checker and fresh types. */
const outputTypesByChecker = new WeakMap<ts.TypeChecker, WeakMap<ts.Node, ts.Type | null>>();

/** What a task resolves to (its return type with Promise unwrapped); asked once per function and checker. */
export function taskOutputType(checker: ts.TypeChecker, fn: ts.Node): ts.Type | undefined {
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return undefined;
  let outputTypes = outputTypesByChecker.get(checker);
  if (!outputTypes) outputTypesByChecker.set(checker, (outputTypes = new WeakMap()));
  if (!outputTypes.has(fn)) {
    let type: ts.Type | undefined;
    resolveEnclosingCall(checker, fn);
    const signature = checker.getSignatureFromDeclaration(fn);
    if (signature) {
      const returned = checker.getReturnTypeOfSignature(signature);
      type = checker.getAwaitedType(returned) ?? returned;
    }
    outputTypes.set(fn, type ?? null);
  }
  return outputTypes.get(fn) ?? undefined;
}

/** The type of a field of `type`, or undefined when it has no such field. */
export function fieldType(checker: ts.TypeChecker, type: ts.Type, name: string, _at: ts.Node): ts.Type | undefined {
  const sym = checker.getPropertyOfType(checker.getApparentType(type), name);
  // getTypeOfSymbol, not …AtLocation: the latter re-checks the whole generic task() call per field.
  return sym ? checker.getTypeOfSymbol(sym) : undefined;
}

/**
 * The value type a reference stands for: the SDK brands `Ref<T>` with a unique-symbol property of
 * type T (runtime/src/sdk/types.ts). Params are typed that way in a body (`ParamRefs`).
 */
export function referencedType(checker: ts.TypeChecker, type: ts.Type): ts.Type | undefined {
  const brand = checker.getPropertiesOfType(type).find((p) => p.escapedName.toString().startsWith("__@referenceBrand"));
  return brand ? checker.getTypeOfSymbol(brand) : undefined;
}

/** The element type of a list type (`T[]`, `readonly T[]`, a tuple), or undefined when it is not a list. */
export function elementType(checker: ts.TypeChecker, type: ts.Type): ts.Type | undefined {
  if (checker.isArrayType(type)) return checker.getTypeArguments(type as ts.TypeReference)[0];
  if (checker.isTupleType(type)) {
    const args = checker.getTypeArguments(type as ts.TypeReference);
    return args.length ? (checker as unknown as { getUnionType(types: ts.Type[]): ts.Type }).getUnionType([...args]) : undefined;
  }
  return undefined;
}

/** `T[]` for an element type (what a map node's outputs are lists of). */
export function arrayOf(checker: ts.TypeChecker, type: ts.Type): ts.Type {
  return (checker as unknown as { createArrayType(t: ts.Type): ts.Type }).createArrayType(type);
}

export function fieldNames(checker: ts.TypeChecker, type: ts.Type): string[] {
  if (isOpaque(type)) return [];
  return checker.getPropertiesOfType(type).map((s) => s.name);
}

/** Types whose fields we do not list as outputs (primitives, arrays, functions). */
export function isOpaque(type: ts.Type): boolean {
  return (
    (type.flags & (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.ESSymbolLike | ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never)) !== 0 ||
    type.getCallSignatures().length > 0
  );
}

export function isAnyLike(type: ts.Type): boolean {
  return (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
}

/**
 * Does an output of type `source` fit an input of type `target`? TypeScript's assignability, under
 * the program's own options: with strictNullChecks (or strict) an output that may be undefined or
 * null does not fit an input that does not take it (the node would get undefined at run time);
 * without it, TypeScript ignores undefined and null, and so does this.
 */
export function fits(checker: ts.TypeChecker, source: ts.Type, target: ts.Type): boolean {
  if (isAnyLike(source) || isAnyLike(target)) return true;
  return checker.isTypeAssignableTo(source, target);
}

export function typeText(checker: ts.TypeChecker, type: ts.Type, at?: ts.Node): string {
  const text = checker.typeToString(type, at, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export const NON_JSON_CLASSES = new Set(["Date", "Map", "Set", "WeakMap", "WeakSet", "RegExp", "Promise", "Buffer", "Uint8Array", "ArrayBuffer", "Error", "URL"]);

/** Why a value of this type cannot be stored as JSON, or undefined when it can (or we cannot tell). */
export function nonJsonReason(checker: ts.TypeChecker, type: ts.Type, depth = 0, seen = new Set<ts.Type>()): string | undefined {
  if (depth > 5 || seen.has(type)) return undefined;
  seen.add(type);
  const f = type.flags;
  if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Never | ts.TypeFlags.TypeParameter)) {
    return undefined;
  }
  if (f & ts.TypeFlags.BigIntLike) return "a bigint";
  if (f & ts.TypeFlags.ESSymbolLike) return "a symbol";
  if (f & ts.TypeFlags.Void) return undefined;
  if (type.isUnion()) {
    for (const t of type.types) {
      const r = nonJsonReason(checker, t, depth + 1, seen);
      if (r) return r;
    }
    return undefined;
  }
  if (type.getCallSignatures().length > 0) return "a function";
  const symbolName = type.getSymbol()?.getName();
  if (symbolName && NON_JSON_CLASSES.has(symbolName)) return `a ${symbolName}`;
  if (checker.isArrayType(type) || checker.isTupleType(type)) {
    for (const t of checker.getTypeArguments(type as ts.TypeReference)) {
      const r = nonJsonReason(checker, t, depth + 1, seen);
      if (r) return r;
    }
    return undefined;
  }
  const sym = type.getSymbol();
  if (sym && sym.flags & ts.SymbolFlags.Class) return `an instance of class ${sym.getName()}`;
  if (f & ts.TypeFlags.Object) {
    for (const prop of checker.getPropertiesOfType(type)) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      if (!decl) continue;
      const r = nonJsonReason(checker, checker.getTypeOfSymbolAtLocation(prop, decl), depth + 1, seen);
      if (r) return `${r} (in field ${prop.name})`;
    }
  }
  return undefined;
}
