/** What a run reports as it goes: printed for people, or one JSON object a line (`--events ndjson`). */
import type { RunSummary } from "./records.js";
import type { NodeStatus, RunStatus } from "./status.js";

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
       * by `variantNames` in the runtime's engine/variants.ts; a node of variant v is `${id}[${variantNames[v]}]`.
       */
      variantNames?: string[];
      /** `label`, matrix runs only: the node's name in logs, summaries and `results --node` (`train[doPreprocess=false]`). */
      nodes: { id: string; variant?: number; label?: string; task: string; deps: string[]; status: NodeStatus }[];
    }
  | {
      type: "node-started";
      runId: string;
      node: string;
      variant?: number;
      attempt: number;
      /** Where the attempt runs, when not in the runner's own process: a worker id (WorkerInfo.id). */
      worker?: string;
    }
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

const RUN_EVENT_TYPES: ReadonlySet<string> = new Set(["run-started", "node-started", "node-log", "node-progress", "node-finished", "run-finished"]);

/** Whether a parsed line of `--events ndjson` is a run event (a reader skips anything else). */
export function isRunEvent(value: unknown): value is RunEvent {
  return typeof value === "object" && value !== null && RUN_EVENT_TYPES.has((value as { type?: unknown }).type as string)
    && typeof (value as { runId?: unknown }).runId === "string";
}
