/**
 * References at graph-build time. A workflow body runs once with these in place of values; every
 * task call records a node and returns a reference. Using a reference as a value — awaiting it,
 * doing arithmetic, printing it into a string, iterating or spreading it — throws FS004 at once,
 * naming the node. (A truthiness test cannot be seen at run time; the language server reports it.)
 */
import { FlowsmithError } from "../util/errors.js";
import type { Binding } from "../graph/model.js";

const BINDING = Symbol.for("flowsmith.binding");

export function isReference(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BINDING] !== undefined;
}

export function bindingOfReference(value: unknown): Binding | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  return (value as Record<symbol, Binding | undefined>)[BINDING];
}

export function describeBinding(binding: Binding): string {
  if (binding.kind === "ref") return [binding.node, ...binding.path].join(".");
  if (binding.kind === "asset") return `asset(${JSON.stringify(binding.path)})`;
  return "a workflow output";
}

function misuse(binding: Binding, what: string): never {
  throw new FlowsmithError(
    `the reference ${describeBinding(binding)} is ${what} in a workflow body; references are not values ` +
      `while the graph is built — pass it to a task input and do the work inside the task`,
    "FS004",
  );
}

/** What a reference's proxy wraps: its binding, the known outputs of a sub-flow call, and the field references made so far. */
interface RefTarget {
  binding: Binding;
  fields: Record<string, unknown> | undefined;
  children: Map<string, unknown> | undefined;
}

/**
 * One handler for every reference (a workflow body of 10,000 calls makes as many references, and
 * as many more for their fields: a handler of its own each was 8 closures a reference).
 */
const REFERENCE_HANDLER: ProxyHandler<RefTarget> = {
  get(t, prop) {
    const { binding, fields } = t;
    if (prop === BINDING) return binding;
    if (prop === "then") misuse(binding, "awaited");
    if (prop === Symbol.toPrimitive || prop === "valueOf" || prop === "toString") {
      return () => misuse(binding, "used as a value (compared, computed with or put into a string)");
    }
    if (prop === "toJSON") return () => misuse(binding, "serialised");
    if (prop === Symbol.iterator || prop === Symbol.asyncIterator) {
      return () => misuse(binding, "iterated or spread");
    }
    if (prop === Symbol.for("nodejs.util.inspect.custom")) return () => `<reference ${describeBinding(binding)}>`;
    if (typeof prop === "symbol") return undefined;
    if (fields) {
      if (!(prop in fields)) {
        throw new FlowsmithError(
          `${describeBinding(binding)} has no output "${prop}"; it returns ${Object.keys(fields).join(", ") || "nothing"}`,
          "FS005",
        );
      }
      return fields[prop];
    }
    if (binding.kind !== "ref") misuse(binding, "indexed");
    // A field's reference is made once (references and their bindings are never changed).
    let child = t.children?.get(prop);
    if (child === undefined) {
      child = makeReference({ kind: "ref", node: binding.node, path: [...binding.path, prop] });
      (t.children ??= new Map()).set(prop, child);
    }
    return child;
  },
  set(t) {
    return misuse(t.binding, "assigned to");
  },
  ownKeys(t) {
    return misuse(t.binding, "spread or enumerated");
  },
  has(t) {
    return misuse(t.binding, "tested with `in`");
  },
  deleteProperty(t) {
    return misuse(t.binding, "modified");
  },
  defineProperty(t) {
    return misuse(t.binding, "modified");
  },
  // What the target holds is the proxy's own business: a reference shows no properties (as when
  // its target was empty).
  getOwnPropertyDescriptor() {
    return undefined;
  },
};

// ---- params ----------------------------------------------------------------------------------

/**
 * DESIGN "Params are references": inside a workflow body a param is a reference like a node's
 * output, so the graph never depends on param values and a workflow builds the same graph at top
 * level and as a sub-flow. A param reference carries its value for the engine (passed to an input
 * or returned, it binds as that value) but gives nothing of it to the body: comparing, computing
 * with, formatting, awaiting or iterating it throws FS004 naming the param and the workflow. Fields
 * of an object param are param references too. (A bare truthiness test or `===` cannot be seen at
 * run time; the language server reports those.)
 */
const PARAM = Symbol.for("flowsmith.param");

interface ParamTarget {
  /** The param's name (`cfg.lr` for a field of an object param). */
  name: string;
  /** The workflow whose param it is. */
  workflow: string;
  value: unknown;
  children: Map<string, unknown> | undefined;
}

function paramMisuse(t: ParamTarget, what: string): never {
  throw new FlowsmithError(
    `the param ${t.name} of workflow ${t.workflow} is ${what} in a workflow body; params are references while the graph is built, like task ` +
      `outputs (the graph must not depend on their values) — pass it to a task input and do the work inside the task`,
    "FS004",
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const PARAM_HANDLER: ProxyHandler<ParamTarget> = {
  get(t, prop) {
    if (prop === BINDING) return { kind: "value", value: t.value } satisfies Binding;
    if (prop === PARAM) return t;
    if (prop === "then") paramMisuse(t, "awaited");
    if (prop === Symbol.toPrimitive || prop === "valueOf" || prop === "toString") {
      return () => paramMisuse(t, "used as a value (compared, computed with or put into a string)");
    }
    if (prop === "toJSON") return () => paramMisuse(t, "serialised");
    if (prop === Symbol.iterator || prop === Symbol.asyncIterator) return () => paramMisuse(t, "iterated or spread");
    if (prop === Symbol.for("nodejs.util.inspect.custom")) return () => `<param ${t.name} of workflow ${t.workflow}>`;
    if (typeof prop === "symbol") return undefined;
    if (!isPlainObject(t.value)) paramMisuse(t, `read (.${prop})`);
    let child = t.children?.get(prop);
    if (child === undefined) {
      child = makeParamReference(`${t.name}.${prop}`, t.workflow, t.value[prop]);
      (t.children ??= new Map()).set(prop, child);
    }
    return child;
  },
  set(t) {
    return paramMisuse(t, "assigned to");
  },
  ownKeys(t) {
    return paramMisuse(t, "spread or enumerated");
  },
  has(t) {
    return paramMisuse(t, "tested with `in`");
  },
  deleteProperty(t) {
    return paramMisuse(t, "modified");
  },
  defineProperty(t) {
    return paramMisuse(t, "modified");
  },
  getOwnPropertyDescriptor() {
    return undefined;
  },
};

/** A reference to the param `name` of `workflow`, whose value is `value`. */
export function makeParamReference(name: string, workflow: string, value: unknown): unknown {
  const target = Object.create(null) as ParamTarget;
  target.name = name;
  target.workflow = workflow;
  target.value = value;
  target.children = undefined;
  return new Proxy(target, PARAM_HANDLER);
}

/** The params object a workflow body receives: one param reference per param. */
export function paramReferences(workflow: string, values: Record<string, unknown>, keys: Iterable<string> = Object.keys(values)): Record<string, unknown> {
  const refs: Record<string, unknown> = {};
  for (const key of keys) refs[key] = makeParamReference(key, workflow, values[key]);
  return refs;
}

export function isParamReference(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[PARAM] !== undefined;
}

/** `the param url of workflow pipeline` or `the reference get-data.rows`, for a reference; else undefined. */
export function describeReference(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const param = (value as Record<symbol, ParamTarget | undefined>)[PARAM];
  if (param) return `the param ${param.name} of workflow ${param.workflow}`;
  const binding = bindingOfReference(value);
  return binding ? `the reference ${describeBinding(binding)}` : undefined;
}

/**
 * A reference to a node's output (or a field of it). Field access gives a reference to that field;
 * `fields`, when given, are the known outputs of a sub-flow call.
 */
export function makeReference(binding: Binding, fields?: Record<string, unknown>): unknown {
  const target = Object.create(null) as RefTarget;
  target.binding = binding;
  target.fields = fields;
  target.children = undefined;
  return new Proxy(target, REFERENCE_HANDLER);
}

/**
 * Turn what a call was given (values, references, objects holding references) into a binding.
 * Plain objects and arrays that contain references become object/array bindings; anything else
 * is a value.
 */
export function toBinding(value: unknown): Binding {
  const ref = bindingOfReference(value);
  if (ref) return ref;
  if (Array.isArray(value)) {
    const items = value.map(toBinding);
    if (items.some((b) => b.kind !== "value")) return { kind: "array", items };
    // Param references inside bind as their values.
    const values = items.map((b) => (b as { value: unknown }).value);
    return { kind: "value", value: values.every((v, i) => v === value[i]) ? value : values };
  }
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const fields: Record<string, Binding> = {};
    let hasRef = false;
    let same = true;
    for (const [k, v] of Object.entries(value)) {
      const b = toBinding(v);
      fields[k] = b;
      if (b.kind !== "value") hasRef = true;
      else if (b.value !== v) same = false;
    }
    if (hasRef) return { kind: "object", fields };
    if (same) return { kind: "value", value };
    return { kind: "value", value: Object.fromEntries(Object.entries(fields).map(([k, b]) => [k, (b as { value: unknown }).value])) };
  }
  return { kind: "value", value };
}
