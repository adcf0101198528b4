import type { Command } from "commander";
import * as path from "node:path";
import { resultsDbOption, storeOption } from "../options.js";
import { openStore, reportProblems } from "../common.js";
import { nodeLabeller } from "../format.js";
import { canonicalTarget } from "../../engine/target.js";
import { findWorkspaceRoot, resolveStoreDir } from "../../store/location.js";
import { openResultsDb, resultsDbUrl } from "../../results/index.js";
import { printResults } from "../../results/listing.js";
import { type NodeRecord, parseVariantAddress, type RunRecord, selectVariants, targetLabel, variantLabel, variantNames } from "@flowsmith/contract";
import { FlowsmithError, hint } from "../../util/errors.js";
import { showFlowFiles } from "../../store/blobs.js";

/**
 * The records `--node` names: a node id (every variant of it in a matrix run), or one variant of it
 * as the log names it, `train[doPreprocess=false]`, or by index, `train[1]` (engine/variants.ts).
 */
function selectNodes(run: RunRecord, address: string): NodeRecord[] {
  const exact = run.nodes.filter((n) => n.id === address);
  if (exact.length) return exact;
  const { id, selector } = parseVariantAddress(address);
  const ofNode = selector === undefined ? [] : run.nodes.filter((n) => n.id === id);
  if (!ofNode.length) {
    const ids = [...new Set(run.nodes.map((n) => n.id))];
    throw new FlowsmithError(`run ${run.id} has no node "${selector === undefined ? address : id}"${hint(selector === undefined ? address : id, ids)}`);
  }
  const chosen = selectVariants(selector!, run.paramSets);
  if (typeof chosen === "string") throw new FlowsmithError(`--node "${address}": ${chosen}`);
  const records = ofNode.filter((r) => chosen.includes(r.variant ?? 0));
  if (!records.length) {
    const label = nodeLabeller(run.paramSets);
    throw new FlowsmithError(`run ${run.id} has no variant of ${id} with ${selector}; its variants are ${ofNode.map(label).join(", ")}`);
  }
  return records;
}

interface ResultsOptions {
  node?: string;
  store?: string;
  flow?: string;
  composition?: string;
  limit?: string;
  format?: string;
  resultsDb?: string;
}

/** `--composition FILE#NAME` as compositions are recorded: the file relative to the workspace root. */
function compositionTarget(text: string, root: string): string {
  const hash = text.lastIndexOf("#");
  if (hash <= 0 || hash === text.length - 1) throw new FlowsmithError(`--composition must be FILE#NAME (e.g. pipelines/nightly.flows.yaml#nightly), got "${text}"`);
  return canonicalTarget(root, path.resolve(text.slice(0, hash)), text.slice(hash + 1));
}

/** `results --flow F [--node N]`: what db mappings recorded in the results database. */
async function recordedResults(opts: ResultsOptions & { flow: string }): Promise<void> {
  const root = findWorkspaceRoot(process.cwd());
  const composition = opts.composition === undefined ? undefined : compositionTarget(opts.composition, root);
  const db = await openResultsDb({ url: resultsDbUrl(opts.resultsDb), storeDir: resolveStoreDir(root, opts.store) });
  try {
    await printResults(db, { ...opts, composition }, (text) => process.stdout.write(text));
  } finally {
    await db.close();
  }
}

export function registerResults(program: Command): void {
  program
    .command("results")
    .description(
      "a run's outputs as JSON (the workflow's outputs, or one node's with --node); a matrix run's are an object keyed by variant, e.g. \"pipeline[doPreprocess=false]\". " +
        "With --flow instead of a run id: what db mappings of compositions recorded in the results database, newest first",
    )
    .argument("[runId]", "the run id")
    .option("--node <id>", "one node's output; in a matrix run one variant's with train[doPreprocess=false] or train[1], every variant's with train")
    .option("--flow <name>", "a composing flow's name: list what its nodes recorded in the results database (db mappings)")
    .option("--composition <target>", "with --flow: only the records of one composition, FILE#NAME")
    .option("--limit <n>", "with --flow: at most this many records (default 100)")
    .option("--format <format>", "with --flow: table or json", undefined)
    .addOption(resultsDbOption())
    .addOption(storeOption())
    .action(async (runId: string | undefined, opts: ResultsOptions) => {
      if (runId !== undefined && opts.flow !== undefined) throw new FlowsmithError(`give a run id or --flow, not both (results ${runId} lists a run's outputs; results --flow F --node N what the results database recorded)`);
      if (opts.flow !== undefined) return recordedResults({ ...opts, flow: opts.flow });
      if (runId === undefined) throw new FlowsmithError("flowsmith results needs a run id (results RUN_ID [--node ID]) or a composing flow (results --flow F --node N)");
      const onlyForFlow = (["composition", "limit", "format", "resultsDb"] as const).filter((k) => opts[k] !== undefined && !(k === "format" && opts.format === "json"));
      if (onlyForFlow.length) {
        const flag = onlyForFlow.map((k) => `--${k === "resultsDb" ? "results-db" : k}`).join(", ");
        throw new FlowsmithError(`${flag} ${onlyForFlow.length > 1 ? "go" : "goes"} with --flow (the results database), not with a run id`);
      }
      const store = openStore(opts);
      const run = store.readRun(runId);
      if (!run) throw new FlowsmithError(`no run ${runId}`);
      const names = variantNames(run.paramSets);
      let value: unknown;
      if (opts.node !== undefined) {
        const records = selectNodes(run, opts.node);
        const label = nodeLabeller(run.paramSets);
        const values = records.map((r) => {
          if (r.status !== "complete" || !r.cacheKey) throw new FlowsmithError(`node ${label(r)} did not complete in run ${runId} (${r.status})`, undefined, 1);
          const out = store.readOutput(r.cacheKey);
          if (!out) {
            reportProblems(store);
            throw new FlowsmithError(
              store.problems.length ? `the output of node ${label(r)} is unreadable (see the warning above); run the workflow again to recompute it` : `the output of node ${label(r)} is no longer in the store (reset since?)`,
              undefined,
              1,
            );
          }
          return out.value;
        });
        // One node of one variant: its output as it is; several variants: keyed by their labels.
        value = records.length === 1 ? values[0] : Object.fromEntries(records.map((r, i) => [label(r), values[i]]));
      } else {
        if (!run.outputs) throw new FlowsmithError(`run ${runId} has no outputs (${run.status}); see --node for single nodes`, undefined, 1);
        const workflow = targetLabel(run.target);
        value = run.outputs.length === 1 ? run.outputs[0] : Object.fromEntries(run.outputs.map((o, i) => [variantLabel(workflow, i, names), o]));
      }
      // A file an output holds (file()) is shown with the path of its stored copy.
      process.stdout.write(`${JSON.stringify(showFlowFiles(value, store.dir), null, 2)}\n`);
      reportProblems(store);
    });
}
