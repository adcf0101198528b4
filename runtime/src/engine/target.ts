/** Resolving `FILE#workflow[:node]` targets against loaded flow files (the syntax is the contract's). */
import * as path from "node:path";
import { parseTarget as parseTargetText, TargetSyntaxError, type TargetSpec } from "@flowsmith/contract";
import { FlowsmithError, hint } from "../util/errors.js";
import type { LoadedFlows } from "../loader/load.js";
import type { WorkflowImpl } from "../sdk/workflow.js";

export type { TargetSpec };

/** `FILE#workflow[:node]` → its parts (the contract's reading); a bad one is a one-line FlowsmithError. */
export function parseTarget(text: string): TargetSpec {
  try {
    return parseTargetText(text);
  } catch (error) {
    if (error instanceof TargetSyntaxError) throw new FlowsmithError(error.message);
    throw error;
  }
}

/** The canonical form stored in records: the file relative to the workspace root, with `/`. */
export function canonicalTarget(root: string, file: string, workflow: string): string {
  const rel = path.relative(root, path.resolve(file)).split(path.sep).join("/");
  return `${rel}#${workflow}`;
}

/**
 * The workflow a target names in a loaded file, and the name its records are kept under. A
 * workflow the file exports under several names (`export const main = workflow(...); export
 * default main;`) is one workflow: `FILE` alone picks it, and `FILE#default` runs it as
 * `FILE#main`, the name the editor lists it by (a named export wins over `default`).
 */
export function pickWorkflow(flows: LoadedFlows, spec: TargetSpec, shown: string): { name: string; flow: WorkflowImpl } {
  const names = [...flows.workflows.keys()];
  // One name per workflow: the first that is not `default`, else `default`.
  const primary = new Map<WorkflowImpl, string>();
  for (const [name, flow] of flows.workflows) {
    if (!primary.has(flow) || primary.get(flow) === "default") primary.set(flow, name);
  }
  const distinct = [...new Set(primary.values())];
  if (spec.workflow === undefined) {
    if (primary.size === 1) {
      const [flow, name] = [...primary][0]!;
      return { name, flow };
    }
    throw new FlowsmithError(
      names.length === 0
        ? `${shown} exports no workflow`
        : `${shown} exports several workflows (${distinct.join(", ")}); name one: ${shown}#${distinct[0]}`,
    );
  }
  const flow = flows.workflows.get(spec.workflow);
  if (!flow) {
    throw new FlowsmithError(
      `${shown} has no exported workflow "${spec.workflow}"${hint(spec.workflow, names)}` +
        (names.length ? `; it exports ${names.join(", ")}` : "; it exports no workflow"),
    );
  }
  return { name: primary.get(flow)!, flow };
}
