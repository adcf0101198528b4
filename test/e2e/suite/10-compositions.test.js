// Compositions (issue 21 item 6) in the real VS Code: a `*.flows.yaml` file is checked as you type
// (a typo in a flow's workflow name gets a Flowsmith diagnostic in the YAML), the Flows view lists
// the composition with its composing flows as groups and their nodes, Run from the sidebar item
// runs it through the CLI (node statuses move live, the Runs view lists the run with its target),
// the graph draws each composing flow as a cluster and labels the mapped edges by map type, and the
// YAML's Run code lens runs it again.
//
// It uses examples/composition/nightly.flows.yaml when the workspace has it; otherwise it writes a
// small composition of its own (two flows, one raw mapping) into composition_e2e/.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');
const { getApi, waitFor, flowsTree, workspaceRoot } = require('./helpers');
const { compositionIn } = require('./10-compositions.fixture');

/** The composing flows as the YAML names them, and each mapping's map type (raw when absent). */
function readComposition(text) {
  const name = /^name:\s*(\S+)/m.exec(text)[1];
  const flows = [...text.matchAll(/^\s*-\s*name:\s*(\S+)\s*\n\s*flow:\s*(\S+)/gm)].map((m) => ({ name: m[1], flow: m[2] }));
  const mapTypes = new Set([...text.matchAll(/\{[^}\n]*parent_flow_name:[^}\n]*\}/g)].map((m) => (/map_type:\s*(\w+)/.exec(m[0]) ?? [])[1] ?? 'raw'));
  return { name, flows, mapTypes };
}

const flowsmithDiagnostics = (uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'flowsmith');

describe('compositions', function () {
  this.timeout(240_000);
  let api;
  let rel;
  let uri;
  let text;
  let spec;
  let target;
  let panel;

  before(async () => {
    api = await getApi();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const root = workspaceRoot();
    rel = compositionIn(root);
    uri = vscode.Uri.file(path.join(root, rel));
    text = fs.readFileSync(uri.fsPath, 'utf8');
    spec = readComposition(text);
    // A group names its workflow relative to the workspace root (CompositionGroup.flow), the YAML relative to itself.
    for (const f of spec.flows) f.target = path.posix.join(path.posix.dirname(rel), f.flow);
    target = `${rel}#${spec.name}`;
    console.log(`      composition ${target}: ${spec.flows.map((f) => `${f.name}=${f.flow}`).join(', ')}; map types ${[...spec.mapTypes].join(', ')}`);
  });
  after(async () => {
    if (panel) panel.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows a Flowsmith diagnostic at a typo in a flow\'s workflow name, and none once it is undone', async () => {
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    await waitFor(() => flowsmithDiagnostics(uri).every((d) => d.severity !== vscode.DiagnosticSeverity.Error) && api.deps.server.state === 'running',
      { timeout: 90_000, message: 'the server running and no Flowsmith error in the composition' });
    const flow = spec.flows[0].flow;
    const typo = `${flow}x`;
    const line = doc.getText().split('\n').findIndex((l) => l.includes(`flow: ${flow}`));
    assert.ok(line >= 0, `a line with flow: ${flow}`);
    const start = doc.lineAt(line).text.indexOf(flow);
    await editor.edit((b) => b.replace(new vscode.Range(line, start, line, start + flow.length), typo));
    const diag = await waitFor(() => flowsmithDiagnostics(uri).find((d) => d.range.start.line === line),
      { timeout: 60_000, message: `a Flowsmith diagnostic on line ${line + 1} (${typo}); seen ${JSON.stringify(flowsmithDiagnostics(uri).map((d) => [d.range.start.line, d.message]))}` });
    console.log(`      ${String(typeof diag.code === 'object' ? diag.code.value : diag.code)}: ${diag.message}`);
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Error);
    // Typed back as it was, and saved: the file on disk is the example's again.
    await editor.edit((b) => b.replace(new vscode.Range(line, start, line, start + typo.length), flow));
    assert.equal(doc.getText(), text);
    await doc.save();
    await waitFor(() => !flowsmithDiagnostics(uri).some((d) => d.range.start.line === line),
      { timeout: 60_000, message: `the diagnostic gone once the typo is undone; seen ${JSON.stringify(flowsmithDiagnostics(uri).map((d) => [d.range.start.line, d.message]))}` });
  });

  it('lists the composition in the Flows view with its composing flows as groups and their nodes', async () => {
    let seen;
    const comp = await waitFor(async () => {
      seen = (await flowsTree(api)).find((w) => w.target === target);
      const groups = seen && seen.children.filter((c) => c.kind === 'group');
      return groups && groups.length === spec.flows.length && groups.every((g) => g.children.length) && seen;
    }, { timeout: 90_000, message: `${target} in the Flows view with ${spec.flows.length} groups of nodes` })
      .catch((e) => { throw new Error(`${e.message}; seen ${JSON.stringify(seen, (k, v) => (k === 'tooltip' ? undefined : v))}`); });
    assert.equal(comp.kind, 'composition');
    assert.match(comp.description, /^composition · /);
    assert.match(comp.contextValue, /\bworkflow\b.*\bcomposition\b.*runnable/);
    // The composing flows in the file's order; after them, nodes of the composition's own (a db mapping's read).
    const groups = comp.children.filter((c) => c.kind === 'group');
    assert.deepEqual(groups.map((g) => g.label), spec.flows.map((f) => f.name));
    assert.deepEqual(comp.children.slice(0, groups.length), groups, 'the groups come first');
    assert.ok(comp.children.slice(groups.length).every((c) => c.kind === 'node'), 'the rest are nodes');
    for (const [i, g] of groups.entries()) {
      assert.ok(g.description.startsWith(spec.flows[i].target), `group ${g.label} names ${spec.flows[i].target}: ${g.description}`);
      for (const n of g.children.filter((c) => c.kind === 'node')) assert.ok(n.node.startsWith(`${g.label}/`), `${n.node} is in ${g.label}`);
    }
    // Clicking a group opens the YAML at its entry; clicking one of its nodes opens its call in the flow file.
    const item = (await api.flowsTree.getChildren()).find((w) => w.flow && w.flow.target === target);
    const [first] = (await api.flowsTree.getChildren(item)).filter((c) => c.kind === 'group');
    await vscode.commands.executeCommand(first.command.command, ...first.command.arguments);
    const entry = text.split('\n').findIndex((l) => new RegExp(`-\\s*name:\\s*${first.label}\\b`).test(l));
    await waitFor(() => {
      const ed = vscode.window.activeTextEditor;
      return ed && ed.document.uri.fsPath === uri.fsPath && ed.selection.start.line >= entry && ed.selection.start.line <= entry + 1;
    }, { timeout: 15_000, message: `the YAML at ${first.label}'s entry (line ${entry + 1})` });
    const [node] = (await api.flowsTree.getChildren(first)).filter((c) => c.kind === 'node');
    await vscode.commands.executeCommand(node.command.command, ...node.command.arguments);
    const flowFile = path.join(workspaceRoot(), spec.flows[0].target.split('#')[0]);
    await waitFor(() => vscode.window.activeTextEditor && vscode.window.activeTextEditor.document.uri.fsPath === flowFile,
      { timeout: 15_000, message: `${node.node}'s call in ${flowFile}` });
  });

  it('runs from the sidebar item: statuses move live, every node completes, the Runs view lists the run', async () => {
    // Start from nothing so the run has work to do (and statuses to move).
    await vscode.commands.executeCommand('flowsmith.resetWorkflow', { target, confirm: false });
    const item = await waitFor(async () => (await api.flowsTree.getChildren()).find((w) => w.flow && w.flow.target === target && w.flow.nodes.every((n) => n.status !== 'complete')),
      { timeout: 60_000, message: `${target} reset (no node complete)` });
    const seen = new Set();
    const sub = api.deps.flows.onDidChange(() => {
      const flow = api.deps.flows.find(target);
      if (flow) for (const n of flow.nodes) seen.add(n.status);
    });
    let outcome;
    try {
      // What the inline ▷ passes: the tree item itself. A composition has no params: no prompt.
      outcome = await vscode.commands.executeCommand('flowsmith.runWorkflow', item);
    } finally {
      sub.dispose();
    }
    assert.equal(outcome.status, 'complete', JSON.stringify(outcome));
    assert.ok(seen.has('running') || seen.has('complete'), `the Flows view's model saw statuses move during the run: ${[...seen].join(', ')}`);
    const statuses = await waitFor(async () => {
      const comp = (await flowsTree(api)).find((w) => w.target === target);
      const nodes = comp && comp.children.flatMap((c) => (c.kind === 'group' ? c.children : [c])).filter((n) => n.kind === 'node');
      return nodes && nodes.length && nodes.every((n) => n.status === 'complete') && nodes;
    }, { timeout: 60_000, message: 'every node of the composition complete in the Flows view' });
    console.log(`      ${statuses.length} nodes complete; statuses seen during the run: ${[...seen].join(', ')}`);
    const run = await waitFor(() => api.runsTree.getChildren().find((r) => r.run.runId === outcome.runId),
      { timeout: 30_000, message: 'the run in the Runs view' });
    assert.equal(run.run.target, target);
    assert.ok(api.runsTree.getChildren(run).every((n) => n.node.status === 'complete'));
  });

  it('draws each composing flow as a cluster and labels the mapped edges by map type', async () => {
    const item = (await api.flowsTree.getChildren()).find((w) => w.flow && w.flow.target === target);
    panel = await vscode.commands.executeCommand('flowsmith.showGraph', item);
    const rendered = await waitFor(() => panel.rendered && panel.rendered.clusters && panel.rendered.clusters.length === spec.flows.length && panel.rendered,
      { timeout: 60_000, message: `the graph drawn with ${spec.flows.length} clusters` });
    assert.deepEqual(rendered.clusters.map((c) => [c.id, c.flow]).sort(), spec.flows.map((f) => [f.name, f.target]).sort());
    for (const c of rendered.clusters) {
      assert.equal(c.status, 'complete', JSON.stringify(c));
      assert.match(c.counts, /^(\d+)\/\1 complete$/);
    }
    assert.ok(rendered.mapped.length > 0, 'mapped edges drawn');
    for (const e of rendered.mapped) {
      assert.ok(spec.mapTypes.has(e.mapType), `${e.mapType} is a map type of the YAML (${[...spec.mapTypes]})`);
      assert.ok(e.label.startsWith(`${e.mapType}: `), `the edge ${e.from} → ${e.to} is labelled by its map type: ${e.label}`);
      assert.notEqual(e.from.split('/')[0], e.to.split('/')[0], 'a mapped edge runs between two clusters');
    }
    assert.deepEqual(new Set(rendered.mapped.map((e) => e.mapType)), spec.mapTypes);
    // Clicking a cluster's title shows its entry in the YAML.
    await panel.onMessage({ type: 'revealGroup', group: spec.flows[1].name });
    const entry = text.split('\n').findIndex((l) => new RegExp(`-\\s*name:\\s*${spec.flows[1].name}\\b`).test(l));
    await waitFor(() => {
      const ed = vscode.window.activeTextEditor;
      return ed && ed.document.uri.fsPath === uri.fsPath && Math.abs(ed.selection.start.line - entry) <= 1;
    }, { timeout: 15_000, message: `the YAML at ${spec.flows[1].name}'s entry (line ${entry + 1})` });
    console.log(`      clusters: ${rendered.clusters.map((c) => `${c.id} (${c.counts})`).join(', ')}; mapped: ${rendered.mapped.map((e) => e.label).join(' | ')}`);
  });

  it('runs again from the Run code lens on the composition\'s name line', async () => {
    const lenses = await waitFor(async () => {
      const all = await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri, 100);
      return all && all.find((l) => l.command && l.command.command === 'flowsmith.runWorkflow') && all;
    }, { timeout: 60_000, message: 'a Run lens in the composition' });
    const run = lenses.find((l) => l.command && l.command.command === 'flowsmith.runWorkflow');
    assert.equal(run.range.start.line, text.split('\n').findIndex((l) => /^name:/.test(l)), 'the lens is on the name: line');
    const args = run.command.arguments[0];
    assert.equal(args.target, target);
    const outcome = await vscode.commands.executeCommand(run.command.command, ...run.command.arguments);
    assert.equal(outcome.status, 'complete', JSON.stringify(outcome));
    const latest = await waitFor(() => api.runsTree.getChildren().find((r) => r.run.runId === outcome.runId),
      { timeout: 30_000, message: 'the lens\'s run in the Runs view' });
    assert.equal(latest.run.target, target);
  });
});
