/** What a run reports as it goes: printed for people, or one JSON object a line (`--events ndjson`). */
import type { NodeStatus, RunStatus, RunSummary } from "../store/records.js";

export type RunEvent =
  | {
      type: "run-started";
      runId: string;
      target: string;
      node?: string;
      pid: number;
      paramSets: Record<string, unknown>[];
      nodes: { id: string; variant?: number; task: string; deps: string[]; status: NodeStatus }[];
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
