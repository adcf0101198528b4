/**
 * FS007 duplicate-node: two nodes with the same id in one workflow (or an alias no id can have), or
 * two different tasks with the same name in one workflow — or in one flow file (sameNameTask, which
 * the analysis asks while it lists a file's definitions).
 */
import type { ts } from "@ts-morph/common";
import type { FlowDiagnostic } from "../model.js";
import { rangeOf } from "../ranges.js";
import type { CheckRule } from "./rule.js";

/** What a node alias may be (as the engine checks it). */
const ID_PATTERN = /^[A-Za-z_][\w.-]*$/;

export const duplicateNode: CheckRule = {
  meta: { code: "FS007", name: "duplicate-node", severity: "error", syntax: true },
  create: (context) => {
    /** The task definition each name was last seen for, sub-flows included. */
    const taskByName = new Map<string, ts.CallExpression>();
    return {
      taskCall(call) {
        const other = taskByName.get(call.task.name);
        if (other && other !== call.task.call && !call.inSubflow) {
          context.report(call.at, `two different tasks are named "${call.task.name}" in this workflow; give one of them another name`);
        }
        taskByName.set(call.task.name, call.task.call);
      },
      alias(alias) {
        if (!ID_PATTERN.test(alias.alias)) context.report(alias.at, `node alias "${alias.alias}" must start with a letter or _ and use only letters, digits, _ . -`);
      },
      duplicateId(dup) {
        context.report(dup.at, `two nodes have the id "${dup.id}" in this workflow; ${dup.aliased ? "give one of them another alias" : 'give this call an alias with { as: "..." }'}`);
      },
    };
  },
};

/** FS007 on `task`, a definition in the same flow file as `other` with the same name. */
export function sameNameTask(name: string, task: ts.Node, other: ts.Node): FlowDiagnostic {
  return {
    file: task.getSourceFile().fileName,
    range: rangeOf(task),
    severity: duplicateNode.meta.severity,
    code: duplicateNode.meta.code,
    message: `two tasks are named "${name}" in this file (the other is on line ${rangeOf(other).start.line + 1}); give one of them another name`,
  };
}
