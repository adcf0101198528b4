// The params prompt as a person uses it: a pick to run with the remembered values or edit them,
// input boxes prefilled with the schema defaults and checked by type, values remembered per workflow.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');
const { getApi, waitFor, ui, workspaceRoot } = require('./helpers');

const MY_WF = 'my_wf/flow.ts#my_wf';
const QUICK_INPUT = '.quick-input-widget';

function runRecord(runId) {
  return JSON.parse(fs.readFileSync(path.join(workspaceRoot(), '.flowsmith', 'runs', runId, 'run.json'), 'utf8'));
}

describe('run params', () => {
  let api;
  before(async function () {
    if (!process.env.FLOWSMITH_E2E_SCREENSHOTS) this.skip(); // needs a launcher that drives the keyboard
    api = await getApi();
    await waitFor(() => api.deps.flows.find(MY_WF), { timeout: 60_000, message: 'my_wf known' });
  });

  it('asks for params with the defaults filled in, checks their type, and remembers them', async () => {
    const outcome = vscode.commands.executeCommand('flowsmith.runWorkflow', { target: MY_WF });
    await ui('params-edit', [
      { waitFor: QUICK_INPUT }, { press: 'ArrowDown' }, { press: 'Enter' },         // "Edit params…"
      { waitFor: `${QUICK_INPUT} input` }, { press: 'ControlOrMeta+A' }, { type: 'x' }, // a: not a number
    ], { screenshot: true });
    await ui('params-fix', [{ press: 'ControlOrMeta+A' }, { type: '5' }, { press: 'Enter' }, // a = 5
      { press: 'Enter' }]);                                                                  // b: keep "hello "
    const result = await outcome;
    assert.equal(result.status, 'complete', JSON.stringify(result));
    assert.deepEqual(runRecord(result.runId).paramSets, [{ a: 5, b: 'hello ' }]);
    assert.deepEqual(api.deps.context.workspaceState.get(`flowsmith.params:${MY_WF}`), { a: 5, b: 'hello ' });
  });

  it('offers the remembered values first next time', async () => {
    const outcome = vscode.commands.executeCommand('flowsmith.runWorkflow', { target: MY_WF });
    await ui('params-again', [{ waitFor: QUICK_INPUT }, { press: 'Enter' }]);
    const result = await outcome;
    assert.equal(result.status, 'complete');
    assert.deepEqual(runRecord(result.runId).paramSets, [{ a: 5, b: 'hello ' }]);
  });
});
