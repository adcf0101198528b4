/**
 * Every workflow of the workspace, across all folders' analyses, each once (a file in a folder
 * nested in another is its innermost folder's): what rename and find references go through.
 */
import type { FlowAnalysis, WorkflowInfo } from "../analysis/index.js";
import { uriToPath } from "../convert.js";
import type { EditorContext } from "./context.js";

export interface WorkspaceWorkflow {
  analysis: FlowAnalysis;
  workflow: WorkflowInfo;
}

/** Flow files on disk and open documents (a new file not saved yet is a flow file too). */
export function everyFlowFile(context: EditorContext): { analysis: FlowAnalysis; file: string }[] {
  const out: { analysis: FlowAnalysis; file: string }[] = [];
  const seen = new Set<string>();
  const open = context.documents.all().map((d) => uriToPath(d.uri)).filter((f): f is string => !!f);
  for (const analysis of context.analyses()) {
    for (const file of [...analysis.flowFiles(), ...open]) {
      if (seen.has(file) || context.analysisOf(file) !== analysis) continue;
      seen.add(file);
      out.push({ analysis, file });
    }
  }
  return out;
}

export function everyWorkflow(context: EditorContext): WorkspaceWorkflow[] {
  return everyFlowFile(context).flatMap(({ analysis, file }) => analysis.analyzeFile(file).workflows.map((workflow) => ({ analysis, workflow })));
}
