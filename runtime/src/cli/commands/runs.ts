import type { Command } from "commander";
import { storeOption } from "../options.js";
import { openStore, reportProblems } from "../common.js";
import { runsTable } from "../format.js";
import { FlowsmithError } from "../../util/errors.js";

export function registerRuns(program: Command): void {
  program
    .command("runs")
    .description("run history: id, target, status, started, duration (newest first)")
    .option("-n, --limit <n>", "how many runs", "20")
    .option("--format <format>", "text or json", "text")
    .addOption(storeOption())
    .action((opts: { limit: string; format: string; store?: string }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new FlowsmithError(`--limit must be a whole number ≥ 1, got "${opts.limit}"`);
      const store = openStore(opts);
      const runs = store.listRuns().slice(0, limit);
      if (opts.format === "json") {
        process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
      } else {
        process.stdout.write(runs.length ? `${runsTable(runs)}\n` : "no runs yet\n");
      }
      reportProblems(store);
    });
}
