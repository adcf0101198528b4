/**
 * A finished (or interrupted) run's log as the store keeps it: its record and each node's log file.
 * The editor's log documents read runs through this instead of reading the store's files; it has
 * no editor imports and reads nothing but the one run.
 */
import { readText } from "./files.js";
import { StoreLayout } from "./layout.js";
import type { NodeRecord, RunRecord } from "@flowsmith/contract";
import { isRunRecord, withLiveness } from "./runs.js";

export interface RunLog {
  /** The run's record; a run whose process is gone while it says running reads as stopped (interrupted). */
  run: RunRecord;
  /** The non-empty lines of a node's log file; none when it wrote no log. */
  nodeLines(node: NodeRecord): string[];
}

export type RunLogRead = { ok: true; log: RunLog } | { ok: false; problem: string };

/** Read run `runId` of the store at `storeDir`; what cannot be read is a one-line problem. */
export function readRunLog(storeDir: string, runId: string): RunLogRead {
  const layout = new StoreLayout(storeDir);
  let file: string;
  try {
    file = layout.runRecord(runId);
  } catch (error) {
    return { ok: false, problem: messageOf(error) }; // not a run id
  }
  let record: unknown;
  try {
    record = JSON.parse(readText(file));
  } catch (error) {
    return { ok: false, problem: `run ${runId} has no readable record in ${layout.run(runId)}: ${messageOf(error)}` };
  }
  if (!isRunRecord(record, runId)) return { ok: false, problem: `run ${runId} has no readable record in ${layout.run(runId)}: its record is malformed` };
  const log: RunLog = {
    run: withLiveness(record),
    nodeLines(node) {
      if (!node.log) return [];
      try {
        return readText(layout.runLog(runId, node.log)).split(/\r?\n/).filter((l) => l);
      } catch {
        return []; // no log written (or a name that is not a log's)
      }
    },
  };
  return { ok: true, log };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
