/**
 * What a call in a workflow body takes: a task's inputs (its function's first parameter) or a
 * sub-flow's params (its body's params, read through the SDK's `Ref<T>` brand), each with its type,
 * whether it may be left out and its doc comment; and the node id the call makes. Completion and
 * FS002's quick fix ask it; it is what FS002 checks.
 */
import { ts } from "@ts-morph/common";
import { acceptsUndefined } from "./checks/missingInput.js";
import { referencedType } from "./scope.js";
import type { WorkflowSite } from "./site.js";
import { safe } from "./syntax.js";
import { taskInputProps } from "./types.js";

export interface DeclaredInput {
  name: string;
  /** Undefined when the checker cannot tell. */
  type?: ts.Type;
  /** May be left out (optional, takes undefined, or a param with a default). */
  optional: boolean;
  documentation?: string;
}

export interface CallTarget {
  kind: "task" | "workflow";
  /** The node id the call makes (a sub-flow's id in this body). */
  node: string;
  /** The task's or workflow's name. */
  name: string;
  inputs: DeclaredInput[];
}

/** The task or sub-flow a call of the site's body makes a node of, with what it takes; undefined for any other call. */
export function callTarget(site: WorkflowSite, call: ts.CallExpression): CallTarget | undefined {
  const { checker, walked } = site;
  const def = site.resolve(call.expression);
  const fn = def?.fn;
  if (!def || !fn) return undefined;
  const doc = (type: ts.Type | undefined, name: string) => (type ? safe(() => ts.displayPartsToString(checker.getPropertyOfType(type, name)?.getDocumentationComment(checker))) || undefined : undefined);
  const paramType = safe(() => (fn.parameters[0] ? checker.getTypeAtLocation(fn.parameters[0]) : undefined));
  if (def.kind === "task") {
    const node = [...walked.callOf].find(([, c]) => c === call)?.[0];
    const declared = safe(() => taskInputProps(checker, fn));
    if (!node || !declared) return undefined;
    const inputs = [...declared.values()].map((p) => {
      const documentation = doc(paramType, p.name);
      return { name: p.name, type: p.type, optional: p.optional || acceptsUndefined(p.type), ...(documentation ? { documentation } : {}) };
    });
    return { kind: "task", node, name: def.name, inputs };
  }
  const node = [...walked.subflows].find(([, s]) => s.call === call)?.[0];
  if (!node) return undefined;
  const inputs = def.params.map((p) => {
    const prop = paramType ? safe(() => checker.getPropertyOfType(paramType, p.name)) : undefined;
    const type = prop ? safe(() => referencedType(checker, checker.getTypeOfSymbol(prop))) : undefined;
    const documentation = doc(paramType, p.name);
    return { name: p.name, ...(type ? { type } : {}), optional: !p.required, ...(documentation ? { documentation } : {}) };
  });
  return { kind: "workflow", node, name: def.name, inputs };
}
