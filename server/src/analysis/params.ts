/**
 * Reads a workflow's zod param schema without running it: `z.object({ n: z.number().default(3) })`
 * gives n: number, optional, default 3. Fields whose zod type is not JSON get FS006.
 */
import { ts } from "@ts-morph/common";
import type { FlowDiagnostic, ParamInfo } from "./model.js";
import { rangeOf } from "./ranges.js";
import { isStringLike, propertyKey, propertyNamed, symbolAt } from "./syntax.js";
import { nonJsonReason } from "./types.js";

const NON_JSON: Record<string, string> = {
  date: "a Date",
  bigint: "a bigint",
  function: "a function",
  symbol: "a symbol",
  map: "a Map",
  set: "a Set",
  instanceof: "a class instance",
  promise: "a Promise",
  file: "a File",
  nan: "NaN",
  undefined: "undefined",
  void: "void",
};

const TYPE_OF: Record<string, ParamInfo["type"]> = {
  string: "string",
  email: "string",
  url: "string",
  uuid: "string",
  enum: "string",
  literal: "json",
  number: "number",
  int: "number",
  float: "number",
  boolean: "boolean",
};

/** A JSON literal written in source (numbers, strings, booleans, null, arrays, objects). */
export function literalValue(node: ts.Node | undefined): { ok: true; value: unknown } | { ok: false } {
  if (!node) return { ok: false };
  if (isStringLike(node)) return { ok: true, value: node.text };
  if (ts.isNumericLiteral(node)) return { ok: true, value: node.text.includes(".") ? parseFloat(node.text) : parseInt(node.text, 10) };
  if (node.kind === ts.SyntaxKind.TrueKeyword) return { ok: true, value: true };
  if (node.kind === ts.SyntaxKind.FalseKeyword) return { ok: true, value: false };
  if (node.kind === ts.SyntaxKind.NullKeyword) return { ok: true, value: null };
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken) {
    const inner = literalValue(node.operand);
    return inner.ok && typeof inner.value === "number" ? { ok: true, value: -inner.value } : { ok: false };
  }
  if (ts.isArrayLiteralExpression(node)) {
    const items: unknown[] = [];
    for (const el of node.elements) {
      const v = literalValue(el);
      if (!v.ok) return { ok: false };
      items.push(v.value);
    }
    return { ok: true, value: items };
  }
  if (ts.isObjectLiteralExpression(node)) {
    const obj: Record<string, unknown> = {};
    for (const p of node.properties) {
      if (!ts.isPropertyAssignment(p)) return { ok: false };
      const v = literalValue(p.initializer);
      if (!v.ok) return { ok: false };
      obj[propertyKey(p)] = v.value;
    }
    return { ok: true, value: obj };
  }
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) {
    return literalValue(node.expression);
  }
  return { ok: false };
}

/** The `z.object({...})` literal of a params option, following one variable if needed. */
function schemaObject(checker: ts.TypeChecker, expr: ts.Node | undefined): ts.ObjectLiteralExpression | undefined {
  if (!expr) return undefined;
  if (ts.isIdentifier(expr)) {
    const decl = symbolAt(checker, expr)?.declarations?.[0];
    if (decl && ts.isVariableDeclaration(decl)) return schemaObject(checker, decl.initializer);
    return undefined;
  }
  if (!ts.isCallExpression(expr)) return undefined;
  const callee = expr.expression;
  if (ts.isPropertyAccessExpression(callee)) {
    const method = callee.name.getText();
    if (method === "object" || method === "strictObject" || method === "looseObject") {
      const arg = expr.arguments[0];
      return arg && ts.isObjectLiteralExpression(arg) ? arg : undefined;
    }
    // z.object({...}).strict(), .describe(...) and friends: look through.
    return schemaObject(checker, callee.expression);
  }
  return undefined;
}

export function readParams(checker: ts.TypeChecker, options: ts.Node | undefined, file: string, diagnostics: FlowDiagnostic[]): ParamInfo[] {
  if (!options || !ts.isObjectLiteralExpression(options)) return [];
  const prop = propertyNamed(options, "params");
  if (!prop || !ts.isPropertyAssignment(prop)) return [];
  const obj = schemaObject(checker, prop.initializer);
  if (!obj) return [];
  const params: ParamInfo[] = [];
  for (const p of obj.properties) {
    if (!ts.isPropertyAssignment(p)) continue;
    const name = propertyKey(p);
    const info: ParamInfo = { name, type: "json", required: true };
    // Walk the chain outward-in: z.number().int().default(3).describe("…")
    let node: ts.Node | undefined = p.initializer;
    let root: string | undefined;
    while (node && ts.isCallExpression(node)) {
      const callee: ts.Node = node.expression;
      if (!ts.isPropertyAccessExpression(callee)) break;
      const method = callee.name.getText();
      const args = node.arguments;
      if (method === "default" || method === "prefault") {
        info.required = false;
        const v = literalValue(args[0]);
        if (v.ok) info.default = v.value;
      } else if (method === "optional" || method === "nullish") {
        info.required = false;
      } else if (method === "describe") {
        const v = literalValue(args[0]);
        if (v.ok && typeof v.value === "string") info.description = v.value;
      }
      const target: ts.Node = callee.expression;
      if (ts.isIdentifier(target)) {
        root = method;
        break;
      }
      if (ts.isPropertyAccessExpression(target) && ts.isIdentifier(target.expression)) {
        // z.coerce.number()
        root = method;
        break;
      }
      node = target;
    }
    if (root) info.type = TYPE_OF[root] ?? "json";
    for (const found of nonJsonIn(checker, p.initializer, name)) {
      const top = !found.nested && found.path === name;
      diagnostics.push({
        file,
        // A param that is itself not JSON is marked whole (z.bigint().optional()); a nested one where it is.
        range: rangeOf(top ? p.initializer : found.at),
        severity: "error",
        code: "FS006",
        message: `param "${name}" ${top ? "is" : "holds"} ${found.reason}${found.path === name ? "" : ` at ${found.path}`}, which is not JSON; params are validated, hashed and stored as JSON — use a JSON type (a Date as z.string().datetime(), a bigint as a string)`,
      });
    }
    params.push(info);
  }
  return params;
}

// ---- non-JSON types anywhere in a param's schema --------------------------------------------------

interface NonJson {
  reason: string;
  /** Where it is written in the params (the nested schema, or the name of a schema defined elsewhere). */
  at: ts.Node;
  /** `cfg.when[]`, `tags[key]`, `pair[1]`: where in the param's value. */
  path: string;
  /** Inside another schema (an option of a union, an element…), not the param's own type. */
  nested: boolean;
}

/** Root schemas whose values are JSON (or a JSON type's subset) whatever they are given. */
const JSON_ROOTS = new Set([
  "string", "number", "int", "int32", "uint32", "float32", "float64", "boolean", "null", "any", "unknown", "never",
  "literal", "enum", "nativeEnum", "json", "email", "url", "uuid", "uuidv4", "uuidv6", "uuidv7", "guid", "cuid", "cuid2",
  "ulid", "nanoid", "ipv4", "ipv6", "cidrv4", "cidrv6", "base64", "base64url", "e164", "jwt", "emoji", "hostname",
  "hex", "hash", "templateLiteral", "stringbool", "stringFormat",
]);

/** Methods that wrap the schema they are called on without changing what JSON it holds. */
const PASS_THROUGH = new Set([
  "optional", "nullable", "nullish", "default", "prefault", "catch", "describe", "meta", "readonly", "brand",
  "refine", "superRefine", "check", "min", "max", "length", "nonempty", "int", "positive", "negative", "nonnegative",
  "nonpositive", "gt", "gte", "lt", "lte", "multipleOf", "step", "finite", "safe", "email", "url", "uuid", "regex",
  "trim", "toLowerCase", "toUpperCase", "startsWith", "endsWith", "includes", "datetime", "date", "time",
  "strict", "strip", "passthrough", "loose", "partial", "required", "pick", "omit", "keyof", "unwrap", "describe",
]);

/**
 * Every non-JSON type in a zod schema expression, however deeply nested: `z.array(z.date())`,
 * `z.object({ f: z.function() })`, `z.record(z.string(), z.bigint())`, tuples, unions, a schema held
 * by a local variable. What the syntax cannot follow (a schema imported from another module, a
 * function returning one) is judged by its type: zod's `_output`.
 */
function nonJsonIn(checker: ts.TypeChecker, expr: ts.Node, name: string): NonJson[] {
  const out: NonJson[] = [];
  const seen = new Set<ts.Node>();
  /** Where we are: the path into the value, the node to report at (for schemas defined elsewhere), nesting. */
  interface At {
    path: string;
    at?: ts.Node;
    nested: boolean;
    depth: number;
  }
  const inside = (w: At, path: string): At => ({ ...w, path, nested: true, depth: w.depth + 1 });
  const same = (w: At): At => ({ ...w, depth: w.depth + 1 });
  const report = (reason: string, node: ts.Node, w: At) => out.push({ reason, at: w.at ?? node, path: w.path, nested: w.nested });

  const walk = (e: ts.Node | undefined, w: At): void => {
    if (!e || w.depth > 24 || seen.has(e)) return;
    while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
    if (ts.isIdentifier(e)) {
      const decl = symbolAt(checker, e)?.declarations?.[0];
      if (decl && ts.isVariableDeclaration(decl) && decl.initializer && decl.getSourceFile() === e.getSourceFile()) {
        seen.add(e);
        walk(decl.initializer, { ...same(w), at: w.at ?? e });
        return;
      }
      byType(e, w);
      return;
    }
    if (!ts.isCallExpression(e)) return;
    const callee = e.expression;
    if (!ts.isPropertyAccessExpression(callee)) {
      byType(e, w);
      return;
    }
    const method = callee.name.getText();
    const base = callee.expression;
    const args = e.arguments;
    // z.date(), z.coerce.date(): a root schema (its base is the zod namespace).
    const isRoot = ts.isIdentifier(base) || (ts.isPropertyAccessExpression(base) && ts.isIdentifier(base.expression) && base.name.getText() === "coerce");
    if (isRoot) {
      if (NON_JSON[method]) {
        report(NON_JSON[method], e, w);
        return;
      }
      switch (method) {
        case "array":
          walk(args[0], inside(w, `${w.path}[]`));
          return;
        case "optional":
        case "nullable":
        case "nullish":
        case "readonly":
          walk(args[0], same(w));
          return;
        case "object":
        case "strictObject":
        case "looseObject":
          fields(args[0], w);
          return;
        case "record":
        case "partialRecord":
          walk(args[1], inside(w, `${w.path}[key]`));
          return;
        case "tuple": {
          const items = args[0];
          if (items && ts.isArrayLiteralExpression(items)) items.elements.forEach((el, i) => walk(el, inside(w, `${w.path}[${i}]`)));
          walk(args[1], inside(w, `${w.path}[]`));
          return;
        }
        case "union":
        case "xor":
          options(args[0], w);
          return;
        case "discriminatedUnion":
          options(args[1], w);
          return;
        case "intersection":
          walk(args[0], inside(w, w.path));
          walk(args[1], inside(w, w.path));
          return;
        default:
          // string, number, enum, literal, any, json…; anything else (z.custom<Date>(), z.lazy(…)) by its type.
          if (!JSON_ROOTS.has(method)) byType(e, w);
          return;
      }
    }
    // A method on a schema: x.array(), x.extend({...}), x.or(y)…
    switch (method) {
      case "array":
        walk(base, inside(w, `${w.path}[]`));
        return;
      case "extend":
      case "safeExtend":
        fields(args[0], w);
        walk(base, same(w));
        return;
      case "catchall":
        walk(args[0], inside(w, `${w.path}[key]`));
        walk(base, same(w));
        return;
      case "merge":
      case "and":
      case "or":
        walk(args[0], inside(w, w.path));
        walk(base, inside(w, w.path));
        return;
      case "pipe":
        walk(args[0], same(w));
        return;
      default:
        if (PASS_THROUGH.has(method)) walk(base, same(w));
        else byType(e, w);
    }
  };
  const fields = (obj: ts.Node | undefined, w: At) => {
    if (!obj) return;
    if (!ts.isObjectLiteralExpression(obj)) {
      byType(obj, w);
      return;
    }
    for (const p of obj.properties) {
      if (ts.isPropertyAssignment(p)) walk(p.initializer, inside(w, `${w.path}.${propertyKey(p)}`));
      else if (ts.isShorthandPropertyAssignment(p)) walk(p.name, inside(w, `${w.path}.${p.name.getText()}`));
    }
  };
  const options = (list: ts.Node | undefined, w: At) => {
    if (list && ts.isArrayLiteralExpression(list)) for (const el of list.elements) walk(el, inside(w, w.path));
  };
  /** A schema the syntax does not show: its output type (zod's `_output`) says whether it is JSON. */
  const byType = (e: ts.Node, w: At) => {
    let reason: string | undefined;
    try {
      const type = checker.getTypeAtLocation(e);
      const output = checker.getPropertyOfType(type, "_output");
      if (output) reason = nonJsonReason(checker, checker.getTypeOfSymbol(output));
    } catch {
      reason = undefined;
    }
    if (!reason) return;
    // "a Date (in field since) (in field range)" → a Date at PATH.range.since
    const fieldsIn: string[] = [];
    const bare = reason.replace(/ \(in field ([^)]+)\)/g, (_m, f: string) => {
      fieldsIn.unshift(f);
      return "";
    });
    report(bare, e, fieldsIn.length ? inside(w, [w.path, ...fieldsIn].join(".")) : w);
  };
  walk(expr, { path: name, nested: false, depth: 0 });
  return out;
}
