/**
 * The references a workflow body can pass at a place — node outputs and their fields, params,
 * sub-flow outputs — with their value types, and how well each fits an input: what type-directed
 * wiring offers (completion, FS002's quick fix). Names come from the walk's bindings, so what is
 * offered is what the walk (and the engine) would wire.
 */
import { ts } from "@ts-morph/common";
import type { WorkflowSite } from "./site.js";
import { safe, symbolAt } from "./syntax.js";
import { fieldType, fits, isAnyLike, isOpaque, referencedType, taskOutputType, typeText } from "./types.js";

export { referencedType };
import type { Value } from "./walk/model.js";

/** A reference as written in the body, with its value's type (compiler object: stays in the analysis). */
export interface TypedReference {
  /** `clean.rows`, `epochs`, `p.count`. */
  expression: string;
  kind: "output" | "param";
  /** The node an output comes from. */
  node?: string;
  type?: ts.Type;
  /** Where its name was declared (later is closer to the place). */
  declaredAt: number;
}

/** How a reference fits an input: its type is assignable, is not, or one of the two types is unknown. */
export type Fit = "fits" | "unknown" | "no";

/** A reference ranked for an input, as plain data. */
export interface RankedReference {
  expression: string;
  kind: "output" | "param";
  node?: string;
  type?: string;
  fit: Fit;
}

/** How deep fields of outputs are offered (`model.model.slope` is two). */
const MAX_DEPTH = 2;
/** Enough for any body a person writes; a generated one is cut short rather than slow. */
const MAX_REFERENCES = 400;

/** The references declared before the site's place and visible from `at`. */
export function referencesInScope(site: WorkflowSite, at: ts.Node): TypedReference[] {
  const { checker, walked, sourceFile: sf, offset } = site;
  const symbols = safe(() => checker.getSymbolsInScope(at, ts.SymbolFlags.Variable)) ?? [];
  const out: TypedReference[] = [];
  for (const symbol of symbols) {
    const decl = symbol.declarations?.find((d) => walked.bindings.has(d));
    // Declared before the place (not `const x = t({ a: x })`) and in this file's bodies.
    if (!decl || decl.getSourceFile() !== sf || decl.getEnd() > offset) continue;
    expand(site, symbol.name, walked.bindings.get(decl), decl, decl.getStart(sf), 0, out);
  }
  return out.slice(0, MAX_REFERENCES);
}

function expand(site: WorkflowSite, expression: string, value: Value, decl: ts.Node, declaredAt: number, depth: number, out: TypedReference[], type?: ts.Type): void {
  if (!value || out.length >= MAX_REFERENCES) return;
  const checker = site.checker;
  if (value.kind === "ref" || value.kind === "param") {
    const valueType = value.kind === "ref" ? value.type : (type ?? safe(() => referencedType(checker, checker.getTypeAtLocation(decl))));
    out.push({ expression, kind: value.kind === "ref" ? "output" : "param", ...(value.kind === "ref" ? { node: value.node } : {}), ...(valueType ? { type: valueType } : {}), declaredAt });
    if (!valueType || depth >= MAX_DEPTH || !isPlainObject(checker, valueType)) return;
    for (const prop of checker.getPropertiesOfType(valueType)) {
      const t = safe(() => fieldType(checker, valueType, prop.name, decl));
      const field: Value = value.kind === "ref" ? { ...value, path: [...value.path, prop.name], ...(t ? { type: t } : {}) } : { ...value, name: `${value.name}.${prop.name}` };
      expand(site, member(expression, prop.name), field, decl, declaredAt, depth + 1, out, t);
    }
    return;
  }
  if (value.kind === "sub") {
    for (const [name, v] of value.outputs) expand(site, member(expression, name), v, decl, declaredAt, depth + 1, out);
    return;
  }
  if (value.kind === "params") {
    // `(p) => …`: each param is `p.name`, a reference to the param's value.
    const whole = safe(() => checker.getTypeAtLocation(decl));
    for (const prop of whole ? checker.getPropertiesOfType(whole) : []) {
      const t = safe(() => referencedType(checker, checker.getTypeOfSymbol(prop)));
      expand(site, member(expression, prop.name), { kind: "param", name: prop.name, workflow: value.workflow }, decl, declaredAt, depth + 1, out, t);
    }
  }
}

/** `base.name`, or `base["a-b"]` for a name that is not an identifier. */
export function member(base: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${base}.${name}` : `${base}[${JSON.stringify(name)}]`;
}

/** A plain object whose fields are outputs of their own (as the SDK's `Reference<T>` has them). */
export function isPlainObject(checker: ts.TypeChecker, type: ts.Type): boolean {
  if (isOpaque(type) || checker.isArrayType(type) || checker.isTupleType(type) || type.isUnion()) return false;
  const name = type.getSymbol()?.getName();
  if (name && ["Date", "RegExp", "Map", "Set", "Promise"].includes(name)) return false;
  return checker.getPropertiesOfType(type).length > 0;
}

/** How a reference of type `source` fits an input of type `target`. */
export function fitOf(checker: ts.TypeChecker, source: ts.Type | undefined, target: ts.Type): Fit {
  if (!source || isAnyLike(source) || isAnyLike(target)) return "unknown";
  return (safe(() => fits(checker, source, target)) ?? false) ? "fits" : "no";
}

/**
 * References ranked for input `input` of type `target`: those that fit first, then those of unknown
 * type, then the rest; among equals, the one named like the input (`clean.rows` for `rows`), then
 * the one declared last (the nearest upstream node), then the shorter.
 */
export function rankFor(site: WorkflowSite, refs: TypedReference[], input: string, target: ts.Type | undefined): RankedReference[] {
  const checker = site.checker;
  const FIT_ORDER: Record<Fit, number> = { fits: 0, unknown: 1, no: 2 };
  const ranked = refs.map((r) => ({ r, fit: target ? fitOf(checker, r.type, target) : ("unknown" as Fit), named: lastName(r.expression) === input ? 0 : 1 }));
  ranked.sort((a, b) => FIT_ORDER[a.fit] - FIT_ORDER[b.fit] || a.named - b.named || b.r.declaredAt - a.r.declaredAt || a.r.expression.length - b.r.expression.length);
  return ranked.map(({ r, fit }) => ({
    expression: r.expression,
    kind: r.kind,
    ...(r.node ? { node: r.node } : {}),
    ...(r.type ? { type: typeText(checker, r.type, site.walked.workflow.call) } : {}),
    fit,
  }));
}

/**
 * The one reference to wire into an input without asking: the only one that fits, or among several
 * that fit, the only one named like the input. Undefined when there is no such single choice.
 */
export function soleFit(ranked: RankedReference[], input: string): RankedReference | undefined {
  const fitting = ranked.filter((r) => r.fit === "fits");
  if (fitting.length === 1) return fitting[0];
  const named = fitting.filter((r) => lastName(r.expression) === input);
  return named.length === 1 ? named[0] : undefined;
}

function lastName(expression: string): string {
  const m = /(?:\.|\[")([^."[\]]+)"?\]?$/.exec(expression);
  return m ? m[1]! : expression;
}

/** What a body expression evaluates to in the walk's terms (a reference, a sub-flow, params…), or undefined. */
export function valueOfExpression(site: WorkflowSite, e: ts.Node, depth = 0): { value: Value; type?: ts.Type } | undefined {
  if (depth > 20) return undefined;
  const { checker, walked } = site;
  if (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e)) return valueOfExpression(site, e.expression, depth + 1);
  if (ts.isIdentifier(e)) {
    const decl = symbolAt(checker, e)?.declarations?.find((d) => walked.bindings.has(d));
    if (!decl) return undefined;
    const value = walked.bindings.get(decl);
    if (value?.kind === "ref") return { value, ...(value.type ? { type: value.type } : {}) };
    const t = value?.kind === "param" ? safe(() => referencedType(checker, checker.getTypeAtLocation(decl))) : undefined;
    return { value, ...(t ? { type: t } : {}) };
  }
  if (ts.isCallExpression(e)) {
    const id = [...walked.callOf].find(([, call]) => call === e)?.[0];
    const def = id ? site.resolve(e.expression) : undefined;
    if (!id || def?.kind !== "task") return undefined;
    const type = def.fn ? safe(() => taskOutputType(checker, def.fn!)) : undefined;
    return { value: { kind: "ref", node: id, path: [], task: def.name, ...(type ? { type } : {}) }, ...(type ? { type } : {}) };
  }
  if (ts.isPropertyAccessExpression(e)) {
    const base = valueOfExpression(site, e.expression, depth + 1);
    const name = e.name.getText();
    const v = base?.value;
    if (!v || !name) return undefined;
    if (v.kind === "sub") {
      const out = v.outputs.get(name);
      return out?.kind === "ref" ? { value: out, ...(out.type ? { type: out.type } : {}) } : { value: out };
    }
    if (v.kind === "params") {
      const t = safe(() => referencedType(checker, checker.getTypeAtLocation(e)));
      return { value: { kind: "param", name, workflow: v.workflow }, ...(t ? { type: t } : {}) };
    }
    if ((v.kind === "ref" || v.kind === "param") && base.type) {
      const t = safe(() => fieldType(checker, base.type!, name, e));
      const value: Value = v.kind === "ref" ? { ...v, path: [...v.path, name], ...(t ? { type: t } : {}) } : { ...v, name: `${v.name}.${name}` };
      return { value, ...(t ? { type: t } : {}) };
    }
  }
  return undefined;
}
