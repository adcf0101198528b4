/** FS001 unknown-input: a task call passes an input the task does not declare (did-you-mean when close). */
import { didYouMeanHint } from "../words.js";
import type { CheckRule } from "./rule.js";

export const unknownInput: CheckRule = {
  meta: { code: "FS001", name: "unknown-input", severity: "error" },
  create: (context) => ({
    taskInput(input) {
      if (!input.declared || input.declared.has(input.name)) return;
      const names = [...input.declared.keys()];
      context.report(input.at, `task ${input.task.name} has no input "${input.name}"${didYouMeanHint(input.name, names)}${names.length ? `; its inputs are ${names.join(", ")}` : "; it takes no inputs"}`);
    },
  }),
};
