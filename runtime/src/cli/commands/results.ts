import type { Command } from "commander";
import { storeOption } from "../options.js";
import { openStore, reportProblems } from "../common.js";
import { nodeLabeller } from "../format.js";
import { type NodeRecord, parseVariantAddress, type RunRecord, selectVariants, targetLabel, variantLabel, variantNames } from "@flowsmith/contract";
import { FlowsmithError, hint } from "../../util/errors.js";

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

export function registerResults(program: Command): void {
  program
    .command("results")
    .description(
      "a run's outputs as JSON (the workflow's outputs, or one node's with --node); a matrix run's are an object keyed by variant, e.g. \"pipeline[doPreprocess=false]\"",
    )
    .argument("<runId>", "the run id")
    .option("--node <id>", "one node's output; in a matrix run one variant's with train[doPreprocess=false] or train[1], every variant's with train")
    .addOption(storeOption())
    .action((runId: string, opts: { node?: string; store?: string }) => {
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
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      reportProblems(store);
    });
}
