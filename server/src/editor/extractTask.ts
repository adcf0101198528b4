/**
 * The edit of "Extract into a task" (analysis/extraction.ts says what to extract): a task taking the
 * computation's references as inputs and returning its result, declared above the workflow, and
 * the computation replaced by that task's node, wired to where the references came from.
 */
import type { TextEdit } from "vscode-languageserver/node";
import type { Extraction } from "../analysis/extraction.js";

export function extractEdits(x: Extraction): TextEdit[] {
  const names = x.inputs.map((i) => i.name).join(", ");
  const types = x.inputs.map((i) => `${i.name}: ${i.type}`).join("; ");
  const declaration = `${x.exported ? "export " : ""}const ${x.taskName} = ${x.taskCallee}(({ ${names} }: { ${types} }) => ({ ${x.output}: ${x.body} }));\n\n`;
  const wiring = x.inputs.map((i) => (i.from === i.name ? i.name : `${i.name}: ${i.from}`)).join(", ");
  const edits: TextEdit[] = [];
  if (x.importTask) edits.push({ range: { start: x.importTask.at, end: x.importTask.at }, newText: x.importTask.text });
  edits.push({ range: { start: x.insertAt, end: x.insertAt }, newText: declaration });
  edits.push({ range: x.range, newText: `${x.taskName}({ ${wiring} }).${x.output}` });
  return edits;
}
