/**
 * The rename participant for compositions (renameParticipants.ts): a task or alias renamed in code
 * changes node ids, and every `parent_task_name:` naming such a node — of a composing flow running
 * that workflow — is edited with it, in open and closed compositions of every folder.
 */
import type { Range } from "../analysis/index.js";
import { canonicalTarget } from "../../../runtime/src/engine/target.js";
import { compositionFiles, parseComposition, readCompositionText, splitFlowRef } from "../compositions/index.js";
import { pathToUri } from "../convert.js";
import type { EditorContext } from "./context.js";
import type { FlowRename } from "./renamePlan.js";

export const compositionParticipant = {
  name: "compositions",
  edits(rename: FlowRename, context: EditorContext): { file: string; range: Range; newText: string }[] {
    if (!rename.nodeIds.length) return [];
    const out: { file: string; range: Range; newText: string }[] = [];
    for (const a of context.analyses()) {
      const changes = rename.nodeIds.filter((c) => c.root === a.storeRoot);
      if (!changes.length) continue;
      for (const file of compositionFiles(a.root, true)) {
        const text = context.documents.get(pathToUri(file))?.getText() ?? readCompositionText(file);
        if (text === undefined) continue;
        const doc = parseComposition(file, text);
        for (const composition of doc.parsed.compositions) {
          const targets = new Map<string, string>();
          for (const f of composition.flows) {
            const ref = f.name && f.flow ? splitFlowRef(file, f.flow.value) : undefined;
            if (ref) targets.set(f.name!.value, canonicalTarget(a.storeRoot, ref.file, ref.name));
          }
          for (const f of composition.flows) {
            for (const m of f.mapped) {
              if (!m.parentFlow || !m.parentTask) continue;
              const target = targets.get(m.parentFlow.value);
              const change = changes.find((c) => c.target === target && c.from === m.parentTask!.value);
              if (change) out.push({ file, range: doc.lines.range(m.parentTask.span), newText: change.to });
            }
          }
        }
      }
    }
    return out;
  },
};
