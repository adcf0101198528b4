// Runs only in an untrusted workspace (FLOWSMITH_E2E_TRUSTED=0): analysis works, runs are refused.
const assert = require('node:assert/strict');
const vscode = require('vscode');
const { getApi, waitFor, flowsTree } = require('./helpers');

describe('untrusted workspace', () => {
  let api;
  before(async () => { api = await getApi(); });

  it('is untrusted and still analyses flows', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const tree = await waitFor(async () => { const t = await flowsTree(api); return t.length >= 5 && t; },
      { timeout: 60_000, message: 'workflows listed in an untrusted workspace' });
    assert.ok(tree.some((w) => w.target === 'pipeline/flow.ts#pipeline'));
  });

  it('refuses run, reset and stop, saying why', async () => {
    const args = { target: 'pipeline/flow.ts#pipeline', node: 'train', params: {} };
    assert.equal((await vscode.commands.executeCommand('flowsmith.runWorkflow', args)).refused, 'untrusted');
    assert.equal((await vscode.commands.executeCommand('flowsmith.runNode', args)).refused, 'untrusted');
    assert.equal((await vscode.commands.executeCommand('flowsmith.forceRun', args)).refused, 'untrusted');
    assert.equal((await vscode.commands.executeCommand('flowsmith.resetNode', args)).refused, 'untrusted');
    assert.equal((await vscode.commands.executeCommand('flowsmith.resetWorkflow', args)).refused, 'untrusted');
    assert.equal((await vscode.commands.executeCommand('flowsmith.stopRun', { runId: '20260101-000000-000000' })).refused, 'untrusted');
    assert.equal((await vscode.commands.executeCommand('flowsmith.preview', args)).refused, 'untrusted');
    assert.equal(api.deps.runs.all().length, 0, 'nothing was started');
  });
});
