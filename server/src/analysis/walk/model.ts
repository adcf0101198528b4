/**
 * What the walk of a workflow body gives the checks (../checks): the graph as plain data (nodes and
 * edges, as the engine builds it), how the body uses its references, and the facts about the body's
 * syntax and types that a check turns into a diagnostic — each fact recorded where the walk met it,
 * in walk order. The walk decides nothing a user is told; the checks decide nothing about the graph.
 */
import type { ts } from "@ts-morph/common";
import type { TaskDef, WorkflowDef } from "../definitions.js";
import type { StaticEdge, StaticNode } from "../model.js";
import type { UsedDefinition } from "../syntaxErrors.js";
import type { InputProp } from "../types.js";

/** What the walk needs from the analysis: the checker, and what a callee is. */
export interface GraphHost {
  checker: ts.TypeChecker;
  /** The task or workflow a callee resolves to, or undefined for any other function. */
  resolve(callee: ts.Node): TaskDef | WorkflowDef | undefined;
  /** The dynamic-shapes function of the flowsmith SDK a callee names (`map`, `each`, `when`, `asset`), if any. */
  sdk?(callee: ts.Node): DynamicFunction | undefined;
}

export type DynamicFunction = "map" | "each" | "when" | "asset";
export const DYNAMIC_FUNCTIONS: ReadonlySet<string> = new Set<DynamicFunction>(["map", "each", "when", "asset"]);

/** A node's output (or a field of it): `path` is the field path from the output. */
export interface RefValue {
  kind: "ref";
  node: string;
  path: string[];
  task: string;
  type?: ts.Type;
  /**
   * The output's fields with their types, where the output is not a task's own (a map node's lists,
   * a when node's branch outputs): `field()` reads them instead of the type's properties.
   */
  fields?: ReadonlyMap<string, ts.Type | undefined>;
}

/** What a sub-flow call returns: its outputs by name. */
export interface SubflowValue {
  kind: "sub";
  id: string;
  workflow: string;
  outputs: Map<string, Value>;
}

/** A workflow param: a reference like a node's output (DESIGN "Params are references"), `name` a path for fields of object params. */
export interface ParamValue {
  kind: "param";
  name: string;
  workflow: string;
}

/** What the walk knows about an expression in a workflow body (undefined: a plain value it does not follow). */
export type Value =
  | RefValue
  | SubflowValue
  | { kind: "params"; workflow: string }
  | ParamValue
  | { kind: "literal"; value: unknown }
  /** `asset("data/raw")`: a workspace file or directory bound to the inputs it is passed to (`path` absolute). */
  | { kind: "asset"; path: string }
  | undefined;

export function isRef(v: Value): v is RefValue {
  return v?.kind === "ref";
}

/** A node's output or a workflow param: both are references while the body runs, not values. */
export function isRefLike(v: Value): v is RefValue | ParamValue {
  return v?.kind === "ref" || v?.kind === "param";
}

/**
 * A fact about the workflow's own body (what the walk meets inside a sub-flow's body is that
 * workflow's to report, on its own definition), except where a fact says otherwise.
 */
export type Fact =
  /** The body is an async function. */
  | { kind: "asyncBody"; at: ts.Node; workflow: string }
  /** `await` on something that is not a reference (awaiting a reference is a referenceAsValue). */
  | { kind: "await"; at: ts.Node }
  /** A reference used as a value while the graph is built: `how` says how ("compared", "awaited"…). */
  | { kind: "referenceAsValue"; at: ts.Node; value: RefValue | ParamValue | SubflowValue; how: string }
  /**
   * A call of, or a property read through, something that is neither a flow value nor a task or
   * workflow (a global, a module's function…): `callee` is what is called or read, `at` the whole.
   */
  | { kind: "plainCall"; at: ts.Node; callee: ts.Node; calleeIsFlowValue: boolean }
  /** `new X(…)`, before its arguments are walked. */
  | { kind: "construct"; at: ts.NewExpression }
  /** A field read of an output that the upstream node (or sub-flow) does not have. */
  | { kind: "unknownOutput"; at: ts.Node; name: string; of: RefValue | SubflowValue }
  /** Every task call, those in sub-flow bodies too (`inSubflow`), before its arguments are walked. */
  | { kind: "taskCall"; at: ts.Node; task: TaskDef; inSubflow: boolean }
  /** A node alias written as a string (`{ as: "…" }`). */
  | { kind: "alias"; at: ts.Node; alias: string }
  /** A node id that another node of this workflow has already (`aliased`: given with `as`). */
  | { kind: "duplicateId"; at: ts.Node; id: string; aliased: boolean }
  /** One input a task call passes: `at` its name, `nested` when references are nested in a literal. */
  | { kind: "taskInput"; at: ts.Node; valueNode: ts.Node; nodeId: string; task: TaskDef; name: string; value: Value; nested: boolean; declared: Map<string, InputProp> | undefined }
  /** A task call's inputs, all walked: `at` the input argument (or the call). */
  | { kind: "taskInputs"; at: ts.Node; nodeId: string; task: TaskDef; declared: Map<string, InputProp> | undefined; given: ReadonlySet<string>; spread: boolean }
  /** One param a sub-flow call passes: `valueNode` for `name: value` (not `{ name }`). */
  | { kind: "subflowParam"; at: ts.Node; valueNode: ts.Node | undefined; name: string; value: Value; workflow: WorkflowDef }
  /** A sub-flow call's params, all walked. */
  | { kind: "subflowParams"; at: ts.Node; workflow: WorkflowDef; given: ReadonlySet<string> }
  /**
   * A sub-flow call that closes a cycle (`cycle` ends with the workflow called again); inside a
   * sub-flow's body, when the cycle comes back to this workflow, `at` is the call in this body.
   */
  | { kind: "cycle"; at: ts.Node; cycle: WorkflowDef[] }
  /** A dynamic shape (map/each/when/asset, DESIGN "Dynamic shapes") used in a way the engine refuses (FS014). */
  | { kind: "dynamicShape"; at: ts.Node; problem: DynamicProblem };

/** What is wrong with a dynamic shape (FS014 words each). */
export type DynamicProblem =
  | { kind: "eachCount"; node: string; count: number }
  | { kind: "eachOutside" }
  /** each() over a value: `type` its type (the check tells whether it is a list). */
  | { kind: "eachOver"; node: string; input: string; type: ts.Type | undefined; literal: boolean }
  | { kind: "mapTask" }
  | { kind: "whenTest"; when: string }
  | { kind: "whenBranchOutputs"; when: string; label: string; expected: string[]; got: string[]; firstLabel: string }
  | { kind: "whenAfterOtherwise"; when: string }
  | { kind: "whenOpen"; when: string }
  | { kind: "whenBranchNotFunction"; when: string }
  | { kind: "assetPath" };

export type FactKind = Fact["kind"];

/** A workflow walked: its graph, how its references are used, and the facts found on the way. */
export interface WalkedWorkflow {
  workflow: WorkflowDef;
  /** Every node, those of sub-flows too (their `scope` is not empty), in call order. */
  nodes: StaticNode[];
  edges: StaticEdge[];
  /** In walk order. */
  facts: Fact[];
  /** Nodes whose outputs something reads, passes on, returns or misuses. */
  used: ReadonlySet<string>;
  /** Nodes whose output has no fields (a task that returns nothing is run for its effect). */
  effectOnly: ReadonlySet<string>;
  /** The call that made each node. */
  callOf: ReadonlyMap<string, ts.CallExpression>;
  /** Sub-flow calls by node id, with the ids of the nodes made inside each. */
  subflows: ReadonlyMap<string, { call: ts.CallExpression; nodes: string[] }>;
  /** Sub-flow calls whose result was read or passed on. */
  usedSubflows: ReadonlySet<string>;
  /** Tasks and sub-flows the walk resolved, with the call in the top body that led to each. */
  usedDefinitions: UsedDefinition[];
  /** What each declaration in the bodies walked is bound to (editor features ask what is in scope). */
  bindings: ReadonlyMap<ts.Node, Value>;
}
