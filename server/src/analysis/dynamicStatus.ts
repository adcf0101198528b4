/**
 * The statuses of the dynamic shapes (DESIGN "Dynamic shapes"), on top of the last-run statuses
 * (runtime/src/engine/lastRunStatus.ts): a map node's elements done of total from the run record
 * that last touched it (the engine records `ID[0]`, `ID[1]`… per element), a when-branch node that
 * the last run skipped ("branch not taken"), and a node reading an `asset()` whose content hash is
 * no longer what its output was made with — STALE before anything runs, with its downstream.
 * From the store and the workspace's files only: nothing of the user's code runs.
 */
import type { RunRecord } from "@flowsmith/contract";
import type { StaticNode as StatusFacts, StaticStatus } from "../../../runtime/src/engine/lastRunStatus.js";
import type { StaticNode } from "./model.js";

export interface NodeStatusInfo extends StaticStatus {
  /** A map node: its elements complete of all, in the last run that touched it. */
  map?: { done: number; total: number };
  /** Why it is skipped or stale, when the dynamic shapes decided it ("branch not taken", "asset data/raw changed…"). */
  reason?: string;
}

export interface DynamicStore {
  readRun(runId: string): RunRecord | undefined;
  /** The hash the engine records for an input bound to the asset at `abs` (its content's), or undefined when unreadable. */
  assetHash(abs: string): string | undefined;
  /** How an asset is named to users (workspace-relative). */
  assetName(abs: string): string;
}

type DynamicFacts = StatusFacts & Partial<Pick<StaticNode, "kind" | "branch" | "assetInputs">>;

/** `base` (upstream first, as `nodes`) with the dynamic shapes' statuses applied. */
export function dynamicStatuses(nodes: readonly DynamicFacts[], base: Map<string, StaticStatus>, store: DynamicStore): Map<string, NodeStatusInfo> {
  const out = base as Map<string, NodeStatusInfo>;
  const runs = new Map<string, RunRecord | undefined>();
  const run = (id: string | undefined) => {
    if (!id) return undefined;
    if (!runs.has(id)) runs.set(id, safeRead(() => store.readRun(id)));
    return runs.get(id);
  };
  for (const node of nodes) {
    const info = out.get(node.id);
    if (!info) continue;
    if (node.kind === "map") {
      const progress = mapProgress(node.id, run(info.state?.runId));
      if (progress) info.map = progress;
    }
    if (node.branch) {
      const whenRun = run(out.get(node.branch.when)?.state?.runId ?? info.state?.runId);
      const record = whenRun?.nodes.find((r) => r.id === node.id);
      if (record?.status === "skipped" || (!record && info.state?.status === "skipped")) {
        info.status = "skipped";
        info.reason = "branch not taken";
        continue;
      }
    }
    if (info.status !== "complete") continue;
    for (const [input, abs] of Object.entries(node.assetInputs ?? {})) {
      const recorded = info.state?.inputHashes?.[input];
      if (recorded === undefined) continue;
      const now = store.assetHash(abs);
      if (now !== undefined && now !== recorded) {
        info.status = "stale";
        info.reason = `asset ${store.assetName(abs)} changed since its output was made`;
        break;
      }
    }
    if (info.status === "complete" && node.deps.some((d) => out.get(d)?.status === "stale" && out.get(d)?.reason)) {
      info.status = "stale";
      info.reason = "an asset upstream of it changed since its output was made";
    }
  }
  return out;
}

/** A map node's elements (`ID[i]`) in a run record: how many completed of how many. */
export function mapProgress(id: string, record: RunRecord | undefined): { done: number; total: number } | undefined {
  if (!record) return undefined;
  const prefix = `${id}[`;
  const seen = new Map<string, boolean>();
  for (const r of record.nodes) {
    if (!r.id.startsWith(prefix) || !/^\d+\]$/.test(r.id.slice(prefix.length))) continue;
    const key = `${r.variant ?? 0}:${r.id}`;
    seen.set(key, (seen.get(key) ?? false) || r.status === "complete");
  }
  if (seen.size === 0) return undefined;
  let done = 0;
  for (const ok of seen.values()) if (ok) done++;
  return { done, total: seen.size };
}

/** The element records of a map node in a run record, in index order. */
export function mapElements(id: string, record: RunRecord | undefined): RunRecord["nodes"] {
  if (!record) return [];
  const prefix = `${id}[`;
  const index = (rid: string) => Number(rid.slice(prefix.length, -1));
  return record.nodes.filter((r) => r.id.startsWith(prefix) && /^\d+\]$/.test(r.id.slice(prefix.length))).sort((a, b) => index(a.id) - index(b.id) || (a.variant ?? 0) - (b.variant ?? 0));
}

function safeRead<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
