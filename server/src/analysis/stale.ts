/**
 * FS012 (information): nodes of a file's workflows that are stale — their code changed since their
 * output was made. From the workflows (plain data) and the store's statuses only, without
 * TypeScript: the analysis asks it for every file, and `flowsmith check` asks it of results it
 * kept from an earlier check (cli/checkCache.ts) without loading the analysis.
 */
import type { StaticStatus } from "../../../runtime/src/engine/lastRunStatus.js";
import type { FlowDiagnostic, WorkflowInfo } from "./model.js";

export function staleDiagnosticsOf(analysis: { file: string; workflows: readonly WorkflowInfo[] }, statusesOf: (wf: WorkflowInfo) => Map<string, StaticStatus>): FlowDiagnostic[] {
  const out: FlowDiagnostic[] = [];
  for (const wf of analysis.workflows) {
    const statuses = statusesOf(wf);
    for (const node of wf.nodes) {
      if (node.file !== analysis.file || statuses.get(node.id)?.status !== "stale") continue;
      const state = statuses.get(node.id)?.state;
      const own = state && state.fingerprint !== node.fingerprint;
      const reason = (statuses.get(node.id) as { reason?: string } | undefined)?.reason;
      out.push({
        file: analysis.file,
        range: node.range,
        severity: "information",
        code: "FS012",
        message: reason
          ? `node ${node.id} is stale: ${reason}; it will run again`
          : own
          ? `node ${node.id} is stale: task ${node.task}'s code changed since its output was made${state?.finishedAt ? ` (${state.finishedAt})` : ""}; it will run again`
          : `node ${node.id} is stale: code upstream of it changed since its output was made; it will run again`,
      });
    }
  }
  return out;
}
