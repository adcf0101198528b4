/**
 * Where the analysis gets node statuses from. It is given one (the language server's folders and
 * the CLI's check and graph make it over the workspace's store) rather than opening a store itself.
 */
import type { RunRecord } from "@flowsmith/contract";
import { lastRunStatuses, type StaticNode, type StaticStatus } from "../../../runtime/src/engine/lastRunStatus.js";
import { assetRelative, hashAsset } from "../../../runtime/src/store/assets.js";
import { findWorkspaceRoot, type Store } from "../../../runtime/src/store/store.js";
import { dynamicStatuses, type NodeStatusInfo } from "./dynamicStatus.js";

export type { NodeStatusInfo };

export interface StatusSource {
  /** The store directory, shown to users. */
  readonly dir: string;
  /** Each node's status after its last run, checked against today's code (`nodes` upstream first). */
  statuses(target: string, nodes: StaticNode[]): Map<string, NodeStatusInfo>;
  /** The run record of `runId` (a map node's elements), when the source has runs. */
  readRun?(runId: string): RunRecord | undefined;
  /** Forget what was known of the assets at these absolute paths (their files changed). */
  assetsChanged?(paths: readonly string[]): void;
}

/** The statuses a store holds, as `flowsmith preview` would show them, without running anything. */
export function storeStatuses(store: Store): StatusSource {
  /** Asset content hashes by absolute path, until the asset watcher says a path changed. */
  const hashes = new Map<string, string | undefined>();
  let root: string | undefined;
  /** Finished runs' records never change: the last few are kept (a 10,000-node record is megabytes of JSON). */
  const finished = new Map<string, RunRecord>();
  const readRun = (id: string): RunRecord | undefined => {
    const kept = finished.get(id);
    if (kept) return kept;
    const run = safeRun(store, id);
    if (run && run.status !== "running") {
      finished.set(id, run);
      if (finished.size > 8) finished.delete(finished.keys().next().value!);
    }
    return run;
  };
  const dynamicStore = {
    readRun,
    assetHash: (abs: string) => {
      if (!hashes.has(abs)) {
        let h: string | undefined;
        try {
          h = hashAsset(abs, store.cacheDir).hash;
        } catch {
          h = undefined; // missing or unreadable: the run says so; the editor does not guess
        }
        hashes.set(abs, h);
      }
      return hashes.get(abs);
    },
    assetName: (abs: string) => assetRelative(abs, (root ??= findWorkspaceRoot(abs))),
  };
  return {
    dir: store.dir,
    statuses: (target, nodes) => {
      const states = store.readTargetStates(target);
      // Branch nodes the last run skipped: their when node did not wait for them.
      const skipped = new Set<string>();
      for (const n of nodes) {
        if ((n as { kind?: string }).kind !== "when") continue;
        const runId = states.get(n.id)?.runId;
        const record = runId ? readRun(runId) : undefined;
        for (const r of record?.nodes ?? []) if (r.status === "skipped" && n.deps.includes(r.id)) skipped.add(r.id);
      }
      // A when node runs no code: it is whatever fingerprint the engine recorded for it.
      const facts = nodes.map((n) =>
        (n as { kind?: string }).kind === "when" ? { ...n, fingerprint: states.get(n.id)?.fingerprint ?? n.fingerprint, deps: n.deps.filter((d) => !skipped.has(d)) } : n,
      );
      const base: Map<string, StaticStatus> = lastRunStatuses(facts, { readTargetStates: () => states, readMeta: (key) => store.readMeta(key) }, target);
      return dynamicStatuses(nodes, base, dynamicStore);
    },
    readRun,
    assetsChanged: (paths) => {
      for (const p of paths) hashes.delete(p);
    },
  };
}

function safeRun(store: Store, runId: string): RunRecord | undefined {
  try {
    return store.readRun(runId);
  } catch {
    return undefined;
  }
}
