/**
 * The target syntax every layer reads and writes: `FILE#workflow`, and `FILE#workflow:node` for one
 * node and its upstream (DESIGN.md, "CLI contract"). Resolving a target against loaded code is the
 * runtime's; this is the text alone.
 */

export interface TargetSpec {
  file: string;
  workflow?: string;
  node?: string;
}

/** A target that cannot be read; its message names what is wrong, for one clear line. */
export class TargetSyntaxError extends Error {
  override readonly name = "TargetSyntaxError";
}

const NAME = /^[A-Za-z_$][\w$]*$/;

/** `FILE#workflow[:node]` → its parts. A file alone (no `#`) is allowed: the file's one workflow. */
export function parseTarget(text: string): TargetSpec {
  if (!text) throw new TargetSyntaxError("a target is needed: FILE#workflow or FILE#workflow:node");
  // The workflow follows the first `#` that is followed by a name; node ids may hold `#` (`clean#2`).
  const m = /^(.+?)#([A-Za-z_$][\w$]*)(?::(.+))?$/.exec(text);
  if (m) return { file: m[1]!, workflow: m[2]!, ...(m[3] !== undefined ? { node: m[3] } : {}) };
  const hash = text.lastIndexOf("#");
  if (hash < 0) return { file: text };
  const file = text.slice(0, hash);
  const rest = text.slice(hash + 1);
  const colon = rest.indexOf(":");
  const workflow = colon < 0 ? rest : rest.slice(0, colon);
  const node = colon < 0 ? undefined : rest.slice(colon + 1);
  if (!file) throw new TargetSyntaxError(`target "${text}" has no file before #`);
  if (!NAME.test(workflow)) throw new TargetSyntaxError(`target "${text}": "${workflow}" is not a workflow name`);
  if (node !== undefined && !node) throw new TargetSyntaxError(`target "${text}" has no node after :`);
  return { file, workflow, ...(node !== undefined ? { node } : {}) };
}

/** `FILE#workflow[:node]` from its parts. */
export function formatTarget(spec: TargetSpec): string {
  return `${spec.file}${spec.workflow !== undefined ? `#${spec.workflow}` : ""}${spec.node !== undefined ? `:${spec.node}` : ""}`;
}

/** `a.ts#wf:node` → `{ target: "a.ts#wf", node: "node" }`; a text that is not a target → undefined. */
export function splitNodeTarget(text: string): { target: string; node?: string } | undefined {
  let spec: TargetSpec;
  try {
    spec = parseTarget(text);
  } catch {
    return undefined;
  }
  if (spec.workflow === undefined) return undefined;
  const target = formatTarget({ file: spec.file, workflow: spec.workflow });
  return spec.node !== undefined ? { target, node: spec.node } : { target };
}

/** `pipeline/flow.ts#pipeline` → `pipeline`; `a.ts#wf:node` → `wf:node` (what a view shows). */
export function targetLabel(target: string): string {
  const hash = target.lastIndexOf("#");
  return hash >= 0 ? target.slice(hash + 1) : target;
}

/** `pipeline/flow.ts#pipeline` → `pipeline/flow.ts`. */
export function targetFile(target: string): string {
  const hash = target.lastIndexOf("#");
  return hash >= 0 ? target.slice(0, hash) : target;
}
