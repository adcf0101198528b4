/**
 * How `map()`, `when()` and `asset()` wire the graph while a workflow body runs (sdk/dynamic.ts
 * is their SDK face). Misuse is FS014, one line naming what is wrong.
 */
import type { GraphBuilder } from "./builder.js";
import { bindingDeps, type Binding, type GraphNode, type WhenBranch, type WhenSpec, type WhenTest } from "./model.js";
import { bindingOfReference, describeReference, isReference, makeReference, toBinding } from "../sdk/reference.js";
import { markTask, type TaskImpl } from "../sdk/impl.js";
import type { MapOptions } from "../sdk/types.js";
import { assetRelative, resolveAssetPath } from "../store/assets.js";
import { findWorkspaceRoot } from "../store/location.js";
import { FlowsmithError } from "../util/errors.js";

export const EACH = Symbol.for("flowsmith.each");

const misuse = (message: string): never => {
  throw new FlowsmithError(message, "FS014");
};

function eachList(value: unknown): unknown {
  return typeof value === "object" && value !== null && !isReference(value) && EACH in value ? (value as Record<symbol, unknown>)[EACH] : undefined;
}

function hasEach(value: unknown): boolean {
  return typeof value === "object" && value !== null && !isReference(value) && EACH in value;
}

/** A map node: the task's node, with the input wrapped in each() bound to the list. */
export function addMap(builder: GraphBuilder, task: TaskImpl, inputs: object, options: MapOptions = {}): unknown {
  if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) misuse("map() needs an object of named inputs, one of them each(list)");
  const mapped = Object.entries(inputs).filter(([, v]) => hasEach(v)).map(([k]) => k);
  const name = task.options.name ?? task.exportName ?? "task";
  if (mapped.length !== 1) {
    misuse(`map(${name}, …) needs exactly one input wrapped in each() (the list mapped over); it has ${mapped.length === 0 ? "none" : mapped.join(", ")}`);
  }
  const input = mapped[0]!;
  const list = eachList((inputs as Record<string, unknown>)[input]);
  const binding = toBinding(list);
  // (A param not given, as when a worker rebuilds the graph without params, is checked at run time.)
  if (binding.kind === "value" && binding.value !== undefined && !Array.isArray(binding.value)) {
    misuse(`map(${name}, …): each() over input "${input}" must be given a list; it is ${binding.value === null ? "null" : typeof binding.value}`);
  }
  if (binding.kind === "object" || binding.kind === "asset") misuse(`map(${name}, …): each() over input "${input}" must be given a list`);
  const { concurrency, minSuccessRatio = 1 } = options;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) misuse(`map(${name}, …): concurrency must be a whole number ≥ 1`);
  if (typeof minSuccessRatio !== "number" || !(minSuccessRatio >= 0 && minSuccessRatio <= 1)) misuse(`map(${name}, …): minSuccessRatio must be a number from 0 to 1`);
  const given = { ...(inputs as Record<string, unknown>), [input]: list };
  return builder.addNode(task, given, { as: options.as }, { kind: "map", map: { input, ...(concurrency !== undefined ? { concurrency } : {}), minSuccessRatio } });
}

// ---- when --------------------------------------------------------------------------------------

const OPS = { eq: "", ne: "!=", gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;

function containsReference(value: unknown): boolean {
  if (describeReference(value) !== undefined) return true;
  if (Array.isArray(value)) return value.some(containsReference);
  if (value && typeof value === "object") return Object.values(value).some(containsReference);
  return false;
}

const shown = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** A test as written (`"linear"`, `{ gt: 0.5 }`, `{ in: [...] }`) → its plain form and its label. */
function parseTest(when: string, test: unknown): { test: WhenTest; label: string } {
  if (containsReference(test) || typeof test === "function") {
    misuse(`when() ${when}: a test must be a constant (a string, number, boolean or null, or { gt: 0.5 }, { in: [...] }); it is ${describeReference(test) ?? "computed"}`);
  }
  if (test && typeof test === "object" && !Array.isArray(test)) {
    const keys = Object.keys(test);
    if (keys.length === 1 && keys[0] === "in") {
      const values = (test as { in: unknown }).in;
      if (!Array.isArray(values)) misuse(`when() ${when}: { in: … } needs a list of constants`);
      return { test: { op: "in", values: values as unknown[] }, label: `in [${(values as unknown[]).map(shown).join(", ")}]` };
    }
    if (keys.length === 1 && keys[0]! in OPS) {
      const op = keys[0] as keyof typeof OPS;
      const value = (test as Record<string, unknown>)[op];
      return { test: { op, value }, label: op === "eq" ? JSON.stringify(value) : `${OPS[op]} ${shown(value)}` };
    }
  }
  if (test !== null && typeof test === "object") misuse(`when() ${when}: a test is a constant, or one of { eq | ne | gt | gte | lt | lte: constant } or { in: [constants] }`);
  return { test: { op: "eq", value: test }, label: JSON.stringify(test) ?? String(test) };
}

/** The synthetic task of when nodes: they run no code (the engine stores the chosen branch's outputs). */
const WHEN_IMPL: TaskImpl = (() => {
  const fn = function when() {};
  markTask(fn);
  Object.defineProperties(fn, { options: { value: Object.freeze({}) }, fn: { value: () => undefined } });
  return fn as unknown as TaskImpl;
})();

/** A `when()` chain being wired: each `.is()` runs its branch at once, in the branch's gate. */
export class WhenChain {
  private readonly id: string;
  private readonly spec: WhenSpec;
  private names: string[] | undefined;
  private closed = false;

  constructor(
    private readonly builder: GraphBuilder,
    subject: unknown,
    options?: { as?: string },
  ) {
    this.id = builder.nextId("when", options);
    this.spec = { subject: toBinding(subject), branches: [] };
    if (this.spec.subject.kind === "asset") misuse(`when() ${this.id}: the subject is an asset path; choose on a task's output or a param`);
    builder.openWhens.add(this.id);
  }

  is(test: unknown, branch: () => unknown): this {
    if (this.closed) misuse(`when() ${this.id}: .is() after .otherwise(); .otherwise() closes the chain`);
    const parsed = parseTest(this.id, test);
    this.branch(parsed.label, branch, parsed.test);
    return this;
  }

  otherwise(branch: () => unknown): unknown {
    if (this.closed) misuse(`when() ${this.id}: .otherwise() twice; it closes the chain`);
    this.branch("otherwise", branch);
    return this.end();
  }

  end(): unknown {
    if (this.closed) misuse(`when() ${this.id}: the chain is already closed`);
    this.closed = true;
    this.builder.openWhens.delete(this.id);
    if (this.spec.branches.length === 0) misuse(`when() ${this.id} has no branch: add .is(test, () => ({ ... }))`);
    const deps = new Set<string>();
    bindingDeps(this.spec.subject, deps);
    for (const b of this.spec.branches) for (const o of Object.values(b.outputs)) bindingDeps(o, deps);
    const node: GraphNode = { id: this.id, task: "when", impl: WHEN_IMPL, inputs: {}, deps: [...deps], scope: this.builder.currentScope(), kind: "when", when: this.spec };
    this.builder.addGraphNode(node);
    const fields: Record<string, unknown> = {};
    for (const name of this.names ?? []) fields[name] = makeReference({ kind: "ref", node: this.id, path: [name] });
    for (const method of ["is", "otherwise", "end"]) {
      if (!(method in fields)) {
        Object.defineProperty(fields, method, {
          enumerable: false,
          get: () => misuse(`when() ${this.id}: .${method}() after the chain was closed by .otherwise() or .end()`),
        });
      }
    }
    return makeReference({ kind: "ref", node: this.id, path: [] }, fields);
  }

  private branch(label: string, body: () => unknown, test?: WhenTest): void {
    if (typeof body !== "function") misuse(`when() ${this.id}: branch ${label} must be a function returning its outputs, () => ({ ... })`);
    if (this.spec.branches.some((b) => b.label === label)) misuse(`when() ${this.id}: two branches test ${label}`);
    const gate = { when: this.id, label, spec: this.spec };
    this.builder.gates.push(gate);
    let returned: unknown;
    try {
      returned = body();
    } finally {
      this.builder.gates.pop();
    }
    if (returned === null || typeof returned !== "object" || Array.isArray(returned) || bindingOfReference(returned) !== undefined) {
      misuse(`when() ${this.id}: branch ${label} must return an object of named outputs, e.g. () => ({ model: m.model })`);
    }
    const outputs: Record<string, Binding> = {};
    for (const [k, v] of Object.entries(returned as object)) outputs[k] = toBinding(v);
    const names = Object.keys(outputs).sort();
    if (this.names === undefined) this.names = names;
    else if (names.join(",") !== this.names.join(",")) {
      misuse(`when() ${this.id}: branch ${label} yields ${names.join(", ") || "nothing"} but the first branch yields ${this.names.join(", ") || "nothing"}; every branch must yield the same outputs`);
    }
    const b: WhenBranch = { label, outputs, ...(test ? { test } : {}) };
    this.spec.branches.push(b);
  }
}

// ---- asset -------------------------------------------------------------------------------------

export function assetReference(builder: GraphBuilder, written: unknown): unknown {
  if (describeReference(written) !== undefined) {
    throw new FlowsmithError(`${describeReference(written)} is used as an asset path; an asset path is a string written in the body`, "FS004");
  }
  if (typeof written !== "string" || written.trim() === "") misuse("asset() needs a path: asset(\"data/raw\") (relative to the flow file)");
  const abs = resolveAssetPath(written as string, builder.currentDir());
  const root = findWorkspaceRoot(builder.currentDir());
  return makeReference({ kind: "asset", path: assetRelative(abs, root), abs });
}
