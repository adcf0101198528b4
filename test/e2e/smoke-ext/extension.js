// Harness self-test: one command whose result the suite can check.
const vscode = require('vscode');

function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('flowsmithSmoke.hello', () => 'hello from flowsmith-smoke'));
}

function deactivate() {}

module.exports = { activate, deactivate };
