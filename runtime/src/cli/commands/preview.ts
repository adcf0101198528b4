import type { Command } from "commander";
import { computeStatuses } from "../../engine/status.js";
import { planGraphs, resolveParamSets } from "../../engine/run.js";
import { collect, storeOption } from "../options.js";
import { paramsLine, prepareTarget, reportProblems } from "../common.js";
import { previewTree } from "../format.js";

export function registerPreview(program: Command): void {
  program
    .command("preview")
    .description("show the target's nodes as a tree with (PENDING)/(COMPLETE)/(STALE)… without running anything")
    .argument("<target>", "FILE#workflow or FILE#workflow:node")
    .option("-p, --param <key=value>", "a workflow param (repeatable)", collect, [])
    .option("--format <format>", "text or json", "text")
    .addOption(storeOption())
    .action((target: string, opts: { param: string[]; format: string; store?: string }) => {
      const prepared = prepareTarget(target, opts);
      const [params] = resolveParamSets(prepared, opts.param);
      const [graph] = planGraphs(prepared, [params!]);
      const views = computeStatuses(graph!, prepared.store, prepared.target, prepared.fingerprints);
      if (opts.format === "json") {
        const nodes = [...graph!.nodes.values()].map((n) => ({
          id: n.id,
          task: n.task,
          deps: n.deps,
          status: views.get(n.id)!.status,
          cacheKey: views.get(n.id)!.cacheKey,
          fingerprint: views.get(n.id)!.fingerprint,
          ...(n.kind === "map" || n.kind === "when" ? { kind: n.kind } : {}),
          ...(views.get(n.id)!.map ? { map: views.get(n.id)!.map, elements: views.get(n.id)!.elements } : {}),
          ...(n.branch ? { branch: n.branch } : {}),
          ...(views.get(n.id)!.reason ? { reason: views.get(n.id)!.reason } : {}),
          ...(views.get(n.id)!.chosen !== undefined ? { chosen: views.get(n.id)!.chosen } : {}),
          ...(n.assets ? { assets: n.assets } : {}),
        }));
        process.stdout.write(`${JSON.stringify({ target: prepared.target, params, nodes }, null, 2)}\n`);
      } else {
        process.stdout.write(`${previewTree(graph!, views, paramsLine(params!))}\n`);
      }
      reportProblems(prepared.store);
    });
}
