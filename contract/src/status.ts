/** Statuses, in the words every layer shows: the CLI's preview, the editor's lenses and views. */

/** One node's status (DESIGN.md, "Engine and store"). `skipped`: an upstream node failed. */
export type NodeStatus = "pending" | "complete" | "stale" | "running" | "failed" | "stopped" | "skipped";

/** Every node status, in the order the CLI's summary and the editor's legend list them. */
export const NODE_STATUSES: readonly NodeStatus[] = ["pending", "complete", "stale", "running", "failed", "stopped", "skipped"];

/** A whole run's status. */
export type RunStatus = "running" | "complete" | "failed" | "stopped";

