/**
 * Who edits what when a flow-level name is renamed: one participant per kind of file that names
 * tasks, workflows and nodes. Flow files write the name once (the `name` option or the `as`
 * alias); compositions (*.flows.yaml) name node ids in parent_task_name (compositionRename.ts) —
 * each participant gets the same FlowRename and may refuse it.
 */
import type { Range } from "../analysis/index.js";
import { compositionParticipant } from "./compositionRename.js";
import type { EditorContext } from "./context.js";
import type { FlowRename } from "./renamePlan.js";

export interface RenameEdit {
  file: string;
  range: Range;
  newText: string;
}

export interface RenameParticipant {
  /** For logs: which files it edits. */
  name: string;
  /** Why the rename cannot be done in its files (a clash there), or undefined. */
  check?(rename: FlowRename, context: EditorContext): string | undefined;
  edits(rename: FlowRename, context: EditorContext): RenameEdit[];
}

/** The flow file that writes the name: its string, quotes kept. Node ids in TypeScript come from it. */
const flowFiles: RenameParticipant = {
  name: "flow files",
  edits: (rename) => (rename.from === rename.to ? [] : [{ file: rename.written.file, range: rename.written.range, newText: rename.to }]),
};

export const renameParticipants: RenameParticipant[] = [flowFiles, compositionParticipant];
