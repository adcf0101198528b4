/**
 * FS006 non-json-param: a value written into a task input or a sub-flow param that is not JSON
 * (Date, bigint, function, class instance…). A workflow's own params are read with them (params.ts).
 */
import type { ts } from "@ts-morph/common";
import { nonJsonReason } from "../types.js";
import type { CheckContext, CheckRule } from "./rule.js";

export const nonJsonParam: CheckRule = {
  meta: { code: "FS006", name: "non-json-param", severity: "error", syntax: true },
  create: (context) => ({
    taskInput(input) {
      // References (and literals with references nested) are wired, not written as values.
      const kind = input.value?.kind;
      if (input.nested || kind === "ref" || kind === "sub" || kind === "param") return;
      checkJson(context, input.valueNode, input.name, `node ${input.nodeId}`);
    },
    subflowParam(param) {
      if (param.valueNode && !param.value) checkJson(context, param.valueNode, param.name, `sub-flow ${param.workflow.name}`);
    },
  }),
};

function checkJson(context: CheckContext, valueNode: ts.Node, input: string, where: string): void {
  let type: ts.Type;
  try {
    type = context.checker.getTypeAtLocation(valueNode);
  } catch {
    return;
  }
  const reason = nonJsonReason(context.checker, type);
  if (reason) context.report(valueNode, `input "${input}" of ${where} is ${reason}, which is not JSON; inputs are hashed and stored as JSON`);
}
