/**
 * `deploy`, `deployments`, `undeploy` (DESIGN.md, "Running beyond one process"), and the part of
 * `run deploy:NAME` that finds the deployment. The deploy code (esbuild, Redis) is required only when
 * one of them runs, so other commands start as fast as before.
 */
import type { Command } from "commander";
import { Option } from "commander";
import { formatAge } from "@flowsmith/contract";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as Deploy from "../../deploy/deploy.js";
import type * as Registry from "../../deploy/registry.js";
import type * as DeployRun from "../../deploy/run.js";
import { paramsText } from "../../deploy/params.js";
import type { PreparedFlow } from "../../engine/prepare.js";
import { FlowsmithError } from "../../util/errors.js";
import { collect, storeOption } from "../options.js";
import { prepareTarget } from "../common.js";
import { refuseBrokenFlow } from "../precheck.js";

const deployCode = () => require("../../deploy/deploy.js") as typeof Deploy;
const runCode = () => require("../../deploy/run.js") as typeof DeployRun;

/**
 * The registry's code (ioredis) is bundled apart as dist/deployments.js next to this CLI, as the
 * cluster's is (cluster-commands.ts): loaded only by the commands that talk to Redis.
 */
function registryCode(): typeof Registry {
  const file = path.join(__dirname, "deployments.js");
  if (!fs.existsSync(file)) throw new FlowsmithError(`the deployment registry is not installed (${file} is missing); rebuild with npm run build`);
  return require(file) as typeof Registry;
}

const clusterOption = () => new Option("--cluster <url>", "the cluster's Redis: redis://HOST:PORT[/DB] (env FLOWSMITH_CLUSTER)");

/** `deploy:NAME[:node]` (what `run` hands here instead of preparing a flow file). */
export function isDeploymentTarget(target: string): boolean {
  return target.startsWith("deploy:");
}

/** For `run deploy:NAME`: the deployment's code from the store, as the engine runs it. */
export async function prepareDeploymentTarget(target: string, opts: { cluster?: string; store?: string; quiet?: boolean }): Promise<PreparedFlow> {
  const registry = await registryCode().DeploymentRegistry.forCluster(opts.cluster, `run ${target}`);
  return runCode().prepareDeployment(target, {
    registry,
    store: opts.store,
    say: (line) => (opts.quiet ? process.stderr : process.stdout).write(`${line}\n`),
  });
}

interface DeployFlags {
  cluster?: string;
  name?: string;
  suspendAfter?: string;
  external: string[];
  store?: string;
  check: boolean;
}

export function registerDeploy(program: Command): void {
  program
    .command("deploy")
    .description("bundle a workflow and its local imports into an artifact in the store and register it on the cluster (run it with run deploy:NAME)")
    .argument("<target>", "FILE#workflow")
    .addOption(clusterOption())
    .option("--name <name>", "the deployment's name (default: the workflow's)")
    .option("--suspend-after <duration>", "suspend it after this long unused (24h, 30m, 500ms, never); its next run re-activates it", "24h")
    .option("--external <package>", "leave a package out of the bundle: the workers require their own copy (repeatable)", collect, [])
    .option("--no-check", "deploy even when flowsmith check finds errors in the flow file")
    .addOption(storeOption())
    .action(async (target: string, opts: DeployFlags) => {
      const deploy = deployCode();
      const suspendAfterMs = deploy.parseDuration(opts.suspendAfter ?? "24h", "--suspend-after");
      const prepared = prepareTarget(target, opts);
      if (opts.check) refuseBrokenFlow(prepared, opts);
      const registry = await registryCode().DeploymentRegistry.forCluster(opts.cluster, "deploy");
      try {
        await deploy.deployPrepared(prepared, { registry, name: opts.name, suspendAfterMs, externals: opts.external, say: (line) => process.stdout.write(`${line}\n`) });
      } finally {
        await registry.close();
      }
    });

  program
    .command("deployments")
    .description("the cluster's deployments: name, target, code hash, deployed, last run, state")
    .addOption(clusterOption())
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action(async (opts: { cluster?: string; format: string }) => {
      const registry = await registryCode().DeploymentRegistry.forCluster(opts.cluster, "deployments");
      try {
        await registry.suspendIdle();
        const list = await registry.list();
        if (opts.format === "json") {
          process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        if (!list.length) {
          process.stdout.write(`no deployments on ${registry.address.url} (flowsmith deploy FILE#workflow)\n`);
          return;
        }
        const { suspensionText } = deployCode();
        const rows = [["NAME", "TARGET", "HASH", "DEPLOYED", "LAST RUN", "RUNS", "STATE"]];
        for (const d of list) {
          rows.push([
            d.name,
            d.target,
            d.hash.slice(0, 12),
            formatAge(d.deployedAt) ?? "-",
            formatAge(d.lastRunAt) ?? "never",
            String(d.runs),
            d.state === "suspended" ? `suspended (unused for ${suspensionText(d.suspendAfterMs)})` : "active",
          ]);
        }
        const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
        process.stdout.write(`${rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd()).join("\n")}\n`);
        for (const d of list) process.stdout.write(`  ${d.name}: ${paramsText(d.params)}\n`);
      } finally {
        await registry.close();
      }
    });

  program
    .command("undeploy")
    .description("remove a deployment from the cluster (its artifact stays in the store; runs recorded keep their records)")
    .argument("<name>", "the deployment's name")
    .addOption(clusterOption())
    .action(async (name: string, opts: { cluster?: string }) => {
      const registry = await registryCode().DeploymentRegistry.forCluster(opts.cluster, "undeploy");
      try {
        const d = await registry.require(name);
        await registry.remove(name);
        process.stdout.write(`undeployed ${name} (${d.hash.slice(0, 12)}, from ${d.target}); its artifact stays in the store\n`);
      } finally {
        await registry.close();
      }
    });
}
