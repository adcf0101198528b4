// One squiggle per mistake (issue 22 item 4): in a flow file, each wiring mistake shows one problem,
// Flowsmith's; TypeScript's own error of the same mistake is dropped by the extension's TypeScript
// server plugin. TypeScript errors Flowsmith does not report stay: in a plain TypeScript file, in
// the flow file itself, and everywhere while the Flowsmith server is stopped.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');
const { getApi, waitFor, screenshot, workspaceRoot } = require('./helpers');

const FLOW = `import { task, workflow } from "flowsmith";

export const load = task(async ({ n }: { n: number }) => ({ rows: [1, 2, 3].slice(0, n), names: ["a"] }));
export const scale = task(async ({ rows, factor }: { rows: number[]; factor: number }) => ({ scaled: rows.map((r) => r * factor) }));

export const unknownInput = workflow(() => {
  const l = load({ n: 3 });
  const s = scale({ rows: l.rows, factor: 2, facter: 3 }); // FS001
  return { out: s.scaled };
});

export const missingInput = workflow(() => {
  const l = load({ n: 3 });
  const s = scale({ rows: l.rows }); // FS002
  return { out: s.scaled };
});

export const typeMismatch = workflow(() => {
  const l = load({ n: 3 });
  const s = scale({ rows: l.names, factor: 2 }); // FS003
  return { out: s.scaled };
});

export const unknownOutput = workflow(() => {
  const l = load({ n: 3 });
  const s = scale({ rows: l.rowz, factor: 2 }); // FS005
  return { out: s.scaled };
});

export const unrelated: number = "not a number"; // TS2322
export const settings: { retries: number } = { retries: 1, verbose: true }; // TS2353
`;

/** The same kinds of TypeScript errors in a file that is not a flow. */
const PLAIN = `export const point: { x: number } = { x: 1, y: 2 };
export const count: number = "three";
export const missing = [1].lenght;
`;

const MISTAKES = ['FS001', 'FS002', 'FS003', 'FS005'];
const codeOf = (d) => String(typeof d.code === 'object' ? d.code.value : d.code);

/** The file's problems by line: [{ line, source, code }], sorted. */
function problems(uri) {
  return vscode.languages.getDiagnostics(uri)
    .map((d) => ({ line: d.range.start.line, source: d.source, code: codeOf(d).replace(/^(FS\d{3}).*$/, '$1') }))
    .sort((a, b) => a.line - b.line || a.source.localeCompare(b.source));
}

/** The line of the only line containing `marker` (FS001, TS2322…), 0-based. */
function lineOf(text, marker) {
  const lines = text.split('\n').map((l, i) => (l.includes(`// ${marker}`) ? i : -1)).filter((i) => i >= 0);
  assert.equal(lines.length, 1, marker);
  return lines[0];
}

/** What one squiggle per mistake looks like in `text`: one Flowsmith problem per mistake, TypeScript's two unrelated errors. */
function expected(text) {
  return [
    ...MISTAKES.map((code) => ({ line: lineOf(text, code), source: 'flowsmith', code })),
    { line: lineOf(text, 'TS2322'), source: 'ts', code: '2322' },
    { line: lineOf(text, 'TS2353'), source: 'ts', code: '2353' },
  ].sort((a, b) => a.line - b.line);
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Waits until `probe()` returns [true, state]; a timeout's error names the last state seen. */
async function until(what, timeout, probe) {
  let seen;
  try {
    await waitFor(() => { const [ok, state] = probe(); seen = state; return ok; }, { timeout, message: what });
  } catch (e) {
    e.message += `; last seen: ${JSON.stringify(seen)}`;
    throw e;
  }
  return seen;
}

describe('one squiggle per mistake', () => {
  const dir = path.join(workspaceRoot(), 'squiggle_e2e');
  const flowFile = path.join(dir, 'flow.ts');
  const plainFile = path.join(dir, 'plain.ts');
  let api;
  let doc;

  before(async () => {
    api = await getApi();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(flowFile, FLOW);
    fs.writeFileSync(plainFile, PLAIN);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    if (api.deps.server.state !== 'running') await api.deps.server.start();
  });

  it('shows each wiring mistake once, in flow words; TypeScript\'s unrelated errors stay', async function () {
    // The first TypeScript and Flowsmith diagnostics of a fresh window: slow on a loaded machine.
    this.timeout(180_000);
    doc = await vscode.workspace.openTextDocument(flowFile);
    await vscode.window.showTextDocument(doc);
    const want = expected(FLOW);
    const got = await until(`exactly ${JSON.stringify(want)}`, 170_000, () => { const p = problems(doc.uri); return [same(p, want), p]; });
    assert.deepEqual(got, want);
    const messages = vscode.languages.getDiagnostics(doc.uri).map((d) => d.message).join('\n');
    assert.doesNotMatch(messages, /InputOf<|Ref<|Reference</, 'no problem speaks in the SDK\'s type names');
    await screenshot('one-squiggle');
  });

  it('leaves a TypeScript file that is not a flow alone', async () => {
    const plain = await vscode.workspace.openTextDocument(plainFile);
    await vscode.window.showTextDocument(plain, { preview: false });
    const want = [{ line: 0, source: 'ts', code: '2353' }, { line: 1, source: 'ts', code: '2322' }, { line: 2, source: 'ts', code: '2551' }];
    await until('TypeScript\'s three errors in plain.ts', 60_000, () => { const p = problems(plain.uri); return [same(p, want), p]; });
    // Still one squiggle per mistake in the flow file meanwhile.
    assert.deepEqual(problems(doc.uri), expected(FLOW));
  });

  it('keeps one squiggle per mistake while the flow file is edited', async () => {
    await vscode.window.showTextDocument(doc, { preview: false });
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(1, 0), '// a line that moves every mistake down\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const want = expected(doc.getText());
    assert.equal(want[0].line, lineOf(FLOW, 'FS001') + 1);
    await until(`the moved problems ${JSON.stringify(want)}`, 60_000, () => { const p = problems(doc.uri); return [same(p, want), p]; });
  });

  it('shows TypeScript\'s errors again while the Flowsmith server is stopped, and one squiggle once it is back', async () => {
    await api.deps.server.stop();
    const text = doc.getText();
    const tsLines = MISTAKES.map((code) => lineOf(text, code));
    await until('TypeScript\'s errors on every mistake without Flowsmith', 60_000, () => {
      const p = problems(doc.uri);
      return [!p.some((x) => x.source === 'flowsmith') && tsLines.every((line) => p.some((x) => x.source === 'ts' && x.line === line)), p];
    });
    await api.deps.server.start();
    await until('one squiggle per mistake after the restart', 80_000, () => { const p = problems(doc.uri); return [same(p, expected(doc.getText())), p]; });
  });
});
