import * as readline from "node:readline/promises";
import type { Command } from "commander";
import { Option } from "commander";
import { computeStatuses } from "../../engine/status.js";
import { planGraphs, resolveParamSets } from "../../engine/run.js";
import { downstreamOf, upstreamOf } from "../../graph/model.js";
import { collect, storeOption } from "../main.js";
import { prepareTarget, reportProblems } from "../common.js";
import { FlowsmithError, hint } from "../../util/errors.js";

export function registerReset(program: Command): void {
  program
    .command("reset")
    .description("delete outputs so nodes run again: one node (FILE#wf:node), with --downstream or --upstream, or a whole workflow")
    .argument("<target>", "FILE#workflow or FILE#workflow:node")
    .addOption(new Option("--downstream", "also reset everything downstream of the node").conflicts("upstream"))
    .option("--upstream", "also reset everything upstream of the node")
    .option("-p, --param <key=value>", "the params whose outputs to reset (default: the workflow's defaults)", collect, [])
    .option("-y, --yes", "do not ask for confirmation")
    .addOption(storeOption())
    .action(async (target: string, opts: { downstream?: boolean; upstream?: boolean; param: string[]; yes?: boolean; store?: string }) => {
      const prepared = prepareTarget(target, opts);
      const node = prepared.spec.node;
      // Reset needs the whole graph (for --downstream), not the node's upstream only.
      const [params] = resolveParamSets(prepared, opts.param);
      const [graph] = planGraphs({ ...prepared, spec: { ...prepared.spec, node: undefined } }, [params!]);
      let ids: string[];
      if (node === undefined) {
        if (opts.downstream || opts.upstream) throw new FlowsmithError("--downstream and --upstream need a node: FILE#workflow:node");
        ids = [...graph!.nodes.keys()];
      } else {
        if (!graph!.nodes.has(node)) {
          throw new FlowsmithError(`workflow ${prepared.name} has no node "${node}"${hint(node, graph!.nodes.keys())}; its nodes are ${[...graph!.nodes.keys()].join(", ")}`);
        }
        ids = [node, ...(opts.downstream ? downstreamOf(graph!, [node]) : []), ...(opts.upstream ? upstreamOf(graph!, [node]) : [])];
      }
      if (!opts.yes && process.stdin.isTTY && process.stdout.isTTY) {
        const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
        const answer = await rl.question(`Reset ${ids.length} node${ids.length === 1 ? "" : "s"} (${ids.join(", ")})? [y/N] `);
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) {
          process.stdout.write("nothing reset\n");
          return;
        }
      }
      const views = computeStatuses(graph!, prepared.store, prepared.target, prepared.fingerprints);
      let deleted = 0;
      for (const id of ids) {
        const view = views.get(id)!;
        if (view.status === "running") throw new FlowsmithError(`node ${id} is running (run ${view.state?.runId}); stop the run first`);
        for (const key of new Set([view.cacheKey, view.state?.cacheKey])) {
          if (key && prepared.store.deleteOutput(key)) deleted++;
        }
      }
      prepared.store.deleteNodeStates(prepared.target, ids);
      process.stdout.write(`reset ${ids.length} node${ids.length === 1 ? "" : "s"} of ${prepared.target} (${deleted} output${deleted === 1 ? "" : "s"} deleted): ${ids.join(", ")}\n`);
      reportProblems(prepared.store);
    });
}
