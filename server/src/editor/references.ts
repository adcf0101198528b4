/**
 * Find references of a task (DESIGN.md, "Editor features"): each call of it in every workflow of
 * the workspace — the task's nodes, in every folder, sub-flows included, each call once — and its
 * declaration when asked. Asked on the task's variable, its `name` string or a call of it.
 */
import type { Location } from "vscode-languageserver/node";
import type { Position, Range } from "../analysis/index.js";
import { callSiteOf, flowNameAt } from "../analysis/symbols.js";
import { pathToUri, uriToPath } from "../convert.js";
import type { EditorContext, EditorFeature } from "./context.js";
import { everyWorkflow } from "./referencesWorkspace.js";

const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character < b.character);
const sameRange = (a: Range, b: Range) =>
  a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;

/** `{ file, range }` of each reference, in file order then position. */
export function taskReferences(context: EditorContext, file: string, position: Position, includeDeclaration: boolean): { file: string; range: Range }[] {
  const analysis = context.analysisOf(file);
  const at = analysis && flowNameAt(analysis, file, position);
  if (!at || at.kind !== "definition" || at.definition.kind !== "task") return [];
  const task = at.definition;
  const out: { file: string; range: Range }[] = [];
  const seen = new Set<string>();
  const add = (f: string, range: Range) => {
    const key = `${f}:${range.start.line}:${range.start.character}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ file: f, range });
  };
  if (includeDeclaration) {
    const info = context.analysisOf(task.file)?.analyzeFile(task.file).tasks.find((t) => sameRange(t.range, task.range));
    if (info) add(task.file, info.nameRange);
  }
  for (const { analysis: a, workflow } of everyWorkflow(context)) {
    for (const node of workflow.nodes) {
      if (node.taskFile !== task.file || node.task !== task.name) continue;
      const site = callSiteOf(a, node);
      if (site) add(site.file, site.callee);
    }
  }
  return out.sort((x, y) => (x.file === y.file ? (before(x.range.start, y.range.start) ? -1 : 1) : x.file < y.file ? -1 : 1));
}

export const references: EditorFeature = {
  capabilities: { referencesProvider: true },
  register(connection, context) {
    connection.onReferences((params): Location[] => {
      const file = uriToPath(params.textDocument.uri);
      if (!file) return [];
      return context.guard("references", [] as Location[], () =>
        taskReferences(context, file, params.position, params.context.includeDeclaration).map((r) => ({ uri: pathToUri(r.file), range: r.range })),
      );
    });
  },
};
