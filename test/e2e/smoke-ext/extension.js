// Harness self-test: one command whose result suite.js checks and whose notification a UI test can see.
const vscode = require('vscode');

function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('flowsmithSmoke.hello', () => {
      void vscode.window.showInformationMessage('Hello from flowsmith-smoke');   // visible to UI tests
      return 'hello from flowsmith-smoke';                                      // checked by suite.js
    }));
}

function deactivate() {}

module.exports = { activate, deactivate };
