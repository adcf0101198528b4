/** Messages between the graph webview (client/webview/graph.ts) and its panel (graphPanels.ts). */
import type { GraphResult, NodeStatus } from "@flowsmith/contract";

export interface LiveStatus {
  status: NodeStatus;
  fraction?: number;
}

export type ToWebview =
  /** A (new) graph. `fit` resets the viewport; otherwise pan and zoom are kept. */
  | { type: "graph"; graph: GraphResult; live: Record<string, LiveStatus>; fit: boolean; trusted: boolean }
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
  | { type: "rendered"; nodes: number; edges: number; layoutMs: number; statuses: Record<string, string> }
  | { type: "error"; message: string };
