/**
 * Rename of a flow-level name (DESIGN.md, "Editor features"): a task's or workflow's `name`
 * string, or a node's alias (`{ as: "…" }`). Node ids come from those names, so the node ids
 * change with them in every workflow of the workspace; the rename is refused when that would leave
 * two tasks with one name or two nodes with one id. A task's or workflow's variable is TypeScript's
 * own symbol: prepareRename answers null on identifiers, so an editor falls back to TypeScript's
 * rename (docs/decisions.md, "Rename").
 */
import { LSPErrorCodes, ResponseError, type TextEdit, type WorkspaceEdit } from "vscode-languageserver/node";
import { flowNameAt } from "../analysis/symbols.js";
import { pathToUri, uriToPath } from "../convert.js";
import type { EditorContext, EditorFeature } from "./context.js";
import { renameParticipants } from "./renameParticipants.js";
import { planRename } from "./renamePlan.js";

function refuse(message: string): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestFailed, message);
}

export function renameEdit(context: EditorContext, file: string, position: { line: number; character: number }, newName: string): WorkspaceEdit | ResponseError<void> | null {
  const analysis = context.analysisOf(file);
  const at = analysis && flowNameAt(analysis, file, position);
  if (!at) return refuse("Flowsmith renames a task's or workflow's name string or a node alias (`as`); there is none here");
  const plan = planRename(context, at, newName.trim());
  if (typeof plan === "string") return refuse(plan);
  const changes: Record<string, TextEdit[]> = {};
  for (const participant of renameParticipants) {
    const why = participant.check?.(plan, context);
    if (why) return refuse(why);
    for (const edit of participant.edits(plan, context)) {
      (changes[pathToUri(edit.file)] ??= []).push({ range: edit.range, newText: edit.newText });
    }
  }
  if (plan.nodeIds.length) context.log(`rename ${plan.kind} ${plan.from} → ${plan.to}: node ids ${plan.nodeIds.map((c) => `${c.target} ${c.from}→${c.to}`).join(", ")}`);
  return { changes };
}

export const rename: EditorFeature = {
  capabilities: { renameProvider: { prepareProvider: true } },
  register(connection, context) {
    connection.onPrepareRename((params) => {
      const file = uriToPath(params.textDocument.uri);
      const analysis = file && context.analysisOf(file);
      if (!file || !analysis) return null;
      return context.guard("prepare rename", null, () => {
        const at = flowNameAt(analysis, file, params.position);
        if (at?.kind === "alias") return { range: at.range, placeholder: at.alias };
        // Identifiers are TypeScript's: null lets the editor ask TypeScript's rename instead.
        if (at?.kind === "definition" && at.via === "nameString") return { range: at.range, placeholder: at.definition.idName };
        return null;
      });
    });
    connection.onRenameRequest((params) => {
      const file = uriToPath(params.textDocument.uri);
      if (!file) return null;
      return context.guard("rename", null, () => renameEdit(context, file, params.position, params.newName));
    });
  },
};
