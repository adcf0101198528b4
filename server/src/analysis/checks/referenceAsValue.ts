/**
 * FS004 reference-as-value: a reference (a node's output, a param, a sub-flow's outputs) is branched
 * on, compared, computed with, awaited, iterated or spread in a workflow body — or the body is async
 * or awaits: a body only wires tasks, and runs before any of them.
 */
import type { CheckRule } from "./rule.js";

export const referenceAsValue: CheckRule = {
  meta: { code: "FS004", name: "reference-as-value", severity: "error", syntax: true },
  create: (context) => ({
    asyncBody(body) {
      context.report(body.at, `workflow ${body.workflow}'s body is async: a body only wires tasks and runs before any of them — remove async/await`);
    },
    await(use) {
      context.report(use.at, "await in a workflow body: the body only wires tasks and runs before any of them — await inside a task");
    },
    referenceAsValue(use) {
      const v = use.value;
      if (v.kind === "param") {
        context.report(use.at, `the param ${v.name} is ${use.how} in workflow ${v.workflow}'s body; params are references while the graph is built, like task outputs (the graph must not depend on their values) — pass it to a task input and do this inside the task`);
        return;
      }
      const what = v.kind === "ref" ? `the reference ${[v.node, ...v.path].join(".")}` : `the outputs of sub-flow ${v.workflow}`;
      context.report(use.at, `${what} is ${use.how} in a workflow body; it is not a value until the node runs — pass it to a task input and do this inside the task`);
    },
  }),
};
