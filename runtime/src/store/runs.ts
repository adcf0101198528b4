/**
 * Run records (`runs/<run id>/run.json`), their nodes' log files and stop requests. A record is
 * rewritten whole (temp file + rename) as the run goes on; a run whose record says running but
 * whose process is gone was interrupted, and reads as stopped.
 */
import * as fs from "node:fs";
import { isProcessAlive, readJson, writeFileAtomic, writeJsonAtomic } from "./files.js";
import { isRunId, type StoreLayout } from "./layout.js";
import type { RunRecord } from "@flowsmith/contract";

export class RunRecords {
  constructor(
    private readonly layout: StoreLayout,
    /** Problems met while reading (corrupt records): reported, never thrown. */
    private readonly problem: (message: string) => void,
  ) {}

  write(run: RunRecord): void {
    writeJsonAtomic(this.layout.runRecord(run.id), run);
  }

  read(runId: string): RunRecord | undefined {
    const r = readJson<RunRecord>(this.layout.runRecord(runId));
    if (!r.ok) {
      if (!r.missing) this.problem(`run ${runId}: ${r.problem}; skipped`);
      return undefined;
    }
    if (!isRunRecord(r.value, runId)) {
      this.problem(`run ${runId}: its record is malformed; skipped`);
      return undefined;
    }
    return withLiveness(r.value);
  }

  /** All runs, newest first. Corrupt records are reported and skipped. */
  list(): RunRecord[] {
    let ids: string[];
    try {
      ids = fs.readdirSync(this.layout.runsDir).filter(isRunId);
    } catch {
      return [];
    }
    const runs: RunRecord[] = [];
    for (const id of ids) {
      const run = this.read(id);
      if (run) runs.push(run);
    }
    return runs.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || b.id.localeCompare(a.id));
  }

  /** Ask a run to stop: the runner polls for this file (and also gets SIGTERM when on this host). */
  requestStop(runId: string): void {
    writeFileAtomic(this.layout.stopRequest(runId), new Date().toISOString());
  }

  stopRequested(runId: string): boolean {
    return fs.existsSync(this.layout.stopRequest(runId));
  }
}

/** Whether a parsed run.json has the fields every reader relies on. */
export function isRunRecord(run: unknown, runId: string): run is RunRecord {
  if (typeof run !== "object" || run === null || Array.isArray(run)) return false;
  const r = run as Record<string, unknown>;
  return r.id === runId && typeof r.target === "string" && typeof r.status === "string" && typeof r.startedAt === "string" && Array.isArray(r.nodes) && Array.isArray(r.paramSets);
}

/** A run whose record says running but whose process is gone was interrupted: show it as stopped. */
export function withLiveness(run: RunRecord): RunRecord {
  if (run.status === "running" && !isProcessAlive(run.pid)) {
    return {
      ...run,
      status: "stopped",
      interrupted: true,
      nodes: run.nodes.map((n) => (n.status === "running" ? { ...n, status: "stopped" } : n)),
    };
  }
  return run;
}
