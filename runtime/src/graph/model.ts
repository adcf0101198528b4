/**
 * The plain-data graph a workflow body builds when it runs with references: what the engine
 * schedules and what `preview`, `graph` and the run records describe.
 */
import type { TaskImpl } from "../sdk/impl.js";

/** How one input (or one returned output) of a node is bound. */
export type Binding =
  | { kind: "value"; value: unknown }
  | {
      kind: "ref";
      node: string;
      path: string[];
      /**
       * What the input receives instead of the value (compositions' mapped params):
       * `file-path` the readable path of the stored file the value is (a `file` mapping),
       * `cache-key` the upstream node's cache key (what a `db` mapping reads the results database by).
       */
      via?: "file-path" | "cache-key";
    }
  | { kind: "object"; fields: Record<string, Binding> }
  | { kind: "array"; items: Binding[] }
  /** `asset(path)`: `path` relative to the workspace root (`/`-separated), `abs` where it is. */
  | { kind: "asset"; path: string; abs: string };

/** A when test: equality with a constant, a comparison, or membership (`{ in: [...] }`). */
export type WhenTest = { op: "eq" | "ne" | "gt" | "gte" | "lt" | "lte"; value: unknown } | { op: "in"; values: unknown[] };

export interface WhenBranch {
  /** `"linear"`, `in [forest, boost]`, `> 0.5`, `otherwise`. */
  label: string;
  /** Absent for `otherwise`. */
  test?: WhenTest;
  /** The branch's named outputs. */
  outputs: Record<string, Binding>;
}

/** What a when node chooses between (GraphNode.when). */
export interface WhenSpec {
  subject: Binding;
  branches: WhenBranch[];
}

/** A branch a node sits in: the when node, its label, and that when's spec to choose with. */
export interface WhenGate {
  when: string;
  label: string;
  spec: WhenSpec;
}

/** What a map node maps over (GraphNode.map): its input wrapped in each(), and its options. */
export interface MapSpec {
  input: string;
  concurrency?: number;
  minSuccessRatio: number;
}

export interface GraphNode {
  /** Unique in the workflow: task name or alias, `#2` for repeats, `sub/` prefix inside sub-flows. */
  id: string;
  /** The task's name (as records and events name it). */
  task: string;
  /** The loaded task: its function and options. */
  impl: TaskImpl;
  inputs: Record<string, Binding>;
  /** Upstream node ids, in first-use order. */
  deps: string[];
  /** Sub-flow ids this node sits in, outermost first. */
  scope: string[];
  /** Absent for a task call; a `map()` or a `when()` node (dynamic.ts). */
  kind?: "task" | "map" | "when";
  map?: MapSpec;
  when?: WhenSpec;
  /** The innermost `when()` branch this node sits in. */
  branch?: { when: string; label: string };
  /** Every `when()` branch it sits in, outermost first: it runs only when all are taken. */
  gates?: WhenGate[];
  /** Workspace-relative paths of the assets its inputs read. */
  assets?: string[];
}

export interface Graph {
  /** The workflow's name. */
  workflow: string;
  params: Record<string, unknown>;
  /** Insertion (call) order, which is a topological order. */
  nodes: Map<string, GraphNode>;
  /** What the workflow returns. */
  outputs: Binding;
}

/** Every node id a binding depends on. */
export function bindingDeps(binding: Binding, into: Set<string> = new Set()): Set<string> {
  switch (binding.kind) {
    case "ref":
      into.add(binding.node);
      break;
    case "object":
      for (const b of Object.values(binding.fields)) bindingDeps(b, into);
      break;
    case "array":
      for (const b of binding.items) bindingDeps(b, into);
      break;
    case "value":
    case "asset":
      break;
  }
  return into;
}

/** Node ids downstream of `ids` (not including them), in graph order. */
export function downstreamOf(graph: Graph, ids: Iterable<string>): string[] {
  const marked = new Set(ids);
  const out: string[] = [];
  for (const node of graph.nodes.values()) {
    if (marked.has(node.id)) continue;
    if (node.deps.some((d) => marked.has(d))) {
      marked.add(node.id);
      out.push(node.id);
    }
  }
  return out;
}

/** Node ids upstream of `ids` (not including them), in graph order. */
export function upstreamOf(graph: Graph, ids: Iterable<string>): string[] {
  const marked = new Set<string>();
  const stack = [...ids];
  while (stack.length) {
    const id = stack.pop()!;
    for (const dep of graph.nodes.get(id)?.deps ?? []) {
      if (!marked.has(dep)) {
        marked.add(dep);
        stack.push(dep);
      }
    }
  }
  const start = new Set(ids);
  return [...graph.nodes.keys()].filter((id) => marked.has(id) && !start.has(id));
}

/** Nodes that no other node depends on: a workflow's final nodes. */
export function sinks(graph: Graph): string[] {
  const used = new Set<string>();
  for (const node of graph.nodes.values()) for (const d of node.deps) used.add(d);
  return [...graph.nodes.keys()].filter((id) => !used.has(id));
}

/** The subgraph of `ids` and everything upstream of them, keeping order. */
export function restrictTo(graph: Graph, ids: string[]): Graph {
  const keep = new Set([...ids, ...upstreamOf(graph, ids)]);
  const nodes = new Map([...graph.nodes].filter(([id]) => keep.has(id)));
  return { ...graph, nodes };
}
