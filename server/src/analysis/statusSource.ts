/**
 * Where the analysis gets node statuses from. It is given one (the language server's folders and
 * the CLI's check and graph make it over the workspace's store) rather than opening a store itself.
 */
import { lastRunStatuses, type StaticNode, type StaticStatus } from "../../../runtime/src/engine/lastRunStatus.js";
import type { Store } from "../../../runtime/src/store/store.js";

export interface StatusSource {
  /** The store directory, shown to users. */
  readonly dir: string;
  /** Each node's status after its last run, checked against today's code (`nodes` upstream first). */
  statuses(target: string, nodes: StaticNode[]): Map<string, StaticStatus>;
}

/** The statuses a store holds, as `flowsmith preview` would show them, without running anything. */
export function storeStatuses(store: Store): StatusSource {
  return { dir: store.dir, statuses: (target, nodes) => lastRunStatuses(nodes, store, target) };
}
