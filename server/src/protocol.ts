/**
 * The custom messages between the Flowsmith language server and its clients. Method names are
 * part of the public contract (DESIGN.md); shapes are plain data. Imported by server and client.
 */
import { NotificationType, RequestType } from "vscode-languageserver-protocol";
import type { Range } from "vscode-languageserver-protocol";

export type NodeStatus = "pending" | "complete" | "stale" | "running" | "failed" | "stopped" | "skipped";

/** A place in a file: an absolute `file://` URI and a zero-based LSP range. */
export interface SourceLocation {
  uri: string;
  range: Range;
}

export interface ParamInfo {
  name: string;
  /** A JSON type as the schema declares it; `json` for objects, arrays and unions. */
  type: "string" | "number" | "boolean" | "json";
  required: boolean;
  /** The default from the schema, when it is a literal the analysis can read. */
  default?: unknown;
  description?: string;
}

export interface FlowNode {
  /** The node id the engine uses: task name or alias, `#2` for repeats, `sub/` inside sub-flows. */
  id: string;
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
  lastRun?: {
    runId: string;
    status: NodeStatus;
    finishedAt?: string;
    durationMs?: number;
    error?: string;
    cacheKey?: string;
  };
}

export interface FlowInfo {
  /** `relative/path.ts#workflow`, the CLI target and the store's key (relative to `root`). */
  target: string;
  /** Absolute workspace root of this flow's folder: the CLI runs there (multi-root workspaces have several). */
  root: string;
  /** Absolute store directory of that root. */
  store: string;
  name: string;
  uri: string;
  range: Range;
  params: ParamInfo[];
  nodes: FlowNode[];
  description?: string;
}

export interface FlowsParams {
  /** Restrict to one file; all flow files of the workspace when absent. */
  uri?: string;
}

export interface FlowsResult {
  /** Absolute root of the first workspace folder (each flow names its own: FlowInfo.root). */
  root: string;
  /** Its store directory. */
  store: string;
  flows: FlowInfo[];
  /** The server's first sweep of the workspace is still going on (more diagnostics are coming). */
  scanning?: boolean;
}

/** Sent by the client (Flows view, code lenses) to list every workflow with its nodes and statuses. */
export namespace FlowsRequest {
  export const method = "flowsmith/flows" as const;
  export const type = new RequestType<FlowsParams, FlowsResult, void>(method);
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
  /** Where the reference is read (`data.rows`) and where the input is given (`rows:`). */
  outputRange?: SourceLocation;
  inputRange?: SourceLocation;
}

export interface GraphResult {
  target: string;
  name: string;
  nodes: FlowNode[];
  edges: GraphEdge[];
}

/** Sent by the client (graph webview) for one workflow's nodes, edges, statuses and locations. */
export namespace GraphRequest {
  export const method = "flowsmith/graph" as const;
  export const type = new RequestType<GraphParams, GraphResult | null, void>(method);
}

export interface DidChangeStatusParams {
  /** The targets whose node statuses may have changed (store written or code edited). */
  targets: string[];
}

/** Sent by the server when a node's status changes (store written or code edited). */
export namespace DidChangeStatus {
  export const method = "flowsmith/didChangeStatus" as const;
  export const type = new NotificationType<DidChangeStatusParams>(method);
}

/** Commands the server's code lenses carry; the client implements them. */
export const Commands = {
  runWorkflow: "flowsmith.runWorkflow",
  runNode: "flowsmith.runNode",
  resetNode: "flowsmith.resetNode",
  resetWorkflow: "flowsmith.resetWorkflow",
  showGraph: "flowsmith.showGraph",
  showRun: "flowsmith.openRunLog",
} as const;

/** Arguments of every lens command: the target and, for node commands, the node id. */
export interface CommandArgs {
  target: string;
  node?: string;
  /** The root the target is relative to, for a flow outside the first workspace folder. */
  root?: string;
}
