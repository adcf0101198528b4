/** Messages between the graph webview (client/webview/graph.ts) and its panel (graphPanels.ts). */
import type { CompositionGroup, GraphResult, NodeStatus } from "@flowsmith/contract";

export interface LiveStatus {
  status: NodeStatus;
  fraction?: number;
}

export type ToWebview =
  /** A (new) graph. `fit` resets the viewport; otherwise pan and zoom are kept. */
  | { type: "graph"; graph: GraphResult; live: Record<string, LiveStatus>; fit: boolean; trusted: boolean; groups?: CompositionGroup[] }
  /** Statuses during a run, between two graph requests. */
  | { type: "status"; live: Record<string, LiveStatus> }
  | { type: "select"; node: string }
  | { type: "error"; message: string };

export type FromWebview =
  | { type: "ready" }
  /** Show the node's call in the workflow body (`call`, the default) or its task's definition (`task`). */
  | { type: "reveal"; node: string; what?: "call" | "task" }
  | { type: "run"; node?: string; force?: boolean }
  | { type: "reset"; node?: string; downstream?: boolean }
  | { type: "refresh" }
  | { type: "rendered"; nodes: number; edges: number; layoutMs: number; statuses: Record<string, string>; clusters?: DrawnCluster[]; mapped?: DrawnMappedEdge[]; dynamic?: DrawnDynamic }
  /** A composition's group title was clicked: show its entry in the YAML. */
  | { type: "revealGroup"; group: string }
  | { type: "error"; message: string };

/** The dynamic shapes as drawn (client/webview/dynamic.ts): map counts, when nodes, branch edge labels, asset chips; for tests and UI stories. */
export interface DrawnDynamic {
  maps: { id: string; count: string; stacked: boolean }[];
  whens: string[];
  branchEdges: { from: string; to: string; label: string }[];
  assets: { id: string; text: string }[];
}

/** A composing flow's box as drawn (compositions only): for tests and the UI stories. */
export interface DrawnCluster {
  id: string;
  flow: string;
  counts: string;
  status: string;
}

/** A mapped parameter's edge as drawn: its map type and the label on it. */
export interface DrawnMappedEdge {
  from: string;
  to: string;
  mapType: string;
  label: string;
}
