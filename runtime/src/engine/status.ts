/**
 * What `preview` shows and what a run starts from: each node's status, computed from the store
 * without running anything. A node is complete when an output exists under its current cache key
 * and its upstream is complete; stale when its last output was made by other code (or from stale
 * upstream); running/failed/stopped from the last thing that happened to it.
 */
import type { Graph, GraphNode } from "../graph/model.js";
import { isProcessAlive } from "../store/files.js";
import type { NodeState, NodeStatus } from "@flowsmith/contract";
import type { Store } from "../store/store.js";
import { cacheKey, fingerprintOf, InputResolver, type Upstream } from "./keys.js";
import { chooseBranch, mapElements, mapKey, mapList, NOT_TAKEN, whenKey } from "./dynamic.js";
import { bindingDeps } from "../graph/model.js";

export interface NodeView {
  id: string;
  status: NodeStatus;
  /** Known when every upstream is complete. */
  cacheKey?: string;
  fingerprint: string;
  state?: NodeState;
  /** A map node whose list is known: its elements with an output, of how many. */
  map?: { done: number; total: number };
  /** A map node's elements (`ID[i]`) and their statuses, when its list is known. */
  elements?: { id: string; status: NodeStatus; cacheKey: string }[];
  /** Why it is skipped: "branch not taken". */
  reason?: string;
  /** A when node whose subject is known: the label of the branch it takes. */
  chosen?: string;
}

export function computeStatuses(graph: Graph, store: Store, target: string, fps: Map<string, string>): Map<string, NodeView> {
  const views = new Map<string, NodeView>();
  const finished = new Map<string, Upstream>();
  const resolver = new InputResolver(store, (id) => finished.get(id));
  const states = store.readTargetStates(target);
  for (const node of graph.nodes.values()) {
    const fingerprint = fingerprintOf(fps, node);
    const state = states.get(node.id);
    const view: NodeView = { id: node.id, status: "pending", fingerprint, state };
    views.set(node.id, view);
    // A node of a when() branch whose subject is known and chooses another branch.
    if (node.gates && notTakenNow(node, resolver, finished)) {
      view.status = "skipped";
      view.reason = NOT_TAKEN;
      continue;
    }
    // (A when node waits for the branches not taken too: they do not hold it.)
    const upstream = node.deps.filter((d) => !(node.kind === "when" && views.get(d)!.reason === NOT_TAKEN)).map((d) => views.get(d)!.status);

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
      key = keyOf(node, fingerprint, view, resolver, store, states);
    } catch {
      // An upstream output lacks a field this node reads (or an asset is gone): it cannot be complete.
      if (hadOutput && node.assets) view.status = "stale";
      continue;
    }
    view.cacheKey = key;
    const meta = node.impl.options.cache === false ? undefined : store.readMeta(key);
    if (meta) {
      view.status = "complete";
      finished.set(node.id, { key, meta });
    } else if (hadOutput && (state.fingerprint !== fingerprint || assetChanged(node, state, resolver))) {
      // Other code made its output, or an asset it read has other content now (d6tflow's data change).
      view.status = "stale";
    } else if ((state?.status === "failed" || state?.status === "stopped") && state.cacheKey === key) {
      view.status = state.status;
    }
  }
  return views;
}

/** Whether a branch `node` sits in is decided (its subject known) against it. */
function notTakenNow(node: GraphNode, resolver: InputResolver, finished: Map<string, Upstream>): boolean {
  for (const gate of node.gates ?? []) {
    const deps = bindingDeps(gate.spec.subject);
    if ([...deps].some((d) => !finished.has(d))) return false;
    let subject: unknown;
    try {
      subject = resolver.valueOf(node, `when ${gate.when}`, gate.spec.subject);
    } catch {
      return false;
    }
    if (chooseBranch(gate.spec, subject)?.label !== gate.label) return true;
  }
  return false;
}

/** Whether an asset input of `node` hashes differently from when its last output was made. */
function assetChanged(node: GraphNode, state: NodeState, resolver: InputResolver): boolean {
  for (const [name, b] of Object.entries(node.inputs)) {
    if (b.kind !== "asset") continue;
    const before = state.inputHashes?.[name];
    try {
      if (before !== undefined && resolver.hashOf(node, name, b) !== before) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/** A node's cache key from its inputs; a map's over its elements' keys (noted in `view`), a when's over the chosen branch. */
function keyOf(node: GraphNode, fingerprint: string, view: NodeView, resolver: InputResolver, store: Store, states: Map<string, NodeState>): string {
  if (node.kind === "map") {
    const elements = mapElements(node, mapList(node, resolver));
    const keys: string[] = [];
    let done = 0;
    view.elements = elements.map((el) => {
      const key = cacheKey(el, fingerprint, resolver.hashes(el));
      keys.push(key);
      const state = states.get(el.id);
      let status: NodeStatus = "pending";
      if (node.impl.options.cache !== false && store.readMeta(key)) {
        status = "complete";
        done++;
      } else if ((state?.status === "failed" || state?.status === "stopped") && state.cacheKey === key) status = state.status;
      return { id: el.id, status, cacheKey: key };
    });
    view.map = { done, total: elements.length };
    return mapKey(node, fingerprint, keys);
  }
  if (node.kind === "when") {
    const spec = node.when!;
    const branch = chooseBranch(spec, resolver.valueOf(node, "subject", spec.subject));
    if (!branch) throw new Error(`when ${node.id}: no branch matches`);
    view.chosen = branch.label;
    const hashes: Record<string, string> = {};
    for (const [name, b] of Object.entries(branch.outputs)) hashes[name] = resolver.hashOf(node, name, b);
    return whenKey(branch.label, hashes);
  }
  return cacheKey(node, fingerprint, resolver.hashes(node));
}
