/** FS002 missing-input: a task call does not pass a required input, or a sub-flow call a required param. */
import { ts } from "@ts-morph/common";
import { typeText } from "../types.js";
import type { CheckRule } from "./rule.js";

export const missingInput: CheckRule = {
  meta: { code: "FS002", name: "missing-input", severity: "error" },
  create: (context) => ({
    taskInputs(call) {
      // A spread (or a whole object) may pass anything: nothing is said.
      if (!call.declared || call.spread) return;
      const missing = [...call.declared.values()].filter((p) => !p.optional && !call.given.has(p.name) && !acceptsUndefined(p.type));
      if (!missing.length) return;
      context.report(
        call.at,
        `node ${call.nodeId} does not pass ${missing.length === 1 ? "input" : "inputs"} ${missing.map((m) => `"${m.name}"`).join(", ")} that task ${call.task.name} needs (${missing.map((m) => `${m.name}: ${typeText(context.checker, m.type)}`).join(", ")})`,
      );
    },
    subflowParams(call) {
      const missing = call.workflow.params.filter((p) => p.required && !call.given.has(p.name));
      if (missing.length) context.report(call.at, `sub-flow ${call.workflow.name} needs param${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m.name}"`).join(", ")}`);
    },
  }),
};

/** Does an input of this type take undefined (so it need not be passed)? Quick fixes ask it too. */
export function acceptsUndefined(type: ts.Type): boolean {
  if (type.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Void)) return true;
  return type.isUnion() && type.types.some((t) => (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) !== 0);
}
