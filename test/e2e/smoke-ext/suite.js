// Harness self-test suite, loaded by VS Code's test runner in the extension host (extensionTestsPath).
// No mocha here on purpose: run() resolving means pass, rejecting means fail (exit code 1).
//   FLOWSMITH_SMOKE_FAIL=1  fails on purpose, to prove a failure reaches the launcher's exit code.
//   FLOWSMITH_SMOKE_HANG=1  never settles, to prove the launcher's --timeout and SIGINT clean up.
// FLOWSMITH_E2E_WORKSPACE / FLOWSMITH_E2E_TRUSTED are set by test/e2e/launch.mjs.
const assert = require('node:assert/strict');
const path = require('node:path');
const vscode = require('vscode');

async function run() {
  const ext = vscode.extensions.getExtension('flowsmith.flowsmith-smoke');
  assert.ok(ext, 'the extension under development is loaded');
  await ext.activate();   // onStartupFinished may not have fired yet when the suite starts

  const commands = await vscode.commands.getCommands(true);
  assert.ok(commands.includes('flowsmithSmoke.hello'), 'flowsmithSmoke.hello is registered');
  assert.equal(await vscode.commands.executeCommand('flowsmithSmoke.hello'), 'hello from flowsmith-smoke');

  const folders = vscode.workspace.workspaceFolders ?? [];
  assert.equal(folders.length, 1, 'one workspace folder');
  assert.equal(folders[0].uri.scheme, 'file');   // the extension host runs on the server: plain file URIs
  assert.equal(path.resolve(folders[0].uri.fsPath), path.resolve(process.env.FLOWSMITH_E2E_WORKSPACE));
  assert.equal(vscode.workspace.getConfiguration('workbench').get('startupEditor'), 'none', 'the launcher\'s user settings apply');
  assert.equal(vscode.workspace.isTrusted, process.env.FLOWSMITH_E2E_TRUSTED === '1', 'workspace trust as launched');

  console.log(`smoke: ok (vscode ${vscode.version}, folder ${folders[0].uri.toString()}, trusted ${vscode.workspace.isTrusted}, ` +
    `node ${process.version} at ${process.execPath}, cwd ${process.cwd()})`);
  if (process.env.FLOWSMITH_SMOKE_DUMP_ENV === '1') {
    console.log('smoke: extension host env:', JSON.stringify(process.env, null, 1));
  }
  if (process.env.FLOWSMITH_SMOKE_HANG === '1') await new Promise(() => {});
  assert.notEqual(process.env.FLOWSMITH_SMOKE_FAIL, '1', 'FLOWSMITH_SMOKE_FAIL=1: failing on purpose');
}

module.exports = { run };
