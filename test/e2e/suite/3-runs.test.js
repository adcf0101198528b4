const assert = require('node:assert/strict');
const vscode = require('vscode');
const { getApi, waitFor, nodeStatuses, screenshot } = require('./helpers');

const PIPELINE = 'pipeline/flow.ts#pipeline';
const SLOW = 'long_running/flow.ts#slow';

describe('runs', () => {
  let api;
  before(async () => {
    api = await getApi();
    await waitFor(async () => (await nodeStatuses(api, PIPELINE)), { timeout: 60_000, message: 'the pipeline in the Flows view' });
  });

  it('runs the pipeline through the command and turns its nodes complete', async () => {
    const outcome = await vscode.commands.executeCommand('flowsmith.runWorkflow', { target: PIPELINE, params: {} });
    assert.equal(outcome.status, 'complete', JSON.stringify(outcome));
    assert.match(outcome.runId, /^\d{8}-\d{6}-[0-9a-f]{6}$/);
    // Complete from the run's own events first, then from the server once it re-read the store.
    const statuses = await waitFor(async () => {
      const s = await nodeStatuses(api, PIPELINE);
      return !api.deps.flows.liveNodes(PIPELINE) && s && Object.values(s).every((v) => v === 'complete') && s;
    }, { timeout: 30_000, message: 'every pipeline node complete in the Flows view, from the server' });
    assert.deepEqual(Object.keys(statuses), ['get-data', 'preprocess', 'train']);

    // The Runs view lists the run with its nodes.
    const runs = await waitFor(() => api.runsTree.getChildren().find((r) => r.run.runId === outcome.runId),
      { message: 'the run in the Runs view' });
    assert.match(runs.contextValue, /hasResults/);
    assert.deepEqual(api.runsTree.getChildren(runs).map((n) => n.node.status), ['complete', 'complete', 'complete']);
    // The workflow's description shows duration and age.
    const item = (await api.flowsTree.getChildren()).find((w) => w.flow.target === PIPELINE);
    const train = (await api.flowsTree.getChildren(item)).find((n) => n.node.id === 'train');
    assert.match(String(train.description), /\d+(\.\d+)? (ms|s) · just now/);
    await vscode.commands.executeCommand('workbench.view.extension.flowsmith');
    await screenshot('sidebar-after-run', 'pipeline/flow.ts · 3 complete');
  });

  it('opens the run\'s results as a read-only JSON document and its log', async () => {
    const run = api.deps.history.latest(PIPELINE) ?? (await api.deps.history.refresh(), api.deps.history.latest(PIPELINE));
    const uri = await vscode.commands.executeCommand('flowsmith.openResults', { runId: run.id });
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    assert.equal(doc.languageId, 'json');
    const outputs = JSON.parse(doc.getText());
    assert.ok(Array.isArray(outputs) ? outputs[0].mse !== undefined : outputs.mse !== undefined, doc.getText().slice(0, 200));

    const logUri = await vscode.commands.executeCommand('flowsmith.openRunLog', { runId: run.id });
    const log = vscode.workspace.textDocuments.find((d) => d.uri.toString() === logUri);
    assert.equal(log.languageId, 'flowsmith-runlog');
    assert.match(log.getText(), new RegExp(`RUN ${run.id} .*COMPLETE`));
    assert.match(log.getText(), /\[train\] slope=/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('resets one node and it turns pending', async () => {
    const result = await vscode.commands.executeCommand('flowsmith.resetNode', { target: PIPELINE, node: 'train', params: {} });
    assert.equal(result.ok, true, JSON.stringify(result));
    await waitFor(async () => {
      const s = await nodeStatuses(api, PIPELINE);
      return s && s.train === 'pending' && s['get-data'] === 'complete' && s;
    }, { timeout: 30_000, message: 'train pending, get-data still complete' });
  });

  it('previews what a run would do, in the run-log language', async () => {
    const text = await vscode.commands.executeCommand('flowsmith.preview', { target: PIPELINE, params: {} });
    assert.match(text, /\[train \(PENDING\)\]/);
    assert.match(text, /\[get-data \(COMPLETE\)\]/);
    const doc = vscode.window.activeTextEditor.document;
    assert.equal(doc.languageId, 'flowsmith-runlog');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('stops the long-running example', async () => {
    const started = Date.now();
    const outcome = vscode.commands.executeCommand('flowsmith.runWorkflow', { target: SLOW, params: { steps: 60 } });
    const run = await waitFor(() => api.deps.runs.active().find((r) => r.request.target === SLOW && r.runId
      && [...r.nodes.values()].some((n) => n.id === 'crunch' && n.status === 'running')), { timeout: 30_000, message: 'crunch running' });
    // Live statuses reach the Flows view and the status bar while it runs.
    await waitFor(async () => (await nodeStatuses(api, SLOW))?.crunch === 'running', { message: 'crunch shown running' });
    await screenshot('sidebar-running', 'running');
    const stop = await vscode.commands.executeCommand('flowsmith.stopRun', { runId: run.runId });
    assert.equal(stop.ok, true);
    const result = await outcome;
    assert.equal(result.status, 'stopped', JSON.stringify(result));
    assert.ok(Date.now() - started < 30_000, 'stopped well before its 60 steps');
    await waitFor(async () => (await nodeStatuses(api, SLOW))?.crunch === 'stopped', { timeout: 30_000, message: 'crunch stopped in the Flows view' });
  });

  it('reports bad input from the CLI without crashing', async () => {
    const outcome = await vscode.commands.executeCommand('flowsmith.runWorkflow', { target: 'pipeline/flow.ts#nope', params: {} });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.error, /nope/);
  });
});
