/**
 * Inlay hints in flow files (DESIGN.md, "Editor features"): after each reference wired into an
 * input, the type the edge carries (`rows: cleaned.rows` → `: Row[]`); after each node's call,
 * its last duration from the store (` 2.1 s`). The server asks the client to refresh them when
 * the store or the code changes statuses (server.ts, refreshLenses).
 */
import { InlayHintKind, type InlayHint } from "vscode-languageserver/node";
import { formatDuration, timingDescription } from "@flowsmith/contract";
import type { FlowAnalysis, Position, Range } from "../analysis/index.js";
import { edgeTypes } from "../analysis/edgeTypes.js";
import { uriToPath } from "../convert.js";
import type { EditorFeature } from "./context.js";

const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character < b.character);
const within = (p: Position, r: Range) => !before(p, r.start) && !before(r.end, p);

export function inlayHints(analysis: FlowAnalysis, file: string, range: Range): InlayHint[] {
  const hints: InlayHint[] = [];
  const seen = new Set<string>();
  const add = (hint: InlayHint) => {
    const key = `${hint.position.line}:${hint.position.character}:${String(hint.label)}`;
    if (!within(hint.position, range) || seen.has(key)) return;
    seen.add(key);
    hints.push(hint);
  };
  for (const wf of analysis.analyzeFile(file).workflows) {
    for (const { edge, type } of edgeTypes(analysis, wf, file)) {
      const at = edge.outputRange?.file === file ? edge.outputRange.range.end : edge.inputRange!.range.end;
      add({ position: at, label: `: ${type}`, kind: InlayHintKind.Type, tooltip: `${edge.from}${edge.output ? `.${edge.output}` : ""} → ${edge.to}.${edge.input}: ${type}` });
    }
    const statuses = analysis.statuses(wf);
    for (const node of wf.nodes) {
      if (node.file !== file || node.scope.length) continue;
      const status = statuses.get(node.id);
      const duration = formatDuration(status?.state?.durationMs);
      if (!status || !duration) continue;
      add({
        position: node.range.end,
        label: duration,
        paddingLeft: true,
        tooltip: `node ${node.id}: ${status.status}, last run ${status.state!.runId} ${status.state!.status} (${timingDescription(status.state!.durationMs, status.state!.finishedAt)})`,
      });
    }
  }
  return hints.sort((a, b) => (before(a.position, b.position) ? -1 : before(b.position, a.position) ? 1 : 0));
}

export const inlayHintsFeature: EditorFeature = {
  capabilities: { inlayHintProvider: { resolveProvider: false } },
  register(connection, context) {
    connection.languages.inlayHint.on((params) => {
      const file = uriToPath(params.textDocument.uri);
      const analysis = file && context.analysisOf(file);
      if (!file || !analysis) return [];
      return context.guard("inlay hints", [] as InlayHint[], () => inlayHints(analysis, file, params.range));
    });
  },
};
