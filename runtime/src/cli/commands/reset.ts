import * as readline from "node:readline/promises";
import type { Command } from "commander";
import { Option } from "commander";
import { computeStatuses, type NodeView } from "../../engine/status.js";
import { planGraphs, resolveParamSets } from "../../engine/run.js";
import { validateParams } from "../../engine/params.js";
import type { PreparedFlow } from "../../engine/prepare.js";
import { downstreamOf, upstreamOf, type Graph } from "../../graph/model.js";
import { canonicalJson } from "../../store/hash.js";
import { collect, storeOption } from "../options.js";
import { prepareTarget, reportProblems } from "../common.js";
import { FlowsmithError, hint } from "../../util/errors.js";

/** One param variant of the workflow: its graph, the nodes reset in it and their statuses. */
interface Variant {
  graph: Graph;
  /** Empty when the variant's graph has no such node. */
  ids: string[];
  views: Map<string, NodeView>;
}

export function registerReset(program: Command): void {
  program
    .command("reset")
    .description(
      "delete outputs so nodes run again: one node (FILE#wf:node), with --downstream or --upstream, or a whole workflow; " +
        "outputs are those of one param variant (the defaults, or --param), or of every variant with --all-variants",
    )
    .argument("<target>", "FILE#workflow or FILE#workflow:node")
    .addOption(new Option("--downstream", "also reset everything downstream of the node").conflicts("upstream"))
    .option("--upstream", "also reset everything upstream of the node")
    .option("-p, --param <key=value>", "a param of the variant whose outputs to reset (repeatable; unset params take the workflow's defaults)", collect)
    .addOption(
      new Option("--all-variants", "reset the outputs of every param variant: the defaults and every param set runs of this workflow used").conflicts("param"),
    )
    .option("-y, --yes", "do not ask for confirmation (needed when there is no terminal to ask on)")
    .addOption(storeOption())
    .action(
      async (
        target: string,
        opts: { downstream?: boolean; upstream?: boolean; param?: string[]; allVariants?: boolean; yes?: boolean; store?: string },
      ) => {
        const prepared = prepareTarget(target, opts);
        const node = prepared.spec.node;
        if (node === undefined && (opts.downstream || opts.upstream)) throw new FlowsmithError("--downstream and --upstream need a node: FILE#workflow:node");
        const [params] = resolveParamSets(prepared, opts.param ?? []);
        const chosen = variant(prepared, params!, opts)!;
        // The other param variants this workflow was run with (newest first), each once, and the
        // outputs its runs made (by variant, then node): older ones too, which an upstream reset
        // can leave out of reach of the cache keys computed now.
        const others: Variant[] = [];
        const byParams = new Map<string, Variant | undefined>([[canonicalJson(params), chosen]]);
        const made = new Map<Variant, Map<string, Set<string>>>();
        for (const run of prepared.store.listRuns()) {
          if (run.target !== prepared.target) continue;
          const ofRun = run.paramSets.map((set) => {
            const id = canonicalJson(set);
            if (!byParams.has(id)) {
              const other = variant(prepared, set, opts, true);
              byParams.set(id, other);
              if (other) others.push(other);
            }
            return byParams.get(id);
          });
          for (const record of run.nodes) {
            const v = ofRun[record.variant ?? 0];
            if (!v || !record.cacheKey) continue;
            let keys = made.get(v);
            if (!keys) made.set(v, (keys = new Map()));
            let set = keys.get(record.id);
            if (!set) keys.set(record.id, (set = new Set()));
            set.add(record.cacheKey);
          }
        }
        const variants = (opts.allVariants ? [chosen, ...others] : [chosen]).filter((v) => v.ids.length > 0);
        if (node !== undefined && variants.length === 0) {
          const known = [...chosen.graph.nodes.keys()];
          throw new FlowsmithError(`workflow ${prepared.name} has no node "${node}"${hint(node, known)}; its nodes are ${known.join(", ")}`);
        }
        const ids = [...new Set(variants.flatMap((v) => v.ids))];
        const nodes = `${ids.length} node${ids.length === 1 ? "" : "s"}`;
        const across = opts.allVariants ? ` in ${variants.length} param variant${variants.length === 1 ? "" : "s"}` : "";

        if (!opts.yes) {
          if (!(process.stdin.isTTY && process.stdout.isTTY)) {
            throw new FlowsmithError(`reset deletes the outputs of ${nodes}${across} (${ids.join(", ")}) and there is no terminal to confirm on: pass --yes`);
          }
          const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
          const answer = await rl.question(`Reset ${nodes}${across} (${ids.join(", ")})? [y/N] `);
          rl.close();
          if (!/^y(es)?$/i.test(answer.trim())) {
            process.stdout.write("nothing reset\n");
            return;
          }
        }
        for (const v of variants) {
          for (const id of v.ids) {
            const view = v.views.get(id)!;
            if (view.status === "running") throw new FlowsmithError(`node ${id} is running (run ${view.state?.runId}); stop the run first`);
          }
        }
        // Besides its current output, a node's older ones: the one its last state names (shared by
        // the variants: the last one run), and those the variant's runs made. One variant's reset
        // leaves those that are another variant's current output.
        const othersOutputs = new Set(opts.allVariants ? [] : others.flatMap((v) => v.ids.map((id) => v.views.get(id)?.cacheKey)));
        let deleted = 0;
        for (const v of variants) {
          for (const id of v.ids) {
            const view = v.views.get(id)!;
            const older = [view.state?.cacheKey, ...(made.get(v)?.get(id) ?? [])].filter((key) => !othersOutputs.has(key));
            // A map node's elements are its work: reset with it (as a task's output is).
            for (const key of new Set([view.cacheKey, ...(view.elements ?? []).map((e) => e.cacheKey), ...older])) {
              if (key && prepared.store.deleteOutput(key)) deleted++;
            }
          }
        }
        const elementIds = variants.flatMap((v) => v.ids.flatMap((id) => (v.views.get(id)!.elements ?? []).map((e) => e.id)));
        prepared.store.deleteNodeStates(prepared.target, [...ids, ...elementIds]);
        // Without --all-variants, say how many other variants still have outputs of these nodes.
        const kept = opts.allVariants ? 0 : others.filter((v) => v.ids.some((id) => hasOutput(prepared, v.views.get(id)?.cacheKey))).length;
        const keptNote = kept ? `; ${kept} other param variant${kept === 1 ? " keeps its" : "s keep their"} outputs (--all-variants resets them)` : "";
        process.stdout.write(
          `reset ${nodes} of ${prepared.target}${across} (${deleted} output${deleted === 1 ? "" : "s"} deleted): ${ids.join(", ")}${keptNote}\n`,
        );
        reportProblems(prepared.store);
      },
    );
}

/**
 * The nodes to reset in one param variant and their statuses (computed before anything is
 * deleted); no ids when its graph has no such node. The variant the user named (the defaults or
 * --param) is built as given, and its failures are errors; another one, from past runs, whose
 * params no longer fit the workflow's schema, has nothing to reset (undefined).
 */
function variant(prepared: PreparedFlow, params: Record<string, unknown>, opts: { downstream?: boolean; upstream?: boolean }, fromRuns = false): Variant | undefined {
  const node = prepared.spec.node;
  let graph: Graph;
  try {
    // Reset needs the whole graph (for --downstream), not the node's upstream only.
    [graph] = planGraphs({ ...prepared, spec: { ...prepared.spec, node: undefined } }, [fromRuns ? validateParams(prepared.flow, prepared.name, params) : params]) as [Graph];
  } catch (error) {
    if (!fromRuns || !(error instanceof FlowsmithError)) throw error;
    return undefined;
  }
  const ids =
    node === undefined
      ? [...graph.nodes.keys()]
      : !graph.nodes.has(node)
        ? []
        : [node, ...(opts.downstream ? downstreamOf(graph, [node]) : []), ...(opts.upstream ? upstreamOf(graph, [node]) : [])];
  return { graph, ids, views: computeStatuses(graph, prepared.store, prepared.target, prepared.fingerprints) };
}

function hasOutput(prepared: PreparedFlow, key: string | undefined): boolean {
  return key !== undefined && prepared.store.hasOutput(key);
}
