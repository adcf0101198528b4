import type { Command } from "commander";
import { storeOption } from "../main.js";
import { openStore, reportProblems } from "../common.js";
import { FlowsmithError, hint } from "../../util/errors.js";

export function registerResults(program: Command): void {
  program
    .command("results")
    .description("a run's outputs as JSON (the workflow's outputs, or one node's with --node)")
    .argument("<runId>", "the run id")
    .option("--node <id>", "one node's output")
    .addOption(storeOption())
    .action((runId: string, opts: { node?: string; store?: string }) => {
      const store = openStore(opts);
      const run = store.readRun(runId);
      if (!run) throw new FlowsmithError(`no run ${runId}`);
      let value: unknown;
      if (opts.node !== undefined) {
        const records = run.nodes.filter((n) => n.id === opts.node);
        if (!records.length) {
          throw new FlowsmithError(`run ${runId} has no node "${opts.node}"${hint(opts.node, run.nodes.map((n) => n.id))}`);
        }
        const values = records.map((r) => {
          if (r.status !== "complete" || !r.cacheKey) throw new FlowsmithError(`node ${r.id} did not complete in run ${runId} (${r.status})`, undefined, 1);
          const out = store.readOutput(r.cacheKey);
          if (!out) {
            reportProblems(store);
            throw new FlowsmithError(
              store.problems.length ? `the output of node ${r.id} is unreadable (see the warning above); run the workflow again to recompute it` : `the output of node ${r.id} is no longer in the store (reset since?)`,
              undefined,
              1,
            );
          }
          return out.value;
        });
        value = values.length === 1 ? values[0] : values;
      } else {
        if (!run.outputs) throw new FlowsmithError(`run ${runId} has no outputs (${run.status}); see --node for single nodes`, undefined, 1);
        value = run.outputs.length === 1 ? run.outputs[0] : run.outputs;
      }
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      reportProblems(store);
    });
}
