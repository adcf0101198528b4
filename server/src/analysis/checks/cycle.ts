/** FS008 cycle: a cycle through sub-flows. */
import type { WorkflowDef } from "../definitions.js";
import type { CheckRule } from "./rule.js";

export const cycle: CheckRule = {
  meta: { code: "FS008", name: "cycle", severity: "error" },
  create: (context) => ({
    cycle(found) {
      const workflows = found.cycle;
      const again = workflows[workflows.length - 1]!;
      context.report(found.at, `workflow ${cycleName(again, workflows)} calls itself through ${workflows.map((d) => cycleName(d, workflows)).join(" → ")}; sub-flows must not form a cycle`);
    },
  }),
};

/** A workflow's name in a cycle message; `file.ts#name` when two workflows of the cycle share a name (as the engine says it). */
function cycleName(def: WorkflowDef, cycle: WorkflowDef[]): string {
  const twin = cycle.some((d) => d.call !== def.call && d.name === def.name);
  return twin ? `${def.file.replace(/^.*[\\/]/, "")}#${def.name}` : def.name;
}
