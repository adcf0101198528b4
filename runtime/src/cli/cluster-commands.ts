/**
 * `worker`, `workers` and `run --cluster`: the cluster's code (BullMQ, ioredis) is bundled apart
 * as dist/cluster.js next to this CLI and loaded only when a command names a cluster, so a local
 * `flowsmith run` starts as fast as before.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Option, type Command } from "commander";
import type { Executor } from "../engine/executor.js";
import { FlowsmithError } from "../util/errors.js";
import { extraCommands } from "./extra.js";
import { storeOption } from "./options.js";

export interface ClusterCli {
  openClusterExecutor(url: string): Promise<Executor>;
  workerCommand(url: string, opts: { concurrency?: string; store?: string }): Promise<number>;
  workersCommand(url: string, opts: { format?: string }): Promise<number>;
}

/** dist/cluster.js, next to this CLI. */
export function clusterBundle(): string {
  const file = path.join(__dirname, "cluster.js");
  if (!fs.existsSync(file)) throw new FlowsmithError(`the cluster support is not installed (${file} is missing); rebuild with npm run build`);
  return file;
}

function loadCluster(): ClusterCli {
  return require(clusterBundle()) as ClusterCli;
}

/** `--cluster`, else FLOWSMITH_CLUSTER (cluster/redis.ts clusterUrl, without loading ioredis). */
export function clusterUrl(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = option ?? env.FLOWSMITH_CLUSTER;
  return url && url.trim() ? url.trim() : undefined;
}

function required(option: string | undefined, command: string): string {
  const url = clusterUrl(option);
  if (!url) throw new FlowsmithError(`flowsmith ${command} needs a cluster: --cluster redis://HOST:PORT[/DB] or FLOWSMITH_CLUSTER`);
  return url;
}

/** The executor of `run --cluster URL` (or FLOWSMITH_CLUSTER); undefined for a local run. */
export async function clusterExecutor(option: string | undefined): Promise<Executor | undefined> {
  const url = clusterUrl(option);
  return url ? loadCluster().openClusterExecutor(url) : undefined;
}

/** How many nodes a run keeps queued on a cluster at once when --concurrency is not given (its workers bound what runs). */
export const CLUSTER_CONCURRENCY = 256;

export const clusterOption = () => new Option("--cluster <url>", "run nodes on the cluster's workers: redis://HOST:PORT[/DB] (env FLOWSMITH_CLUSTER)");

extraCommands.push((program: Command) => {
  program
    .command("worker")
    .description("a long-running cluster worker: executes nodes of runs started with --cluster")
    .addOption(clusterOption())
    .option("--concurrency <n>", "nodes it runs at once", "4")
    .addOption(storeOption())
    .action(async (opts: { cluster?: string; concurrency: string; store?: string }) => {
      process.exitCode = await loadCluster().workerCommand(required(opts.cluster, "worker"), opts);
    });
  program
    .command("workers")
    .description("the cluster's live workers: id, host, pid, concurrency, running nodes")
    .addOption(clusterOption())
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action(async (opts: { cluster?: string; format: string }) => {
      process.exitCode = await loadCluster().workersCommand(required(opts.cluster, "workers"), opts);
    });
});
