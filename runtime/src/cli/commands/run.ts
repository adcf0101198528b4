import type { Command } from "commander";
import { Option } from "commander";
import { runWorkflow } from "../../engine/run.js";
import { firstLine, formatDuration, type RunEvent, variantLabel, variantNames } from "@flowsmith/contract";
import { collect, resultsDbOption, storeOption } from "../options.js";
import { compositionInfo } from "../../composition/prepare.js";
import { openCompositionDb, recordDbParents } from "../../composition/db.js";
import { prepareTarget, reportProblems } from "../common.js";
import { executionSummary, matrixLine, paint, statusLabel } from "../format.js";
import { FlowsmithError } from "../../util/errors.js";
import { refuseBrokenFlow } from "../precheck.js";
import { isDeploymentTarget, prepareDeploymentTarget } from "./deploy.js";
import { parseWorkers, workerPool, workersOption } from "../workers.js";
import { CLUSTER_CONCURRENCY, clusterExecutor, clusterUrl } from "../cluster-commands.js";
import { LineBuffer } from "../lineBuffer.js";

interface RunFlags {
  param: string[];
  matrix: string[];
  config: string[];
  force?: boolean;
  forceAll?: boolean;
  concurrency?: string;
  workers?: string;
  events?: string;
  store?: string;
  /** false with --no-check */
  check: boolean;
  /** The cluster's Redis (run deploy:NAME reads its registry there). */
  cluster?: string;
  /** The results database of a composition's db mappings. */
  resultsDb?: string;
}

/** The run's events for people: one line per node event, each node named by its variant's params. */
function humanEvents(out: LineBuffer): (event: RunEvent) => void {
  let names: string[] = [];
  const tag = (node: string, variant?: number) => paint(1, `[${variantLabel(node, variant, names)}]`);
  return (event) => {
    switch (event.type) {
      case "run-started":
        names = variantNames(event.paramSets);
        if (names.length) out.write(`${matrixLine(event.paramSets, names)}\n`);
        break;
      case "node-started":
        out.write(`${tag(event.node, event.variant)} started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}\n`);
        break;
      case "node-log":
        out.write(`${tag(event.node, event.variant)} ${event.line}\n`);
        break;
      case "node-finished":
        if (event.cached) break;
        out.write(
          `${tag(event.node, event.variant)} ${statusLabel(event.status)}${event.durationMs !== undefined && event.status !== "skipped" ? ` in ${formatDuration(event.durationMs)}` : ""}${event.error && event.status !== "stopped" ? `: ${firstLine(event.error, 300)}` : ""}\n`,
        );
        break;
      default:
        break;
    }
  };
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run a workflow (or one node and its upstream); complete nodes are not run again")
    .argument("<target>", "FILE#workflow or FILE#workflow:node, or deploy:NAME (a deployment: flowsmith deployments)")
    .option("-p, --param <key=value>", "a workflow param (repeatable)", collect, [])
    .option("--matrix <key=a,b,...>", "run every combination of these param values; identical nodes run once (repeatable)", collect, [])
    .option("--config <node.key=value>", "config for ctx.config of a node (`*.key=value` for all) (repeatable)", collect, [])
    .addOption(new Option("--force", "re-run the target node(s) even if complete").conflicts("forceAll"))
    .option("--force-all", "re-run the target and everything upstream")
    .option("--concurrency <n>", "nodes run at once", "4")
    .addOption(workersOption())
    .addOption(new Option("--events <format>", "stream events as one JSON object a line").choices(["ndjson"]))
    .option("--no-check", "run even when flowsmith check finds errors in the flow file")
    // (One --cluster for every use of run: deploy:NAME targets read the cluster's deployments.)
    .option("--cluster <url>", "the cluster's Redis: redis://HOST:PORT[/DB] (env FLOWSMITH_CLUSTER)")
    .addOption(resultsDbOption())
    .addOption(storeOption())
    .action(async (target: string, opts: RunFlags, cmd: Command) => {
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new FlowsmithError(`--concurrency must be a whole number ≥ 1, got "${opts.concurrency}"`);
      const ndjson = opts.events === "ndjson";
      const workers = parseWorkers(opts.workers);
      // A deployment was checked when it was deployed; its code comes from the store.
      const deployment = isDeploymentTarget(target);
      const prepared = deployment ? await prepareDeploymentTarget(target, { ...opts, quiet: ndjson }) : prepareTarget(target, opts);
      const composed = compositionInfo(prepared);
      if (opts.check && !deployment) {
        // A composition: each composing flow's file is checked as its own run would check it.
        // (Its clean-check mark depends on every module of the composition: flows share modules, loaded once.)
        if (composed) for (const f of composed.flows) refuseBrokenFlow({ ...prepared, flows: { ...f.loaded, modules: prepared.flows.modules }, name: f.workflow, shown: f.shown }, opts);
        else refuseBrokenFlow(prepared, opts);
      }
      if (composed && (workers !== undefined || clusterUrl(opts.cluster))) {
        throw new FlowsmithError(`${prepared.shown}#${prepared.name} is a composition: it runs in this process (--workers and --cluster run workflows)`);
      }
      // db mappings: the results database is opened before anything runs (an unreachable one is one line, exit 2).
      const results = composed?.dbParents.length ? await openCompositionDb(opts.resultsDb, prepared.store) : undefined;
      const controller = new AbortController();
      let signals = 0;
      /** stdout's lines, flushed before a second signal quits. */
      let out: LineBuffer | undefined;
      const onSignal = (sig: NodeJS.Signals) => {
        signals++;
        if (signals === 1) {
          if (!ndjson) process.stderr.write(`\nflowsmith: ${sig === "SIGINT" ? "Ctrl-C" : sig}: stopping the run (again to quit at once)\n`);
          controller.abort();
        } else {
          out?.flush();
          process.exit(130);
        }
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      if (workers !== undefined && opts.cluster !== undefined) throw new FlowsmithError("--workers and --cluster do not go together: nodes run in local processes or on the cluster");
      // On a cluster (--cluster or FLOWSMITH_CLUSTER) nodes are queued for its workers: many at once unless --concurrency says.
      const cluster = workers === undefined && clusterUrl(opts.cluster) ? await clusterExecutor(opts.cluster) : undefined;
      const pool = workerPool(workers, prepared.store.cacheDir);
      // Tasks that run elsewhere never block this process's event loop: its lines are gathered per turn.
      const lines = new LineBuffer(Boolean(pool || cluster));
      out = lines;
      try {
        const run = await runWorkflow(prepared, {
          params: opts.param,
          matrix: opts.matrix,
          config: opts.config,
          force: opts.force,
          forceAll: opts.forceAll,
          concurrency: cluster && cmd.getOptionValueSource("concurrency") === "default" ? CLUSTER_CONCURRENCY : concurrency,
          ...(pool ? { executor: pool } : {}),
          ...(cluster ? { executor: cluster } : {}),
          stop: controller.signal,
          onEvent: ndjson ? (e) => lines.write(`${JSON.stringify(e)}\n`) : humanEvents(lines),
          onRunId: (id) => {
            if (!ndjson) lines.write(`run ${id} · ${prepared.target}${prepared.spec.node ? `:${prepared.spec.node}` : ""}\n`);
          },
        });
        if (results && composed) await recordDbParents(results.db, prepared.store, prepared.target, composed.dbParents, run);
        if (!ndjson) {
          lines.write(`${executionSummary(run)}\n`);
          lines.write(`run ${run.id} ${statusLabel(run.status)} in ${formatDuration(run.durationMs) ?? "-"}\n`);
        }
        reportProblems(prepared.store);
        process.exitCode = run.status === "complete" ? 0 : run.status === "stopped" ? 130 : 1;
      } finally {
        lines.flush();
        await pool?.close();
        await results?.close();
        await cluster?.close?.();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
