const assert = require('node:assert/strict');
const vscode = require('vscode');
const { getApi, waitFor, flowsTree, screenshot } = require('./helpers');

describe('Flows view', () => {
  let api;
  before(async () => { api = await getApi(); });

  it('lists the workflows of the examples with their nodes', async () => {
    const tree = await waitFor(async () => {
      const t = await flowsTree(api);
      return t.length >= 8 && t;
    }, { timeout: 60_000, message: 'eight workflows in the Flows view' });
    // (Compositions, *.flows.yaml, are listed too: their own test says how.)
    const targets = tree.map((w) => w.target).filter((t) => !/\.flows\.ya?ml#/.test(t)).sort();
    assert.deepEqual(targets, ['composition/pipelines/ingest.ts#ingest', 'composition/pipelines/train.ts#train',
      'dynamic/files.ts#files', 'long_running/flow.ts#slow', 'my_wf/flow.ts#my_wf', 'pipeline/flow.ts#pipeline',
      'subflow/flow.ts#report', 'subflow/flow.ts#stats']);
    const pipeline = tree.find((w) => w.target === 'pipeline/flow.ts#pipeline');
    assert.deepEqual(pipeline.children.map((n) => n.label), ['get-data', 'preprocess', 'train']);
    assert.match(pipeline.contextValue, /\bworkflow\b/);
    assert.match(pipeline.contextValue, /runnable/);
    for (const n of pipeline.children) {
      assert.match(n.contextValue, /\bnode\b.*runnable.*resettable/);
      assert.ok(['pending', 'complete', 'stale'].includes(n.status), `${n.label} has a status icon (${n.status})`);
    }
  });

  it('nests the nodes of a sub-flow under the sub-flow call', async () => {
    const tree = await flowsTree(api);
    const report = tree.find((w) => w.target === 'subflow/flow.ts#report');
    const sub = report.children.find((c) => c.kind === 'subflow');
    assert.ok(sub, `report has a sub-flow group: ${JSON.stringify(report.children.map((c) => c.label))}`);
    assert.equal(sub.label, 'stats');
    assert.deepEqual(sub.children.map((n) => n.node).sort(), ['stats/fetch-numbers', 'stats/summarize']);
    assert.ok(report.children.some((c) => c.node === 'render'));
  });

  it('reveals a node\'s call in the code', async () => {
    const ok = await vscode.commands.executeCommand('flowsmith.revealNode', { target: 'pipeline/flow.ts#pipeline', node: 'preprocess' });
    assert.equal(ok, true);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor && editor.document.uri.path.endsWith('pipeline/flow.ts'));
    assert.match(editor.document.lineAt(editor.selection.start.line).text, /preprocess\(/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('implements every command the server\'s code lenses carry', async () => {
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, 'pipeline', 'flow.ts');
    await vscode.workspace.openTextDocument(uri);
    const lenses = await waitFor(async () => {
      const l = await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri, 100);
      return l && l.filter((x) => x.command && x.command.command.startsWith('flowsmith.')).length >= 4 && l;
    }, { timeout: 30_000, message: 'Flowsmith code lenses on pipeline/flow.ts' });
    const registered = new Set(await vscode.commands.getCommands(true));
    const used = new Set();
    for (const lens of lenses.filter((x) => x.command && x.command.command.startsWith('flowsmith.'))) {
      used.add(lens.command.command);
      assert.ok(registered.has(lens.command.command), `${lens.command.title} → ${lens.command.command} is registered`);
      const [args] = lens.command.arguments ?? [];
      assert.equal(typeof args?.target, 'string', `${lens.command.command} carries { target }`);
    }
    assert.ok(used.has('flowsmith.runWorkflow') && used.has('flowsmith.showGraph'), [...used].join(', '));
    // A lens click is a plain command call: Show Graph from a lens opens the graph.
    const graph = lenses.find((x) => x.command && x.command.command === 'flowsmith.showGraph');
    const panel = await vscode.commands.executeCommand(graph.command.command, ...graph.command.arguments);
    await waitFor(() => panel.rendered, { timeout: 30_000, message: 'the graph from the lens' });
    panel.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows the sidebar (screenshot)', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.flowsmith');
    await waitFor(() => api.flowsView.visible, { message: 'the Flows view to be visible' });
    const png = await screenshot('sidebar-before-run', 'preprocess');
    if (png) console.log(`      screenshot: ${png}`);
  });
});
