/**
 * A workflow's graph and its diagnostics: the body is walked once into the graph and the facts
 * about it (walk/), every check reads that walk and reports (checks/), and nothing is said about a
 * workflow built from the parser's guess at broken code (FS000, syntaxErrors.ts).
 */
import { runChecks } from "./checks/index.js";
import type { WorkflowDef } from "./definitions.js";
import type { FlowDiagnostic, WorkflowInfo } from "./model.js";
import { gateOnSyntax } from "./syntaxErrors.js";
import { walkWorkflow } from "./walk/calls.js";
import type { GraphHost } from "./walk/model.js";

export type { GraphHost } from "./walk/model.js";

export type WorkflowGraph = Pick<WorkflowInfo, "nodes" | "edges"> & { diagnostics: FlowDiagnostic[] };

export function workflowGraph(host: GraphHost, def: WorkflowDef): WorkflowGraph {
  const walked = walkWorkflow(host, def);
  const diagnostics = runChecks(walked, host.checker);
  return { nodes: walked.nodes, edges: walked.edges, diagnostics: gateOnSyntax(def.call, walked.usedDefinitions, diagnostics) };
}
