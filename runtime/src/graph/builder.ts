/**
 * Builds a workflow's graph by running its body once with references in place of values.
 * Task calls inside the body land here through `currentBuilder()`.
 */
import * as path from "node:path";
import type { Binding, Graph, GraphNode, WhenGate } from "./model.js";
import { bindingDeps } from "./model.js";
import { bindingOfReference, describeReference, isParamReference, makeReference, paramReferences, toBinding } from "../sdk/reference.js";
import { taskName, workflowName, type TaskImpl, type WorkflowImpl } from "../sdk/impl.js";
import type { CallOptions } from "../sdk/types.js";
import { FlowsmithError } from "../util/errors.js";

const ID_PATTERN = /^[A-Za-z_][\w.-]*$/;

interface Scope {
  /** Prefix of node ids in this scope (`""` at the top, `sub/` inside a sub-flow). */
  prefix: string;
  /** How many times each base id was used in this scope. */
  counts: Map<string, number>;
  /**
   * The workflows on the way here (the top one first), to report cycles: compared by identity,
   * since two workflows in different files may share a name (`default`, or `pipeline` calling an
   * imported `pipeline`) without calling each other.
   */
  path: WorkflowImpl[];
}

let active: GraphBuilder | undefined;

export function currentBuilder(): GraphBuilder | undefined {
  return active;
}

export class GraphBuilder {
  readonly nodes = new Map<string, GraphNode>();
  private readonly scopes: Scope[] = [];
  /** Which task each task name belongs to, to report two tasks sharing one name. */
  private readonly taskByName = new Map<string, TaskImpl>();
  /** The `when()` branches being wired now, outermost first (graph/dynamic.ts). */
  readonly gates: WhenGate[] = [];
  /** `when()` chains not closed yet, by when id: an error once the body returns. */
  readonly openWhens = new Set<string>();

  /** The directory of the flow file whose workflow body is running (asset paths are relative to it). */
  currentDir(): string {
    const file = this.scopes.at(-1)?.path.at(-1)?.file;
    return file ? path.dirname(file) : process.cwd();
  }

  /** Ids of the sub-flows the body being run sits in, outermost first. */
  currentScope(): string[] {
    return this.scopes.slice(1).map((s) => s.prefix.slice(0, -1));
  }

  /** A node made elsewhere (a when node): its branch and gates are added here. */
  addGraphNode(node: GraphNode): void {
    this.gate(node);
    this.nodes.set(node.id, node);
  }

  /** A node wired inside `when()` branches runs only once their subjects are known: it waits for them too. */
  private gate(node: GraphNode): void {
    if (this.gates.length === 0) return;
    node.gates = [...this.gates];
    const last = this.gates.at(-1)!;
    node.branch = { when: last.when, label: last.label };
    const deps = new Set(node.deps);
    for (const g of this.gates) bindingDeps(g.spec.subject, deps);
    node.deps = [...deps];
  }

  addNode(task: TaskImpl, input: object, callOptions?: CallOptions, extra?: Partial<GraphNode>): unknown {
    const name = taskName(task);
    if (!name) {
      throw new FlowsmithError(
        "a task used in this workflow has no name: export it from its module or give it task({ name: \"...\" }, ...)",
      );
    }
    const other = this.taskByName.get(name);
    if (other && other !== task) {
      throw new FlowsmithError(`two different tasks are named "${name}"; give one of them another name`, "FS007");
    }
    this.taskByName.set(name, task);
    const id = this.nextId(name, callOptions);
    const inputs = this.inputBindings(id, input);
    const deps = new Set<string>();
    for (const b of Object.values(inputs)) bindingDeps(b, deps);
    const node: GraphNode = {
      id,
      task: name,
      impl: task,
      inputs,
      deps: [...deps],
      scope: this.currentScope(),
      ...extra,
    };
    const assets = new Set<string>();
    for (const b of Object.values(inputs)) assetPaths(b, assets);
    if (assets.size) node.assets = [...assets];
    this.gate(node);
    this.nodes.set(id, node);
    return makeReference({ kind: "ref", node: id, path: [] });
  }

  /** A sub-flow call: run the inner body in a nested scope and return its outputs as references. */
  addSubflow(flow: WorkflowImpl, input: object, callOptions?: CallOptions): unknown {
    const name = workflowName(flow) ?? "subflow";
    const via = this.scopes.at(-1)?.path ?? [];
    if (via.includes(flow)) {
      const labels = cycleLabels([...via, flow]);
      throw new FlowsmithError(`workflow ${labels.at(-1)} calls itself through ${labels.join(" → ")}`, "FS008");
    }
    const id = this.nextId(name, callOptions);
    const params = resolveSubflowParams(flow, name, input);
    this.scopes.push({ prefix: `${id}/`, counts: new Map(), path: [...via, flow] });
    try {
      const returned = flow.body(params);
      refuseAsync(returned, name);
      // A param the sub-flow returns stays a param reference for its caller (it is not a value there either).
      if (isParamReference(returned)) return returned;
      const outputs = toBinding(returned ?? {});
      const fields: Record<string, unknown> = {};
      if (outputs.kind === "object") {
        for (const [k, b] of Object.entries(outputs.fields)) fields[k] = b.kind === "ref" ? makeReference(b) : bindingValue(b);
      } else if (outputs.kind === "value" && outputs.value && typeof outputs.value === "object") {
        Object.assign(fields, outputs.value);
      } else if (outputs.kind === "ref") {
        return makeReference(outputs);
      }
      if (returned && typeof returned === "object" && !Array.isArray(returned) && bindingOfReference(returned) === undefined) {
        for (const [k, v] of Object.entries(returned)) if (isParamReference(v)) fields[k] = v;
      }
      return makeReference(outputs, fields);
    } finally {
      this.scopes.pop();
    }
  }

  run(flow: WorkflowImpl, params: Record<string, unknown>): Binding {
    const previous = active;
    active = this;
    const name = workflowName(flow) ?? "workflow";
    this.scopes.push({ prefix: "", counts: new Map(), path: [flow] });
    try {
      // Params are references in the body (DESIGN "Params are references"), one per param of the schema.
      const returned = flow.body(paramReferences(name, params, paramKeys(flow, params)));
      refuseAsync(returned, name);
      const open = [...this.openWhens][0];
      if (open !== undefined) {
        throw new FlowsmithError(`when() ${open} is not closed: end its chain with .otherwise(() => ({ ... })) or .end()`, "FS014");
      }
      return toBinding(returned ?? {});
    } finally {
      this.scopes.pop();
      active = previous;
    }
  }

  nextId(base: string, callOptions?: CallOptions): string {
    const scope = this.scopes.at(-1)!;
    const alias = callOptions?.as;
    const ref = describeReference(alias);
    if (ref) {
      throw new FlowsmithError(`${ref} is used as a node alias in a workflow body; an alias is a string written in the body (node ids must not depend on values)`, "FS004");
    }
    if (alias !== undefined) {
      if (typeof alias !== "string" || !ID_PATTERN.test(alias)) {
        throw new FlowsmithError(
          `node alias ${JSON.stringify(alias)} must start with a letter or _ and use only letters, digits, _ . -`,
        );
      }
      const id = scope.prefix + alias;
      if (this.nodes.has(id) || scope.counts.has(alias)) {
        throw new FlowsmithError(`two nodes have the id "${id}" in this workflow; give one another alias`, "FS007");
      }
      scope.counts.set(alias, 1);
      return id;
    }
    const n = (scope.counts.get(base) ?? 0) + 1;
    scope.counts.set(base, n);
    const id = scope.prefix + (n === 1 ? base : `${base}#${n}`);
    if (this.nodes.has(id)) {
      throw new FlowsmithError(`two nodes have the id "${id}" in this workflow; give one an alias with { as }`, "FS007");
    }
    return id;
  }

  private inputBindings(id: string, input: object): Record<string, Binding> {
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      throw new FlowsmithError(`node ${id} must be called with one object of named inputs`);
    }
    const inputs: Record<string, Binding> = {};
    for (const [key, value] of Object.entries(input)) {
      if (value === undefined) continue;
      const binding = toBinding(value);
      // An optional param that was not given: as if the input were not passed.
      if (binding.kind === "value" && binding.value === undefined) continue;
      inputs[key] = binding;
    }
    return inputs;
  }
}

/**
 * An async body returned a promise: FS004. What it awaited (a reference, a param) rejects that
 * promise too; it is handled here, so the one error line is all the user sees.
 */
function refuseAsync(returned: unknown, name: string): void {
  // (A reference is checked first: reading `then` from one is the FS004 "awaited".)
  if (!returned || isParamReference(returned) || bindingOfReference(returned) || typeof (returned as { then?: unknown }).then !== "function") return;
  void Promise.resolve(returned).catch(() => undefined);
  throw new FlowsmithError(`workflow ${name}'s body is async; a workflow body only wires tasks — remove async/await`, "FS004");
}

/**
 * How a cycle's workflows are named in FS008: by name, or — when two different workflows on it
 * share a name — by target (`a.ts#default → b.ts#default → a.ts#default`), so the message never
 * reads as a workflow calling itself when it does not.
 */
function cycleLabels(flows: WorkflowImpl[]): string[] {
  const nameOf = (w: WorkflowImpl) => workflowName(w) ?? "subflow";
  const byName = new Map<string, Set<WorkflowImpl>>();
  for (const w of flows) {
    const same = byName.get(nameOf(w)) ?? new Set<WorkflowImpl>();
    same.add(w);
    byName.set(nameOf(w), same);
  }
  if ([...byName.values()].every((same) => same.size === 1)) return flows.map(nameOf);
  return flows.map((w) => (w.file ? `${displayFile(w.file)}#${w.exportName ?? nameOf(w)}` : nameOf(w)));
}

/** A file as the user wrote its target: relative to the working directory when under it. */
function displayFile(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel.split(path.sep).join("/") : file;
}

/** The workspace-relative paths of the assets a binding reads. */
function assetPaths(binding: Binding, into: Set<string>): void {
  if (binding.kind === "asset") into.add(binding.path);
  else if (binding.kind === "object") for (const b of Object.values(binding.fields)) assetPaths(b, into);
  else if (binding.kind === "array") for (const b of binding.items) assetPaths(b, into);
}

function bindingValue(binding: Binding): unknown {
  return binding.kind === "value" ? binding.value : makeReference(binding);
}

/** Every param a body gets a reference for: the schema's, and any given beyond it. */
function paramKeys(flow: WorkflowImpl, values: Record<string, unknown>): string[] {
  const shape = (flow.options.params?.shape ?? {}) as Record<string, unknown>;
  return [...new Set([...Object.keys(shape), ...Object.keys(values)])];
}

/**
 * Fill a sub-flow's params: given values or references, defaults from the schema, errors for
 * missing ones. The body gets references: a task output stays the reference it was, a value (a
 * constant, the caller's param, a default) becomes a param reference of the sub-flow.
 */
function resolveSubflowParams(flow: WorkflowImpl, name: string, input: object): Record<string, unknown> {
  const schema = flow.options.params;
  const given = { ...(input as Record<string, unknown>) };
  if (!schema) {
    const refs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(given)) {
      const b = toBinding(value);
      refs[key] = b.kind === "value" ? paramReferences(name, { [key]: b.value })[key] : value;
    }
    return refs;
  }
  const shape = schema.shape as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown; error?: { issues: { message: string }[] } } }>;
  for (const key of Object.keys(given)) {
    if (!(key in shape)) {
      throw new FlowsmithError(`sub-flow ${name} has no param "${key}"; its params are ${Object.keys(shape).join(", ")}`, "FS011");
    }
  }
  const params: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(shape)) {
    const binding = given[key] === undefined ? undefined : toBinding(given[key]);
    if (binding && binding.kind !== "value") {
      params[key] = given[key];
      continue;
    }
    // A value, or the caller's param (bound as its value): validated here, a param reference inside.
    const value = binding?.value;
    const parsed = field.safeParse(value);
    if (!parsed.success) {
      throw new FlowsmithError(
        value === undefined
          ? `sub-flow ${name} needs param "${key}"`
          : `sub-flow ${name} param "${key}": ${parsed.error?.issues[0]?.message ?? "invalid"}`,
        value === undefined ? "FS002" : "FS003",
      );
    }
    params[key] = paramReferences(name, { [key]: parsed.data })[key];
  }
  return params;
}

/** Run a workflow body with these params and return the graph it wires. */
export function buildGraph(flow: WorkflowImpl, params: Record<string, unknown>): Graph {
  const builder = new GraphBuilder();
  const outputs = builder.run(flow, params);
  return { workflow: workflowName(flow) ?? "workflow", params, nodes: builder.nodes, outputs };
}
