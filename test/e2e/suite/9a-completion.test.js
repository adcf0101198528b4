// Completion and quick fixes (issue 22 items 1 and 2) in the real VS Code, through its own
// commands: in `train({ rows: | })` the reference that fits the input is offered with its type and
// ranked before the rest; after `clean.` the node's outputs; an unknown input's quick fix, applied
// with VS Code's workspace edit, leaves no FS001; FS002's fix wires the one fitting reference.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');
const { getApi, waitFor, workspaceRoot } = require('./helpers');

const FLOW = (body) => `import { task, workflow } from "flowsmith";
import { z } from "zod";

export interface Row {
  x: number;
  y: number;
}

export const getData = task({ name: "get-data" }, async ({ count }: { count: number }) => ({
  rows: Array.from({ length: count }, (_, i): Row => ({ x: i, y: 2 * i + 1 })),
}));

export const preprocess = task(async ({ rows }: { rows: Row[] }) => ({ rows: rows.filter((r) => r.x >= 0), note: "kept" }));

export const train = task(async ({ rows, epochs }: { rows: Row[]; epochs: number }) => ({ slope: rows.length ? 2 : 0, epochs }));

export const pipeline = workflow({ params: z.object({ epochs: z.number().default(3) }) }, ({ epochs }) => {
  const cleaned = preprocess({ rows: getData({ count: 5 }).rows });
${body}
});
`;

const DIR = 'completion_e2e';

/** The position just before the marker `‸` in `marked`, and the text without it. */
function cursor(marked) {
  const at = marked.indexOf('‸');
  const before = marked.slice(0, at).split('\n');
  return { text: marked.replace('‸', ''), position: new vscode.Position(before.length - 1, before[before.length - 1].length) };
}

const flowsmithDiagnostics = (uri, code) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'flowsmith' && (!code || String(typeof d.code === 'object' ? d.code.value : d.code) === code));
const labelOf = (item) => (typeof item.label === 'string' ? item.label : item.label.label);

describe('completion and quick fixes', () => {
  const file = path.join(workspaceRoot(), DIR, 'flow.ts');
  const uri = vscode.Uri.file(file);
  let editor;

  /** Replace the whole document with `text` (as typing would) and wait until the server has it. */
  async function setText(text) {
    await editor.edit((b) => b.replace(new vscode.Range(0, 0, editor.document.lineCount, 0), text));
  }

  before(async () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const first = FLOW('  const model = train({ rows: cleaned.rows, epochs });\n  return { slope: model.slope };');
    fs.writeFileSync(file, first);
    const call = cursor(first.replace('preprocess({ rows: getData', 'prepro‸cess({ rows: getData')).position;
    await getApi();
    editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    // The server has analysed the file once (hover answers on a node call).
    await waitFor(async () => {
      const hovers = await vscode.commands.executeCommand('vscode.executeHoverProvider', uri, call);
      return hovers.some((h) => h.contents.some((c) => /node `preprocess`/.test(typeof c === 'string' ? c : c.value)));
    }, { timeout: 60_000, message: 'the language server analysed the flow' });
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(path.dirname(file), { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  it('offers the reference that fits an input first, with its type, and a node\'s outputs after a dot', async () => {
    const { text, position } = cursor(FLOW('  const model = train({ rows: ‸ });\n  return { slope: model.slope };'));
    await setText(text);
    const list = await waitFor(async () => {
      const l = await vscode.commands.executeCommand('vscode.executeCompletionItemProvider', uri, position, ':');
      return l.items.some((i) => labelOf(i) === 'cleaned.rows') && l;
    }, { timeout: 30_000, message: 'cleaned.rows among the completion items' });
    const ours = list.items.filter((i) => ['cleaned.rows', 'cleaned.note', 'epochs'].includes(labelOf(i)));
    const rows = ours.find((i) => labelOf(i) === 'cleaned.rows');
    assert.equal(rows.detail, 'Row[]');
    assert.equal(rows.preselect, true);
    const rank = (label) => ours.find((i) => labelOf(i) === label).sortText;
    assert.ok(rank('cleaned.rows') < rank('cleaned.note') && rank('cleaned.rows') < rank('epochs'), ours.map((i) => `${labelOf(i)} ${i.sortText}`).join(', '));

    const dot = cursor(FLOW('  const model = train({ rows: cleaned.‸ });\n  return { slope: model.slope };'));
    await setText(dot.text);
    const outputs = await waitFor(async () => {
      const l = await vscode.commands.executeCommand('vscode.executeCompletionItemProvider', uri, dot.position, '.');
      return l.items.some((i) => labelOf(i) === 'note' && i.detail === 'string') && l;
    }, { timeout: 30_000, message: 'the outputs of cleaned after the dot' });
    assert.equal(outputs.items.find((i) => labelOf(i) === 'rows' && i.detail === 'Row[]')?.kind, vscode.CompletionItemKind.Field);
  });

  it('fixes an unknown input with its quick fix, and wires a missing input to the one reference that fits', async () => {
    await setText(FLOW('  const model = train({ rowz: cleaned.rows, epochs });\n  return { slope: model.slope };'));
    const [unknown] = await waitFor(() => { const d = flowsmithDiagnostics(uri, 'FS001'); return d.length && d; }, { timeout: 30_000, message: 'FS001 on rowz' });
    const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', uri, unknown.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === 'Change "rowz" to "rows"');
    assert.ok(fix, `the did-you-mean fix among ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(editor.document.getText(), /train\(\{ rows: cleaned\.rows, epochs \}\)/);
    await waitFor(() => flowsmithDiagnostics(uri).length === 0, { timeout: 30_000, message: 'no Flowsmith diagnostic after the fix' });

    await setText(FLOW('  const model = train({ epochs });\n  return { slope: model.slope };'));
    const [missing] = await waitFor(() => { const d = flowsmithDiagnostics(uri, 'FS002'); return d.length && d; }, { timeout: 30_000, message: 'FS002 on the call' });
    const more = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', uri, missing.range, vscode.CodeActionKind.QuickFix.value);
    const add = more.find((a) => a.title === 'Add missing input "rows" (wired to cleaned.rows)');
    assert.ok(add, `the add-inputs fix among ${more.map((a) => a.title).join(' | ')}`);
    assert.ok(await vscode.workspace.applyEdit(add.edit));
    assert.match(editor.document.getText(), /train\(\{ epochs, rows: cleaned\.rows \}\)/);
    await waitFor(() => flowsmithDiagnostics(uri).length === 0, { timeout: 30_000, message: 'no Flowsmith diagnostic after adding the input' });
  });
});
