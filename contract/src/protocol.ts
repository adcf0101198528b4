/**
 * The data the language server and its clients exchange (DESIGN.md, "Language server contract"):
 * plain shapes only. The message types that carry them are in `./lsp.ts`.
 *
 * Words: a *workflow* is what `workflow()` defines and a target names (`FILE#workflow`); a *flow
 * file* is a file that defines workflows or tasks. A node object names itself `id`; anything that
 * points at a node from elsewhere (an event, a state, command arguments) names it `node`. `task` is
 * always a task's name.
 */
import type { NodeStatus } from "./status.js";

/** A zero-based line and UTF-16 column, as LSP counts them. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A place in a file: an absolute `file://` URI and a zero-based LSP range. */
export interface SourceLocation {
  uri: string;
  range: Range;
}

/** One param of a workflow's schema, as the editor prompts for it and the CLI's `--param` takes it. */
export interface ParamInfo {
  name: string;
  /** A JSON type as the schema declares it; `json` for objects, arrays and unions. */
  type: "string" | "number" | "boolean" | "json";
  required: boolean;
  /** The default from the schema, when it is a literal the analysis can read. */
  default?: unknown;
  description?: string;
}

/** What the store last recorded for a node: the run, its status and timing. */
export interface LastRun {
  runId: string;
  status: NodeStatus;
  finishedAt?: string;
  durationMs?: number;
  error?: string;
  cacheKey?: string;
}

export interface FlowNode {
  /** The node id the engine uses: task name or alias, `#2` for repeats, `sub/` inside sub-flows. */
  id: string;
  /** The task's name. */
  task: string;
  status: NodeStatus;
  /** Upstream node ids. */
  deps: string[];
  /** The call in the workflow body. */
  location?: SourceLocation;
  /** The task's definition. */
  taskLocation?: SourceLocation;
  /** Sub-flow ids this node sits in, outermost first. */
  scope: string[];
  /** From the store: the last run that touched this node. */
  lastRun?: LastRun;
  /** What the node is (absent: a task call). `map`: one node per list element (DESIGN "Dynamic shapes"); `when`: a conditional. */
  kind?: "task" | "map" | "when";
  /** A map node's elements as the store last recorded them: how many are complete of how many (absent before any run). */
  map?: { done: number; total: number };
  /** A node inside a `when()` branch: the when node's id and the branch's label (`"linear"`, `> 0.5`, `otherwise`). */
  branch?: { when: string; label: string };
  /** Workspace-relative paths of the `asset()`s this node reads. */
  assets?: string[];
  /** In a composition: the composing flow this node belongs to (its id is `GROUP/NODE`). */
  group?: string;
}

/** One workflow, as the Flows view and code lenses show it. */
export interface FlowInfo {
  /** `relative/path.ts#workflow`, the CLI target and the store's key (relative to `root`). */
  target: string;
  /** Absolute workspace root of this workflow's folder: the CLI runs there (multi-root workspaces have several). */
  root: string;
  /** Absolute store directory of that root. */
  store: string;
  /** The workflow's name (its export name). */
  name: string;
  uri: string;
  range: Range;
  params: ParamInfo[];
  nodes: FlowNode[];
  description?: string;
  /** `composition`: a `*.flows.yaml` composition (its target is `FILE#NAME`); absent: a workflow. */
  kind?: "workflow" | "composition";
  /** A composition's composing flows, in file order: the id its nodes are prefixed with, and the workflow target it names. */
  groups?: CompositionGroup[];
}

/** One composing flow of a composition (DESIGN "Compositions"). */
export interface CompositionGroup {
  /** Its `name` in the composition: the prefix of its nodes' ids. */
  name: string;
  /** The workflow it runs, `relative/path.ts#workflow` relative to FlowInfo.root. */
  flow: string;
  /** Its entry in the YAML. */
  location?: SourceLocation;
}

export interface FlowsParams {
  /** Restrict to one flow file; all flow files of the workspace when absent. */
  uri?: string;
}

export interface FlowsResult {
  /** Absolute root of the first workspace folder (each workflow names its own: FlowInfo.root). */
  root: string;
  /** Its store directory. */
  store: string;
  flows: FlowInfo[];
  /** The server's first sweep of the workspace is still going on (more diagnostics are coming). */
  scanning?: boolean;
}

export interface GraphParams {
  /** `relative/path.ts#workflow` as in FlowInfo.target. */
  target: string;
  /** The root the target is relative to (FlowInfo.root); the first folder that has it when absent. */
  root?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** The upstream output path (`rows`, `model.weights`; empty for the whole output). */
  output: string;
  /** The downstream input name. */
  input: string;
  /** The input's declared type as TypeScript writes it (`Row[]`), when the analysis could read it. */
  type?: string;
  /** Where the reference is read (`data.rows`) and where the input is given (`rows:`). */
  outputRange?: SourceLocation;
  inputRange?: SourceLocation;
  /** A composition's mapped parameter: how the value is carried (`raw`, `file`, `db`). Absent inside a workflow. */
  mapType?: "raw" | "file" | "db";
}

export interface GraphResult {
  target: string;
  name: string;
  nodes: FlowNode[];
  edges: GraphEdge[];
}

export interface DidChangeStatusParams {
  /** The targets whose node statuses may have changed (store written or code edited). */
  targets: string[];
}

/** Arguments of every command a lens, a view item or the graph passes: the target and, for node commands, the node id. */
export interface CommandArgs {
  target: string;
  node?: string;
  /** The root the target is relative to, for a workflow outside the first workspace folder. */
  root?: string;
}
