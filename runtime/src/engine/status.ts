/**
 * What `preview` shows and what a run starts from: each node's status, computed from the store
 * without running anything. A node is complete when an output exists under its current cache key
 * and its upstream is complete; stale when its last output was made by other code (or from stale
 * upstream); running/failed/stopped from the last thing that happened to it.
 */
import type { Graph } from "../graph/model.js";
import { isProcessAlive } from "../store/files.js";
import type { NodeState, NodeStatus } from "@flowsmith/contract";
import type { Store } from "../store/store.js";
import { cacheKey, fingerprintOf, InputResolver, type Upstream } from "./keys.js";

export interface NodeView {
  id: string;
  status: NodeStatus;
  /** Known when every upstream is complete. */
  cacheKey?: string;
  fingerprint: string;
  state?: NodeState;
}

export function computeStatuses(graph: Graph, store: Store, target: string, fps: Map<string, string>): Map<string, NodeView> {
  const views = new Map<string, NodeView>();
  const finished = new Map<string, Upstream>();
  const resolver = new InputResolver(store, (id) => finished.get(id));
  const states = store.readTargetStates(target);
  for (const node of graph.nodes.values()) {
    const fingerprint = fingerprintOf(fps, node);
    const state = states.get(node.id);
    const upstream = node.deps.map((d) => views.get(d)!.status);
    const view: NodeView = { id: node.id, status: "pending", fingerprint, state };
    views.set(node.id, view);

    if (state?.status === "running" && isProcessAlive(state.pid)) {
      view.status = "running";
      continue;
    }
    const hadOutput = state?.status === "complete" || state?.status === "stale";
    if (upstream.some((s) => s !== "complete")) {
      view.status = upstream.some((s) => s === "stale") && hadOutput ? "stale" : "pending";
      continue;
    }
    let key: string;
    try {
      key = cacheKey(node, fingerprint, resolver.hashes(node));
    } catch {
      // An upstream output lacks a field this node reads: it cannot be complete.
      continue;
    }
    view.cacheKey = key;
    const meta = node.impl.options.cache === false ? undefined : store.readMeta(key);
    if (meta) {
      view.status = "complete";
      finished.set(node.id, { key, meta });
    } else if (hadOutput && state.fingerprint !== fingerprint) {
      view.status = "stale";
    } else if ((state?.status === "failed" || state?.status === "stopped") && state.cacheKey === key) {
      view.status = state.status;
    }
  }
  return views;
}
