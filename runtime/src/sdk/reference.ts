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
    return items.some((b) => b.kind !== "value")
      ? { kind: "array", items }
      : { kind: "value", value };
  }
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const fields: Record<string, Binding> = {};
    let hasRef = false;
    for (const [k, v] of Object.entries(value)) {
      fields[k] = toBinding(v);
      if (fields[k]!.kind !== "value") hasRef = true;
    }
    return hasRef ? { kind: "object", fields } : { kind: "value", value };
  }
  return { kind: "value", value };
}
