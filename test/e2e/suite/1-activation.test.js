const assert = require('node:assert/strict');
const vscode = require('vscode');
const { getApi, waitFor } = require('./helpers');

describe('activation', () => {
  it('activates on the examples workspace, quickly, and starts the language server', async () => {
    const ext = vscode.extensions.getExtension('flowsmith.flowsmith-vscode');
    const wasActive = ext.isActive;
    const t0 = Date.now();
    const api = await getApi();
    // Loading the bundle plus activate(), as the extension host does it (when not active already).
    if (!wasActive) console.log(`      load + activate took ${Date.now() - t0} ms`);
    assert.ok(api && api.flowsTree, 'activate() returns the test API');
    console.log(`      activation took ${api.activationMs} ms`);
    assert.ok(api.activationMs < 1000, `activation took ${api.activationMs} ms`);
    await waitFor(() => api.deps.server.state === 'running', { timeout: 60_000, message: 'the language server to run' });
  });

  it('registers every command in the Flowsmith category', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    for (const c of ['runWorkflow', 'runNode', 'forceRun', 'preview', 'resetNode', 'resetNodeDownstream', 'resetWorkflow',
      'stopRun', 'showGraph', 'openResults', 'openRunLog', 'revealNode', 'refresh', 'restartServer']) {
      assert.ok(all.has(`flowsmith.${c}`), `flowsmith.${c} is registered`);
    }
  });
});
