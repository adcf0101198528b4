// A flow whose tasks live in another file, imported as a Node ESM project writes it: `./tasks.js`
// for tasks.ts (NodeNext requires the extension; Bundler accepts it). run-suite.mjs runs this suite
// on both workspace variants, so the language server has to follow that import under NodeNext and
// Bundler alike (the workflow with its nodes, a diagnostic that needs the imported task's inputs),
// and the CLI's loader has to run it (esbuild resolves ./tasks.js to tasks.ts).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');
const { getApi, waitFor, nodeStatuses, workspaceRoot } = require('./helpers');

const TASKS = `import { task } from "flowsmith";

export const numbers = task(async ({ n }: { n: number }) => ({ values: Array.from({ length: n }, (_, i) => i + 1) }));

export const total = task(async ({ values }: { values: number[] }) => ({ sum: values.reduce((a, b) => a + b, 0) }));
`;

const flow = (name, input) => `import { workflow } from "flowsmith";
import { z } from "zod";
import { numbers, total } from "./tasks.js";

export const ${name} = workflow({ params: z.object({ n: z.number().int().default(4) }) }, ({ n }) => {
  const xs = numbers({ n });
  const t = total({ ${input}: xs.values });
  return { sum: t.sum };
});
`;

describe('a flow importing its tasks from ./tasks.js', () => {
  const dir = path.join(workspaceRoot(), 'imports_e2e');
  const TARGET = 'imports_e2e/flow.ts#sum';
  let api;
  before(async () => {
    api = await getApi();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'tasks.ts'), TASKS);
    fs.writeFileSync(path.join(dir, 'flow.ts'), flow('sum', 'values'));
    fs.writeFileSync(path.join(dir, 'broken.ts'), flow('sumBroken', 'valuez'));
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  it('lists the workflow with the imported tasks as its nodes', async () => {
    const statuses = await waitFor(async () => { await api.deps.flows.refresh(); return nodeStatuses(api, TARGET); },
      { timeout: 60_000, interval: 1000, message: `${TARGET} in the Flows view` });
    assert.deepEqual(Object.keys(statuses), ['numbers', 'total']);
  });

  it('reports a wrong input of an imported task (FS001) at its name', async () => {
    const doc = await vscode.workspace.openTextDocument(path.join(dir, 'broken.ts'));
    await vscode.window.showTextDocument(doc);
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source === 'flowsmith');
      return d.some((x) => /valuez/.test(x.message)) && d;
    }, { timeout: 60_000, message: 'a flowsmith diagnostic naming "valuez" in imports_e2e/broken.ts' });
    const unknown = diags.find((d) => /valuez/.test(d.message));
    assert.match(String(typeof unknown.code === 'object' ? unknown.code.value : unknown.code), /^FS001/);
    assert.match(unknown.message, /did you mean "values"/);
    assert.equal(doc.getText(unknown.range), 'valuez');
    // The correct file next to it has none, once the server has analysed it (its code lenses are there).
    const good = await vscode.workspace.openTextDocument(path.join(dir, 'flow.ts'));
    await vscode.window.showTextDocument(good);
    await waitFor(async () => {
      const l = await vscode.commands.executeCommand('vscode.executeCodeLensProvider', good.uri, 100);
      return l && l.some((x) => x.command && x.command.command === 'flowsmith.runWorkflow');
    }, { timeout: 30_000, message: 'the Run code lens on imports_e2e/flow.ts' });
    assert.deepEqual(vscode.languages.getDiagnostics(good.uri).filter((x) => x.source === 'flowsmith').map((d) => d.message), []);
  });

  it('runs it: the loader resolves ./tasks.js to tasks.ts', async () => {
    const outcome = await vscode.commands.executeCommand('flowsmith.runWorkflow', { target: TARGET, params: {} });
    assert.equal(outcome.status, 'complete', JSON.stringify(outcome));
    await waitFor(async () => {
      const s = await nodeStatuses(api, TARGET);
      return !api.deps.flows.liveNodes(TARGET) && s && Object.values(s).every((v) => v === 'complete') && s;
    }, { timeout: 30_000, message: `every node of ${TARGET} complete in the Flows view` });
  });
});
