import type { Command } from "commander";
import { isProcessAlive } from "../../store/files.js";
import { isRunId, type Store } from "../../store/store.js";
import type { NodeState, RunRecord } from "@flowsmith/contract";
import { storeOption } from "../options.js";
import { openStore, reportProblems } from "../common.js";
import { FlowsmithError } from "../../util/errors.js";
import * as path from "node:path";

const GRACE_MS = 5000;

async function stopOne(store: Store, run: RunRecord): Promise<string> {
  if (run.status !== "running") return `run ${run.id} is not running (${run.status})`;
  store.requestStop(run.id);
  try {
    process.kill(run.pid, "SIGTERM");
  } catch {
    /* not on this host, or already gone: the stop file reaches it */
  }
  const deadline = Date.now() + GRACE_MS;
  while (Date.now() < deadline) {
    const now = store.readRun(run.id);
    if (!now || now.status !== "running") return `stopped run ${run.id}${now?.interrupted ? " (its process was gone)" : ""}`;
    await new Promise((r) => setTimeout(r, 100));
  }
  // The runner did not finish in time (a task blocking its event loop): end it and repair records.
  if (isProcessAlive(run.pid)) {
    try {
      process.kill(run.pid, "SIGKILL");
    } catch {
      /* gone meanwhile */
    }
  }
  const now = store.readRun(run.id) ?? run;
  const finishedAt = new Date().toISOString();
  const repaired: RunRecord = {
    ...now,
    status: "stopped",
    interrupted: true,
    finishedAt,
    durationMs: Date.parse(finishedAt) - Date.parse(now.startedAt),
    nodes: now.nodes.map((n) => (n.status === "running" ? { ...n, status: "stopped", error: "killed after the stop grace period" } : n)),
  };
  // The run record is written in batches: a node may have started since its last write. The
  // node states (written when each node starts) are the truth for what was running.
  const states = store.readTargetStates(run.target);
  const repairs: NodeState[] = [];
  for (const n of repaired.nodes) {
    const state = states.get(n.id);
    if (state && state.runId === run.id && state.status === "running") {
      repairs.push({ ...state, status: "stopped", finishedAt });
      if (n.status === "pending") Object.assign(n, { status: "stopped", error: "killed after the stop grace period" });
    }
  }
  store.writeNodeStates(repairs);
  store.writeRun(repaired);
  return `killed run ${run.id} (it did not stop within ${GRACE_MS / 1000} s)`;
}

export function registerStop(program: Command): void {
  program
    .command("stop")
    .description("stop a running run (running nodes are aborted and marked stopped)")
    .argument("[runId]", "the run id printed by flowsmith run")
    .option("--all", "stop every running run of this store")
    .addOption(storeOption())
    .action(async (runId: string | undefined, opts: { all?: boolean; store?: string }) => {
      const store = openStore(opts);
      let runs: RunRecord[];
      if (opts.all) {
        runs = store.listRuns().filter((r) => r.status === "running");
        if (!runs.length) process.stdout.write("no running runs\n");
      } else {
        if (!runId) throw new FlowsmithError("give a run id (see flowsmith runs) or --all");
        if (!isRunId(runId)) throw new FlowsmithError(`"${runId}" is not a run id (they look like 20261121-101500-a1b2c3)`);
        const run = store.readRun(runId);
        if (!run) throw new FlowsmithError(`no run ${runId} in ${path.relative(process.cwd(), store.dir) || store.dir}`);
        runs = [run];
      }
      const messages = await Promise.all(runs.map((r) => stopOne(store, r)));
      for (const m of messages) process.stdout.write(`${m}\n`);
      reportProblems(store);
    });
}

