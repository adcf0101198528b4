/**
 * Reads a workflow's zod param schema without running it: `z.object({ n: z.number().default(3) })`
 * gives n: number, optional, default 3. Fields whose zod type is not JSON get FS006.
 */
import { Node, type ObjectLiteralExpression } from "ts-morph";
import type { FlowDiagnostic, ParamInfo } from "./model.js";
import { rangeOf } from "./ranges.js";

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
export function literalValue(node: Node | undefined): { ok: true; value: unknown } | { ok: false } {
  if (!node) return { ok: false };
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return { ok: true, value: node.getLiteralText() };
  if (Node.isNumericLiteral(node)) return { ok: true, value: node.getLiteralValue() };
  if (Node.isTrueLiteral(node)) return { ok: true, value: true };
  if (Node.isFalseLiteral(node)) return { ok: true, value: false };
  if (Node.isNullLiteral(node)) return { ok: true, value: null };
  if (Node.isPrefixUnaryExpression(node) && node.getOperatorToken() === 41 /* MinusToken */) {
    const inner = literalValue(node.getOperand());
    return inner.ok && typeof inner.value === "number" ? { ok: true, value: -inner.value } : { ok: false };
  }
  if (Node.isArrayLiteralExpression(node)) {
    const items: unknown[] = [];
    for (const el of node.getElements()) {
      const v = literalValue(el);
      if (!v.ok) return { ok: false };
      items.push(v.value);
    }
    return { ok: true, value: items };
  }
  if (Node.isObjectLiteralExpression(node)) {
    const obj: Record<string, unknown> = {};
    for (const p of node.getProperties()) {
      if (!Node.isPropertyAssignment(p)) return { ok: false };
      const v = literalValue(p.getInitializer());
      if (!v.ok) return { ok: false };
      obj[p.getName().replace(/^["']|["']$/g, "")] = v.value;
    }
    return { ok: true, value: obj };
  }
  if (Node.isParenthesizedExpression(node) || Node.isAsExpression(node) || Node.isSatisfiesExpression(node)) {
    return literalValue(node.getExpression());
  }
  return { ok: false };
}

/** The `z.object({...})` literal of a params option, following one variable if needed. */
function schemaObject(expr: Node | undefined): ObjectLiteralExpression | undefined {
  if (!expr) return undefined;
  if (Node.isIdentifier(expr)) {
    const decl = expr.getSymbol()?.getDeclarations()[0];
    if (decl && Node.isVariableDeclaration(decl)) return schemaObject(decl.getInitializer());
    return undefined;
  }
  if (!Node.isCallExpression(expr)) return undefined;
  const callee = expr.getExpression();
  if (Node.isPropertyAccessExpression(callee)) {
    const method = callee.getName();
    if (method === "object" || method === "strictObject" || method === "looseObject") {
      const arg = expr.getArguments()[0];
      return arg && Node.isObjectLiteralExpression(arg) ? arg : undefined;
    }
    // z.object({...}).strict(), .describe(...) and friends: look through.
    return schemaObject(callee.getExpression());
  }
  return undefined;
}

export function readParams(options: Node | undefined, file: string, diagnostics: FlowDiagnostic[]): ParamInfo[] {
  if (!options || !Node.isObjectLiteralExpression(options)) return [];
  const prop = options.getProperty("params");
  if (!prop || !Node.isPropertyAssignment(prop)) return [];
  const obj = schemaObject(prop.getInitializer());
  if (!obj) return [];
  const params: ParamInfo[] = [];
  for (const p of obj.getProperties()) {
    if (!Node.isPropertyAssignment(p)) continue;
    const name = p.getName().replace(/^["']|["']$/g, "");
    const info: ParamInfo = { name, type: "json", required: true };
    // Walk the chain outward-in: z.number().int().default(3).describe("…")
    let node: Node | undefined = p.getInitializer();
    let root: string | undefined;
    while (node && Node.isCallExpression(node)) {
      const callee: Node = node.getExpression();
      if (!Node.isPropertyAccessExpression(callee)) break;
      const method = callee.getName();
      const args = node.getArguments();
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
      const target: Node = callee.getExpression();
      if (Node.isIdentifier(target)) {
        root = method;
        break;
      }
      if (Node.isPropertyAccessExpression(target) && Node.isIdentifier(target.getExpression()) && !Node.isCallExpression(target)) {
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
          range: rangeOf(p.getInitializerOrThrow()),
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
