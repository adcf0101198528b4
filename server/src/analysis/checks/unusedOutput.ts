/** FS010 unused-output: a node (or sub-flow) whose outputs nothing uses and the workflow does not return (hint). */
import type { CheckRule } from "./rule.js";

export const unusedOutput: CheckRule = {
  meta: { code: "FS010", name: "unused-output", severity: "hint", unnecessary: true, syntax: true },
  create: (context) => ({
    end() {
      const { nodes, used, effectOnly, callOf, subflows, usedSubflows } = context.walked;
      // The workflow's own nodes; a `~` id is a duplicate FS007 reports already.
      for (const node of nodes) {
        if (node.scope.length === 0 && !used.has(node.id) && !node.id.includes("~") && !effectOnly.has(node.id)) {
          context.report(callOf.get(node.id)!, `node ${node.id}: nothing uses its outputs and the workflow does not return them`);
        }
      }
      for (const [id, sub] of subflows) {
        if (sub.nodes.length && !usedSubflows.has(id) && !sub.nodes.some((n) => used.has(n))) {
          context.report(sub.call, `sub-flow ${id}: nothing uses its outputs and the workflow does not return them`);
        }
      }
    },
  }),
};
