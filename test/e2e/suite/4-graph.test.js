const assert = require('node:assert/strict');
const vscode = require('vscode');
const { getApi, waitFor, nextEvent, screenshot } = require('./helpers');

const PIPELINE = 'pipeline/flow.ts#pipeline';
const SLOW = 'long_running/flow.ts#slow';

describe('graph webview', () => {
  let api;
  let panel;
  before(async () => {
    api = await getApi();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(() => panel && panel.dispose());

  it('lays out the pipeline with elkjs and draws every node and edge', async () => {
    panel = await vscode.commands.executeCommand('flowsmith.showGraph', { target: PIPELINE });
    const rendered = await waitFor(() => panel.rendered && panel.rendered.nodes === 3 && panel.rendered,
      { timeout: 30_000, message: 'the graph to render 3 nodes' });
    assert.equal(rendered.edges, 2);
    console.log(`      layout took ${rendered.layoutMs} ms`);
  });

  it('shows the graph after a run (screenshot)', async () => {
    const outcome = await vscode.commands.executeCommand('flowsmith.forceRun', { target: PIPELINE, params: {} });
    assert.equal(outcome.status, 'complete', JSON.stringify(outcome));
    await waitFor(() => Object.values(panel.rendered.statuses).every((s) => s === 'complete') && panel.rendered,
      { timeout: 30_000, message: 'every node complete in the graph' });
    panel.panel.reveal();
    await waitFor(() => panel.panel.visible, { message: 'the graph panel visible' });
    const png = await screenshot('graph-after-run');
    if (png) console.log(`      screenshot: ${png}`);
  });

  it('sends each edge\'s input type, and goes to a node\'s call or its task (the node\'s context menu)', async () => {
    const edge = panel.graph.edges.find((e) => e.to === 'train');
    assert.equal(edge.type, 'Row[]', JSON.stringify(edge));
    const lineOf = () => {
      const ed = vscode.window.activeTextEditor;
      return ed ? ed.document.lineAt(ed.selection.start.line).text : '';
    };
    // The commands a right-click on a node offers; VS Code passes the node's data-vscode-context.
    const context = { webview: 'flowsmith.graph', webviewSection: 'node', node: 'train' };
    await vscode.commands.executeCommand('flowsmith.graph.goToCall', context);
    await waitFor(() => lineOf().includes('const model = train('), { timeout: 15_000, message: 'the editor on train\'s call' });
    await vscode.commands.executeCommand('flowsmith.graph.goToTask', context);
    await waitFor(() => lineOf().includes('export const train = task('), { timeout: 15_000, message: 'the editor on train\'s task' });
    // What Enter / double-click (call) and F12 (task) post from the webview.
    await panel.onMessage({ type: 'reveal', node: 'get-data', what: 'task' });
    await waitFor(() => lineOf().includes('export const getData = task('), { timeout: 15_000, message: 'the editor on get-data\'s task' });
    await panel.onMessage({ type: 'reveal', node: 'get-data' });
    await waitFor(() => lineOf().includes('const data = getData('), { timeout: 15_000, message: 'the editor on get-data\'s call' });
  });

  it('turns a reset node pending without a new layout', async () => {
    const layoutBefore = panel.rendered.layoutMs;
    const result = await vscode.commands.executeCommand('flowsmith.resetNode', { target: PIPELINE, node: 'preprocess', params: {} });
    assert.equal(result.ok, true);
    const r = await waitFor(() => panel.rendered.statuses.preprocess === 'pending' && panel.rendered,
      { timeout: 30_000, message: 'preprocess pending in the graph' });
    assert.equal(r.statuses['get-data'], 'complete');
    assert.equal(r.layoutMs, layoutBefore, 'the layout was reused');
  });

  it('updates statuses live while a run goes on', async () => {
    const slow = await vscode.commands.executeCommand('flowsmith.showGraph', { target: SLOW });
    try {
      await waitFor(() => slow.rendered && slow.rendered.nodes === 2, { timeout: 30_000, message: 'the slow graph drawn' });
      const sawRunning = nextEvent(slow.onDidRender, (r) => r.statuses.crunch === 'running', 30_000, 'crunch running in the graph');
      const outcome = vscode.commands.executeCommand('flowsmith.runWorkflow', { target: SLOW, params: { steps: 30 } });
      await sawRunning;
      await vscode.commands.executeCommand('workbench.view.extension.flowsmith');
      await screenshot('graph-running', 'running');
      const run = api.deps.runs.active().find((r) => r.request.target === SLOW);
      await vscode.commands.executeCommand('flowsmith.stopRun', { runId: run.runId });
      assert.equal((await outcome).status, 'stopped');
      await waitFor(() => slow.rendered.statuses.crunch === 'stopped', { timeout: 30_000, message: 'crunch stopped in the graph' });
    } finally {
      slow.dispose();
    }
  });
});
