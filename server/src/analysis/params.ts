/**
 * Reads a workflow's zod param schema without running it: `z.object({ n: z.number().default(3) })`
 * gives n: number, optional, default 3. Fields whose zod type is not JSON get FS006.
 */
import { ts } from "@ts-morph/common";
import type { FlowDiagnostic, ParamInfo } from "./model.js";
import { rangeOf } from "./ranges.js";
import { isStringLike, propertyKey, propertyNamed, symbolAt } from "./syntax.js";

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
    if (root) {
      if (NON_JSON[root]) {
        diagnostics.push({
          file,
          range: rangeOf(p.initializer),
          severity: "error",
          code: "FS006",
          message: `param "${name}" is ${NON_JSON[root]}, which is not JSON; params are validated, hashed and stored as JSON — use a JSON type (a Date as z.string().datetime(), a bigint as a string)`,
        });
      }
      info.type = TYPE_OF[root] ?? "json";
    }
    params.push(info);
  }
  return params;
}
