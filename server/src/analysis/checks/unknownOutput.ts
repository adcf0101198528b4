/** FS005 unknown-output: a field that the upstream task (or sub-flow) does not produce. */
import { fieldNames } from "../types.js";
import { didYouMeanHint } from "../words.js";
import type { CheckRule } from "./rule.js";

export const unknownOutput: CheckRule = {
  meta: { code: "FS005", name: "unknown-output", severity: "error" },
  create: (context) => ({
    unknownOutput(read) {
      const of = read.of;
      if (of.kind === "sub") {
        // A sub-flow whose returns the walk could not read: nothing to compare with.
        if (of.outputs.size === 0) return;
        const have = [...of.outputs.keys()];
        context.report(read.at, `sub-flow ${of.workflow} has no output "${read.name}"${didYouMeanHint(read.name, have)}; it returns ${have.join(", ")}`);
        return;
      }
      const have = of.fields ? [...of.fields.keys()] : of.type ? fieldNames(context.checker, of.type) : [];
      const where = [of.node, ...of.path].join(".");
      context.report(read.at, `${where} has no output "${read.name}"${didYouMeanHint(read.name, have)}${have.length ? `; ${of.path.length ? "it has" : of.fields ? `node ${of.node} produces` : `task ${of.task} produces`} ${have.join(", ")}` : ""}`);
    },
  }),
};
