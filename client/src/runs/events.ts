/**
 * The run events the CLI streams with `--events ndjson`. Type-only imports from the runtime: the
 * client talks to the CLI process. (One runtime module is bundled: engine/variants.ts, the
 * import-free formatter that names a matrix run's variants the way the CLI does.)
 */
export type { RunEvent } from "../../../runtime/src/engine/events";
export type { NodeStatus, RunStatus, RunSummary, RunRecord, NodeRecord } from "../../../runtime/src/store/records";
import type { RunEvent } from "../../../runtime/src/engine/events";

const TYPES = new Set(["run-started", "node-started", "node-log", "node-progress", "node-finished", "run-finished"]);

export function isRunEvent(value: unknown): value is RunEvent {
  return typeof value === "object" && value !== null && TYPES.has((value as { type?: unknown }).type as string)
    && typeof (value as { runId?: unknown }).runId === "string";
}

/** Node key inside a run: the id, plus the param set for matrix runs. */
export function nodeKey(node: string, variant: number | undefined): string {
  return variant === undefined ? node : `${node}@${variant}`;
}
