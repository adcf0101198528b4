/**
 * Node statuses as the editor sees them, from the store and the code alone — without running the
 * workflow body to learn its inputs. Each node's last state is checked against today's code
 * (fingerprint) and today's upstream outputs (input hashes), so for the params of the last run
 * this agrees with `flowsmith preview`, which computes cache keys from the actual inputs.
 */
import { isProcessAlive } from "../store/files.js";
import type { NodeState, NodeStatus } from "@flowsmith/contract";
import type { Store } from "../store/store.js";
import { contentHash } from "../store/hash.js";

/** What the status of a node needs to know of it, statically (the analysis' nodes carry more). */
export interface StaticNode {
  id: string;
  deps: string[];
  fingerprint: string;
  /** Inputs bound to an upstream output: input name → upstream node id and output path. */
  refInputs: Record<string, { node: string; path: string[] }>;
  /** Inputs whose values are known without running (literals, params at their defaults). */
  valueInputs?: Record<string, unknown>;
  /** Every input the call passes, when known: an added or removed input changes the key. */
  inputNames?: string[];
}

export interface StaticStatus {
  status: NodeStatus;
  state?: NodeState;
}

/** `nodes` in call order (upstream first). */
export function lastRunStatuses(nodes: StaticNode[], store: Pick<Store, "readTargetStates" | "readMeta">, target: string): Map<string, StaticStatus> {
  const out = new Map<string, StaticStatus>();
  /** Output hashes of complete nodes, to check downstream input hashes against. */
  const outputs = new Map<string, { outputHash: string; fieldHashes: Record<string, string> }>();
  const states = store.readTargetStates(target);
  for (const node of nodes) {
    const state = states.get(node.id);
    const result: StaticStatus = { status: "pending", ...(state ? { state } : {}) };
    out.set(node.id, result);
    if (state?.status === "running" && isProcessAlive(state.pid)) {
      result.status = "running";
      continue;
    }
    const upstream = node.deps.map((d) => out.get(d)?.status ?? "pending");
    const hadOutput = state?.status === "complete" || state?.status === "stale";
    if (upstream.some((s) => s !== "complete")) {
      result.status = upstream.some((s) => s === "stale") && hadOutput ? "stale" : "pending";
      continue;
    }
    if (!state) continue;
    if (state.status === "failed" || state.status === "stopped") {
      result.status = state.fingerprint === node.fingerprint ? state.status : "pending";
      continue;
    }
    if (!hadOutput || !state.cacheKey) continue;
    const meta = store.readMeta(state.cacheKey);
    if (!meta) continue; // reset or deleted since
    if (state.fingerprint !== node.fingerprint) {
      result.status = "stale";
      continue;
    }
    if (!inputsStillMatch(node, state, outputs)) continue; // upstream produced something else since
    result.status = "complete";
    outputs.set(node.id, meta);
  }
  return out;
}

function inputsStillMatch(
  node: StaticNode,
  state: NodeState,
  outputs: Map<string, { outputHash: string; fieldHashes: Record<string, string> }>,
): boolean {
  if (!state.inputHashes) return true;
  if (node.inputNames) {
    const before = Object.keys(state.inputHashes).sort().join("\0");
    if (before !== [...node.inputNames].sort().join("\0")) return false;
  }
  for (const [input, value] of Object.entries(node.valueInputs ?? {})) {
    const recorded = state.inputHashes[input];
    let now: string;
    try {
      now = contentHash(value);
    } catch {
      continue;
    }
    if (recorded !== undefined && recorded !== now) return false;
  }
  for (const [input, ref] of Object.entries(node.refInputs)) {
    const up = outputs.get(ref.node);
    const recorded = state.inputHashes[input];
    if (!up || recorded === undefined) continue;
    const now = ref.path.length === 0 ? up.outputHash : ref.path.length === 1 ? up.fieldHashes[ref.path[0]!] : undefined;
    if (now !== undefined && now !== recorded) return false;
  }
  return true;
}
