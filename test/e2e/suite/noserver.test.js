// Runs only against a copy of the extension without dist/server.js (FLOWSMITH_E2E_NOSERVER=1):
// the extension still activates, says what is wrong, and runs flows through the CLI.
const assert = require('node:assert/strict');
const vscode = require('vscode');
const { getApi, waitFor } = require('./helpers');

describe('language server missing', () => {
  it('activates anyway and says the server is missing', async () => {
    const api = await getApi();
    await waitFor(() => api.deps.server.state === 'missing', { message: 'server state "missing"' });
    await vscode.commands.executeCommand('workbench.view.extension.flowsmith');
    await waitFor(() => /language server is not running/.test(api.flowsView.message ?? ''), { message: 'the Flows view message' });
    assert.deepEqual(await api.flowsTree.getChildren(), []);
  });

  it('still runs a workflow through the CLI', async () => {
    const outcome = await vscode.commands.executeCommand('flowsmith.runWorkflow', { target: 'my_wf/flow.ts#my_wf', params: {} });
    assert.equal(outcome.status, 'complete', JSON.stringify(outcome));
  });
});
