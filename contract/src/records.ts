/**
 * The shapes written under `.flowsmith/` (the store's format). Only the runtime's store reads and
 * writes the files; the server and the client get these shapes from it. Change with care: a store
 * written by one version is read by the next.
 */

import type { NodeStatus, RunStatus } from "./status.js";

export const STORE_FORMAT = 1;

/** Written next to each output, after the output itself is durable: its presence means complete. */
export interface OutputMeta {
  format: number;
  key: string;
  task: string;
  fingerprint: string;
  /** Hash of the whole output value, and of each top-level field (what downstream inputs hash). */
  outputHash: string;
  fieldHashes: Record<string, string>;
  bytes: number;
  createdAt: string;
  runId: string;
  node: string;
  durationMs: number;
}

/** The last thing that happened to one node of one workflow target (file#workflow). */
export interface NodeState {
  target: string;
  node: string;
  task: string;
  status: NodeStatus;
  cacheKey?: string;
  fingerprint: string;
  /** Content hash of each input the node ran with: lets the editor tell if upstream changed since. */
  inputHashes?: Record<string, string>;
  runId: string;
  pid?: number;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  error?: string;
}

export interface NodeRecord {
  id: string;
  /** Which param set of a matrix run (index into `paramSets`); absent for a single run. */
  variant?: number;
  task: string;
  status: NodeStatus;
  /** True when the node was already complete and did not run. */
  cached?: boolean;
  cacheKey?: string;
  fingerprint: string;
  deps: string[];
  attempts: number;
  /** The worker its last attempt ran on (WorkerInfo.id), when not the runner's own process. */
  worker?: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  error?: string;
  /** File name of this node's log inside the run directory. */
  log?: string;
  /** A `map()` node or a `when()` node (absent for a task call). A map's elements are nodes `ID[0]`, `ID[1]`… */
  kind?: "map" | "when";
  /** A map node: its elements that completed, of how many. */
  map?: { done: number; total: number };
  /** A node inside a `when()` branch (skipped with error "branch not taken" when another branch ran). */
  branch?: { when: string; label: string };
  /** A when node: the label of the branch it chose. */
  chosen?: string;
  /** Workspace-relative paths of the assets its inputs read. */
  assets?: string[];
}

export interface RunSummary {
  scheduled: number;
  completeEncountered: number;
  ranSuccessfully: number;
  failed: number;
  stopped: number;
  skipped: number;
  leftPending: number;
}

export interface RunRecord {
  format: number;
  id: string;
  target: string;
  /** The node the run was restricted to (`FILE#wf:node`), if any. */
  node?: string;
  paramSets: Record<string, unknown>[];
  config: Record<string, Record<string, unknown>>;
  status: RunStatus;
  /** Set when a run's process died without finishing its record (killed, crashed). */
  interrupted?: boolean;
  pid: number;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  nodes: NodeRecord[];
  summary?: RunSummary;
  /** Workflow outputs per param set, when the run completed. */
  outputs?: unknown[];
  error?: string;
}
