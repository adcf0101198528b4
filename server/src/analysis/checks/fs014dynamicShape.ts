/**
 * FS014 dynamic-shape: a map(), each(), when() or asset() the engine would refuse when it builds the
 * graph (DESIGN "Dynamic shapes"): a map without exactly one each(), each() over something that is
 * not a list, a when() test that is not a constant, branches yielding different output names,
 * `.is()` after `.otherwise()`, a when() chain never closed, an asset() path that is not a string.
 */
import { ts } from "@ts-morph/common";
import { elementType, isAnyLike, typeText } from "../types.js";
import type { DynamicProblem } from "../walk/model.js";
import type { CheckRule } from "./rule.js";

export const dynamicShape: CheckRule = {
  meta: { code: "FS014", name: "dynamic-shape", severity: "error" },
  create: (context) => ({
    dynamicShape(fact) {
      const message = messageOf(context.checker, fact.problem, fact.at);
      if (message) context.report(fact.at, message);
    },
  }),
};

function messageOf(checker: ts.TypeChecker, p: DynamicProblem, at: ts.Node): string | undefined {
  switch (p.kind) {
    case "eachCount":
      return p.count === 0
        ? `map node ${p.node} has no each() input: wrap exactly one input in each() — the list it maps over (the others are shared by every element)`
        : `map node ${p.node} has ${p.count} each() inputs: a map maps over exactly one list; pass the others as shared inputs, or map over a list of records`;
    case "eachOutside":
      return "each() marks the list a map() maps over and means nothing elsewhere: use it as one input of map(task, { input: each(list) })";
    case "eachOver": {
      if (p.literal && !p.type) return `each() in map node ${p.node} (input "${p.input}") is given no list`;
      const t = p.type;
      if (!t || isAnyLike(t) || t.flags & ts.TypeFlags.TypeParameter) return undefined;
      if (elementType(checker, t)) return undefined;
      if (t.isUnion() && t.types.every((u) => elementType(checker, u) || u.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null))) return undefined;
      return `each() in map node ${p.node} (input "${p.input}") is given ${typeText(checker, t, at)}, which is not a list: a map maps over a list (T[])`;
    }
    case "mapTask":
      return "map() maps a task: its first argument must be a task (const t = task(...)), not another function or value";
    case "whenTest":
      return `the test of when node ${p.when} is not a constant: .is() compares the subject with a constant (a string, number, boolean or null), { eq | ne | gt | gte | lt | lte: constant } or { in: [constants] }; to compare with a computed value, compute the choice in a task and choose on its output`;
    case "whenBranchOutputs":
      return `branch ${p.label} of when node ${p.when} yields ${list(p.got)}, but branch ${p.firstLabel} yields ${list(p.expected)}: every branch must yield the same output names`;
    case "whenAfterOtherwise":
      return `.${at.getText()}() after .otherwise() in when node ${p.when}: .otherwise() is the last branch and closes the chain`;
    case "whenOpen":
      return `when node ${p.when} is never closed: end the chain with .otherwise(branch) or .end() (no default: no matching branch fails the node)`;
    case "whenBranchNotFunction":
      return `a branch of when node ${p.when} must be a function returning the branch's outputs: () => ({ name: ref, … })`;
    case "assetPath":
      return "asset() takes the workspace-relative path of a file or directory as a string literal (asset(\"data/raw\")): the editor and the store must know it without running code";
  }
}

function list(names: string[]): string {
  return names.length ? names.join(", ") : "no outputs";
}
