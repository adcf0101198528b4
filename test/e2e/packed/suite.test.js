// The extension installed from flowsmith.vsix, on a fresh project outside the repository that installed
// flowsmith from the packed runtime tarball (test/e2e/packed-project.mjs writes it and launches this).
// Everything the extension knows about flowsmith here comes from that project's
// node_modules/flowsmith (its .d.ts for the analysis, its dist/cli.js for runs).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');
const { EXTENSION_ID, getApi, waitFor, flowsTree, nodeStatuses, screenshot, workspaceRoot } = require('../suite/helpers');

const HELLO = 'flows/hello.ts#hello';
const BROKEN = 'flows/broken.ts#broken';
const WHICH = 'flows/which.ts#which';
const code = (d) => String(typeof d.code === 'object' ? d.code.value : d.code);
const real = (p) => fs.realpathSync(p);

/** The run's results (the workflow's outputs) as the extension shows them: Open Results' JSON document. */
async function results(runId) {
  const uri = await vscode.commands.executeCommand('flowsmith.openResults', { runId });
  assert.ok(uri, `Open Results gave a document for run ${runId}`);
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
  const value = JSON.parse(doc.getText());
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  return value;
}

describe('the packed flowsmith in a fresh project, with the extension installed from the .vsix', () => {
  let api;
  let root;
  before(async () => {
    api = await getApi();
    root = workspaceRoot();
  });

  it('runs the installed extension on a trusted project outside the repository that has flowsmith installed from the tarball', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.equal(real(ext.extensionPath), real(process.env.FLOWSMITH_PACKED_EXTENSION), 'the extension is the folder --install-extension made');
    assert.deepEqual(fs.readdirSync(path.join(ext.extensionPath, 'node_modules')), ['flowsmith-ts-plugin'],
      'the installed extension\'s node_modules holds its TypeScript server plugin only (no flowsmith of its own)');
    assert.equal(real(root), real(process.env.FLOWSMITH_E2E_WORKSPACE));
    assert.equal(vscode.workspace.isTrusted, true);
    const installed = path.join(root, 'node_modules', 'flowsmith');
    assert.ok(!fs.lstatSync(installed).isSymbolicLink(), 'node_modules/flowsmith is a real install, not a link');
    const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
    assert.equal(pkg.types, './dist/index.d.ts');
    assert.ok(!fs.existsSync(path.join(installed, 'src')), 'the installed package ships no sources');
  });

  it('lists flows/hello.ts#hello with its nodes in the Flows view (analysed against the installed .d.ts)', async () => {
    let seen;
    const tree = await waitFor(async () => {
      const t = (seen = await flowsTree(api));
      return [HELLO, BROKEN, WHICH].every((target) => t.some((w) => w.target === target && w.children.length)) && t;
    }, { timeout: 60_000, message: `${HELLO}, ${BROKEN} and ${WHICH} with their nodes in the Flows view` }).catch((e) => {
      const shown = (seen ?? []).map((w) => `${w.target ?? w.label} [${w.children.map((n) => n.node ?? n.label).join(', ')}]`);
      throw new Error(`${e.message}; the Flows view lists: ${shown.join('; ') || 'nothing'}${api.flowsView.message ? ` (message: ${api.flowsView.message})` : ''}`);
    });
    assert.deepEqual(tree.map((w) => w.target).sort(), [BROKEN, HELLO, WHICH]);
    const hello = tree.find((w) => w.target === HELLO);
    assert.deepEqual(hello.children.map((n) => n.node), ['greet', 'shout']);
    assert.match(hello.contextValue, /\bworkflow\b.*runnable|runnable.*\bworkflow\b/);
    for (const n of hello.children) assert.match(n.contextValue, /\bnode\b/);
    // Tasks of flows/tasks.ts, defined through \`import * as flowsmith\`: recognised through the .d.ts.
    assert.deepEqual(tree.find((w) => w.target === BROKEN).children.map((n) => n.node), ['greet', 'count']);
    assert.deepEqual(tree.find((w) => w.target === WHICH).children.map((n) => n.node), ['whichCli']);
  });

  it('shows a Flowsmith diagnostic (FS001) on the flow with a wiring mistake, none on the starter flow', async () => {
    const broken = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(root, 'flows', 'broken.ts')));
    await vscode.window.showTextDocument(broken);
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(broken.uri).filter((x) => x.source === 'flowsmith');
      return d.length && d;
    }, { timeout: 60_000, message: 'flowsmith diagnostics on flows/broken.ts' });
    const unknown = diags.find((d) => /"txt"/.test(d.message));
    assert.ok(unknown, `a diagnostic names the unknown input "txt": ${diags.map((d) => `${code(d)} ${d.message}`).join(' | ')}`);
    assert.match(code(unknown), /^FS001/);
    assert.match(unknown.message, /did you mean "text"/);
    assert.equal(unknown.range.start.line, broken.getText().split('\n').findIndex((l) => l.includes('txt:')));

    const hello = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(root, 'flows', 'hello.ts')));
    await vscode.window.showTextDocument(hello);
    // Once the server has analysed hello.ts (its lenses are there), it has no Flowsmith diagnostics.
    await waitFor(async () => {
      const l = await vscode.commands.executeCommand('vscode.executeCodeLensProvider', hello.uri, 100);
      return l && l.some((x) => x.command && x.command.command === 'flowsmith.runWorkflow');
    }, { timeout: 30_000, message: 'the Run code lens on flows/hello.ts' });
    assert.deepEqual(vscode.languages.getDiagnostics(hello.uri).filter((x) => x.source === 'flowsmith').map((d) => d.message), []);
    await vscode.commands.executeCommand('workbench.view.extension.flowsmith');
    await screenshot('packed-sidebar', 'hello');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows the unknown input once: the .vsix\'s TypeScript server plugin drops TypeScript\'s own error', async function () {
    // TypeScript's first diagnostics for the project (zod's types included) took about a minute on a loaded machine.
    this.timeout(200_000);
    const plugin = path.join(process.env.FLOWSMITH_PACKED_EXTENSION, 'node_modules', 'flowsmith-ts-plugin');
    assert.equal(typeof require(plugin), 'function', `the installed extension holds the plugin where tsserver looks: ${plugin}`);
    const broken = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(root, 'flows', 'broken.ts')));
    await vscode.window.showTextDocument(broken);
    // A TypeScript error Flowsmith does not report: once it shows, TypeScript has answered for the file.
    const original = broken.getText();
    const edit = new vscode.WorkspaceEdit();
    edit.insert(broken.uri, broken.positionAt(original.length), 'export const typo: number = "x";\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const lineOf = (s) => broken.getText().split('\n').findIndex((l) => l.includes(s));
    const lines = (d) => `${d.source} ${code(d)} line ${d.range.start.line}`;
    let seen = [];
    try {
      await waitFor(() => {
        const all = vscode.languages.getDiagnostics(broken.uri);
        seen = all.map(lines);
        const onTxt = all.filter((d) => d.range.start.line === lineOf('txt:'));
        return onTxt.some((d) => d.source === 'flowsmith' && code(d).startsWith('FS001')) && !onTxt.some((d) => d.source !== 'flowsmith')
          && all.some((d) => d.source === 'ts' && d.range.start.line === lineOf('typo'));
      }, { timeout: 180_000, message: 'Flowsmith\'s problems only on "txt", TypeScript\'s on "typo"' });
    } catch (e) {
      e.message += `; last seen: ${seen.join(', ')}`;
      throw e;
    } finally {
      // The file as it was, on disk too: the runs of the next tests save open documents.
      const undo = new vscode.WorkspaceEdit();
      undo.replace(broken.uri, new vscode.Range(broken.positionAt(0), broken.positionAt(broken.getText().length)), original);
      await vscode.workspace.applyEdit(undo);
      await broken.save();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('runs hello from its Run code lens with the project\'s params and turns its nodes complete', async () => {
    const uri = vscode.Uri.file(path.join(root, 'flows', 'hello.ts'));
    await vscode.workspace.openTextDocument(uri);
    const lens = await waitFor(async () => {
      const l = await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri, 100);
      return l && l.find((x) => x.command && x.command.command === 'flowsmith.runWorkflow');
    }, { timeout: 30_000, message: 'the Run code lens on flows/hello.ts' });
    assert.match(lens.command.title, /Run/);
    const [args] = lens.command.arguments ?? [];
    assert.equal(args.target, HELLO);

    // The lens's own command and target; params given, so no prompt.
    const outcome = await vscode.commands.executeCommand(lens.command.command, { ...args, params: { name: 'Ada' } });
    assert.equal(outcome.status, 'complete', JSON.stringify(outcome));
    assert.deepEqual(await results(outcome.runId), { greeting: 'Hello, Ada!', loud: 'HELLO, ADA!' });
    await waitFor(async () => {
      const s = await nodeStatuses(api, HELLO);
      return !api.deps.flows.liveNodes(HELLO) && s && s.greet === 'complete' && s.shout === 'complete';
    }, { timeout: 30_000, message: 'greet and shout complete in the Flows view' });
    assert.ok(fs.existsSync(path.join(root, '.flowsmith')), 'the run wrote the project\'s own store, .flowsmith/');
  });

  it('runs flows with the project\'s own flowsmith CLI (node_modules/flowsmith/dist/cli.js), not the bundled one', async () => {
    const outcome = await vscode.commands.executeCommand('flowsmith.runWorkflow', { target: WHICH, params: {} });
    assert.equal(outcome.status, 'complete', JSON.stringify(outcome));
    // The task reports process.argv[1] of the process that ran it: the CLI script the extension started.
    const { script } = await results(outcome.runId);
    const bundled = path.join(vscode.extensions.getExtension(EXTENSION_ID).extensionPath, 'runtime', 'dist', 'cli.js');
    assert.ok(fs.existsSync(bundled), 'the .vsix bundles a CLI as well');
    assert.notEqual(real(script), real(bundled), `the run used the CLI bundled with the extension (${script})`);
    assert.equal(real(script), real(path.join(root, 'node_modules', 'flowsmith', 'dist', 'cli.js')));
  });
});
