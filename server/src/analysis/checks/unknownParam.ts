/** FS011 unknown-param: a sub-flow call passes a param the sub-flow does not declare. */
import { didYouMeanHint } from "../words.js";
import type { CheckRule } from "./rule.js";

export const unknownParam: CheckRule = {
  meta: { code: "FS011", name: "unknown-param", severity: "error" },
  create: (context) => ({
    subflowParam(param) {
      const known = [...new Set(param.workflow.params.map((p) => p.name))];
      if (!known.length || known.includes(param.name)) return;
      context.report(param.at, `sub-flow ${param.workflow.name} has no param "${param.name}"${didYouMeanHint(param.name, known)}; its params are ${known.join(", ")}`);
    },
  }),
};
