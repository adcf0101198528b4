/** FS003 type-mismatch: an upstream output's type does not fit the input it is wired to (names both ends and both types). */
import { fits, typeText } from "../types.js";
import { isRef } from "../walk/model.js";
import type { CheckRule } from "./rule.js";

export const typeMismatch: CheckRule = {
  meta: { code: "FS003", name: "type-mismatch", severity: "error" },
  create: (context) => ({
    taskInput(input) {
      const checker = context.checker;
      const prop = input.declared?.get(input.name);
      const v = input.value;
      if (!isRef(v) || !prop || !v.type || fits(checker, v.type, prop.type)) return;
      const at = input.valueNode;
      const from = [v.node, ...v.path].join(".");
      context.report(at, `${from} is ${typeText(checker, v.type, at)}, but input "${prop.name}" of node ${input.nodeId} (task ${input.task.name}) expects ${typeText(checker, prop.type, at)}`);
    },
  }),
};
