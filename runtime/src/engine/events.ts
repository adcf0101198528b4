/** What a run reports as it goes: printed for people, or one JSON object a line (`--events ndjson`). */
import type { NodeStatus, RunStatus, RunSummary } from "../store/records.js";

export type RunEvent =
  | {
      type: "run-started";
      runId: string;
      target: string;
      node?: string;
      pid: number;
      /** One per variant (`variant` indexes it); a single run has one. */
      paramSets: Record<string, unknown>[];
      /**
       * Matrix runs only: each variant's name, from the params that differ (`doPreprocess=false`),
       * by `variantNames` in engine/variants.ts; a node of variant v is `${id}[${variantNames[v]}]`.
       */
      variantNames?: string[];
      /** `label`, matrix runs only: the node's name in logs, summaries and `results --node` (`train[doPreprocess=false]`). */
      nodes: { id: string; variant?: number; label?: string; task: string; deps: string[]; status: NodeStatus }[];
    }
  | { type: "node-started"; runId: string; node: string; variant?: number; attempt: number }
  | { type: "node-log"; runId: string; node: string; variant?: number; line: string }
  | { type: "node-progress"; runId: string; node: string; variant?: number; fraction: number }
  | {
      type: "node-finished";
      runId: string;
      node: string;
      variant?: number;
      status: NodeStatus;
      cached?: boolean;
      durationMs?: number;
      attempts: number;
      error?: string;
    }
  | { type: "run-finished"; runId: string; status: RunStatus; durationMs: number; summary: RunSummary };

export type EventSink = (event: RunEvent) => void;
