/**
 * The cluster's side of the CLI, bundled apart as dist/cluster.js (with BullMQ and ioredis) and
 * loaded only when a command names a cluster (cli/cluster-commands.ts), so `flowsmith run`
 * without --cluster never loads it.
 */
import type { WorkerInfo } from "@flowsmith/contract";
import type { Executor } from "../engine/executor.js";
import { findWorkspaceRoot, resolveStoreDir } from "../store/location.js";
import { FlowsmithError } from "../util/errors.js";
import { ClusterExecutor } from "./executor.js";
import { listWorkers } from "./heartbeat.js";
import { connect, parseClusterUrl, probe } from "./redis.js";
import { runWorker } from "./worker.js";

/** The executor of `run --cluster URL`: exit 2 naming the URL when its Redis cannot be reached. */
export async function openClusterExecutor(url: string): Promise<Executor> {
  const address = parseClusterUrl(url);
  await probe(address);
  return ClusterExecutor.open(address);
}

/** `flowsmith worker`: runs until SIGTERM / SIGINT (a second one quits at once). */
export async function workerCommand(url: string, opts: { concurrency?: string; store?: string }): Promise<number> {
  const address = parseClusterUrl(url);
  const concurrency = Number(opts.concurrency ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new FlowsmithError(`--concurrency must be a whole number ≥ 1, got "${opts.concurrency}"`);
  const store = resolveStoreDir(findWorkspaceRoot(process.cwd()), opts.store);
  const stop = new AbortController();
  const quit = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!stop.signal.aborted) {
      process.stderr.write(`flowsmith worker: ${sig}: closing\n`);
      stop.abort();
    } else {
      quit.abort();
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await runWorker({ address, concurrency, store, stop: stop.signal, quit: quit.signal, say: (line) => process.stderr.write(`flowsmith worker: ${line}\n`) });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return 0;
}

/** `flowsmith workers`: the live workers, as a table or `WorkerInfo[]` JSON. */
export async function workersCommand(url: string, opts: { format?: string }): Promise<number> {
  const address = parseClusterUrl(url);
  await probe(address);
  const redis = connect(address, { maxRetriesPerRequest: 1 });
  redis.on("error", () => {});
  let workers: WorkerInfo[];
  try {
    workers = await listWorkers(redis);
  } finally {
    redis.disconnect();
  }
  if (opts.format === "json") {
    process.stdout.write(`${JSON.stringify(workers, null, 2)}\n`);
    return 0;
  }
  if (!workers.length) {
    process.stdout.write(`no live workers at ${address.url} (start one: flowsmith worker --cluster ${address.url})\n`);
    return 0;
  }
  process.stdout.write(workersTable(workers));
  return 0;
}

function workersTable(workers: WorkerInfo[]): string {
  const rows = [["WORKER", "HOST", "PID", "SLOTS", "RUNNING", "LAST SEEN"]];
  for (const w of workers) {
    const running = w.running.map((r) => `${r.node} (run ${r.runId})`).join(", ");
    const seen = `${Math.max(0, Math.round((Date.now() - Date.parse(w.lastSeen)) / 1000))}s ago`;
    rows.push([w.id, w.host, String(w.pid), `${w.running.length}/${w.concurrency}`, running || "-", seen]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n") + `\n${workers.length} live worker${workers.length === 1 ? "" : "s"}\n`;
}
