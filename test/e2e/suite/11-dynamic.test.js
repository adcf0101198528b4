// Dynamic shapes (issue 23) in the real VS Code: the dynamic example's workflow (a map over the CSV
// files of an asset folder, a when() choosing the model) runs from the Flows view; afterwards its
// map node shows done/total and opens into its elements, the branch not taken shows as skipped
// ("branch not taken"); a broken when() gets FS014 (and no FS004 on its subject); and a file added to
// the asset folder turns the reading node STALE in the Flows view before anything runs.
//
// It uses examples/dynamic/ when the workspace has it; otherwise it writes a small flow of its own
// into dynamic_e2e/ (a map over a listing of an asset folder, a when on a param).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');
const { getApi, waitFor, flowsTree, screenshot, workspaceRoot } = require('./helpers');

const OWN_FLOW = `import { asset, each, map, task, when, workflow } from "flowsmith";
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";

export const listFiles = task({ name: "list-files" }, async ({ dir }: { dir: string }) => ({
  files: fs.readdirSync(dir).filter((f) => f.endsWith(".csv")).sort().map((f) => path.join(dir, f)),
}));
export const countRows = task({ name: "count-rows" }, async ({ file }: { file: string }) => ({ rows: fs.readFileSync(file, "utf8").trim().split("\\n").length }));
export const sum = task(async ({ rows }: { rows: (number | null)[] }) => ({ total: rows.reduce<number>((s, r) => s + (r ?? 0), 0) }));
export const twice = task(async ({ n }: { n: number }) => ({ out: n * 2 }));
export const same = task(async ({ n }: { n: number }) => ({ out: n }));

export const files = workflow({ params: z.object({ mode: z.enum(["twice", "same"]).default("twice") }) }, ({ mode }) => {
  const listing = listFiles({ dir: asset("data/raw") });
  const counted = map(countRows, { file: each(listing.files) });
  const s = sum({ rows: counted.rows });
  const r = when(mode).is("twice", () => ({ out: twice({ n: s.total }).out })).otherwise(() => ({ out: same({ n: s.total }).out }));
  return { out: r.out };
});
`;

const BROKEN = `import { task, workflow, when } from "flowsmith";
export const a = task(async () => ({ x: 1 }));
export const b = task(async () => ({ y: 2 }));
// Not exported: it is checked like any workflow, and never listed in the Flows view (other suites count those).
const broken = workflow((params: { n: number }) => {
  const w = when(params.n).is(1, () => ({ x: a({}).x })).is(2, () => ({ y: b({}).y })).end();
  return { w };
});
void broken;
`;

const flowsmithDiagnostics = (uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'flowsmith');
const codeOf = (d) => String(typeof d.code === 'object' ? d.code.value : d.code);

/** The example's flow file (relative to the workspace root), or our own written into dynamic_e2e/. */
function dynamicFlow(root) {
  const example = path.join(root, 'dynamic', 'files.ts');
  if (fs.existsSync(example) && fs.existsSync(path.join(root, 'dynamic', 'data', 'raw'))) return { rel: 'dynamic/files.ts', dir: path.join(root, 'dynamic'), own: false };
  const dir = path.join(root, 'dynamic_e2e');
  fs.mkdirSync(path.join(dir, 'data', 'raw'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'data', 'raw', 'a.csv'), 'x,y\n1,2\n');
  fs.writeFileSync(path.join(dir, 'data', 'raw', 'b.csv'), 'x,y\n3,4\n5,6\n');
  fs.writeFileSync(path.join(dir, 'files.ts'), OWN_FLOW);
  return { rel: 'dynamic_e2e/files.ts', dir, own: true };
}

/** Every node item of a workflow in the Flows tree (plain data), nested ones too. */
function nodesOf(wf) {
  const out = [];
  const visit = (items) => items.forEach((i) => { if (i.kind === 'node') out.push(i); visit(i.children); });
  visit(wf.children);
  return out;
}

describe('dynamic shapes', function () {
  this.timeout(300_000);
  let api;
  let flow;
  let target;
  let added;
  let panel;
  const brokenDir = path.join(workspaceRoot(), 'dynamic_broken_e2e');

  before(async () => {
    api = await getApi();
    flow = dynamicFlow(workspaceRoot());
    target = `${flow.rel}#files`;
    console.log(`      workflow ${target}${flow.own ? ' (own fixture)' : ''}`);
  });
  after(async () => {
    if (panel) panel.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (added) fs.rmSync(added, { force: true });
    fs.rmSync(path.join(brokenDir, 'broken.ts'), { force: true });
    fs.rmSync(brokenDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    if (flow && flow.own) {
      fs.rmSync(path.join(flow.dir, 'files.ts'), { force: true });
      fs.rmSync(flow.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    }
    // Our own fixture (when the workspace has no examples/dynamic) is gone before the next suite counts workflows.
    if (flow && flow.own) {
      await waitFor(async () => {
        await api.deps.flows.refresh();
        return !api.deps.flows.find(target);
      }, { timeout: 60_000, interval: 500, message: `${target} gone from the Flows view` });
    }
  });

  it('runs the workflow; its map node shows done/total and opens into its elements, the branch not taken is skipped', async () => {
    const model = await waitFor(() => {
      const f = api.deps.flows.find(target);
      return f && f.nodes.some((n) => n.kind === 'map') && f;
    }, { timeout: 90_000, message: `${target} with a map node in the Flows view's model` });
    const mapId = model.nodes.find((n) => n.kind === 'map').id;
    // The params' defaults (no prompt): `model`/`mode` chooses the first branch.
    const outcome = await vscode.commands.executeCommand('flowsmith.runWorkflow', { target, params: {} });
    assert.equal(outcome.status, 'complete', JSON.stringify(outcome));
    const mapItem = await waitFor(async () => {
      const wf = (await flowsTree(api)).find((w) => w.target === target);
      const n = wf && nodesOf(wf).find((x) => x.node === mapId);
      return n && n.status === 'complete' && /^(\d+)\/\1 · /.test(String(n.description)) && n.children.length && n;
    }, { timeout: 60_000, message: `map node ${mapId} complete with done/total and its elements` });
    const total = Number(/^(\d+)\//.exec(mapItem.description)[1]);
    assert.ok(total >= 2, mapItem.description);
    assert.deepEqual(mapItem.children.map((c) => c.label), Array.from({ length: total }, (_, i) => `${mapId}[${i}]`));
    assert.ok(mapItem.children.every((c) => c.status === 'complete'), JSON.stringify(mapItem.children.map((c) => [c.label, c.status])));
    const wf = (await flowsTree(api)).find((w) => w.target === target);
    const skipped = nodesOf(wf).filter((n) => n.status === 'skipped');
    assert.equal(skipped.length, 1, JSON.stringify(nodesOf(wf).map((n) => [n.node, n.status])));
    assert.equal(skipped[0].description, 'branch not taken');
    console.log(`      ${mapId}: ${mapItem.description}; skipped: ${skipped[0].node}`);
  });

  it('draws the map as one stacked node with its count, the when with its diamond and labelled branch edges, the skipped node dimmed', async () => {
    const model = api.deps.flows.find(target);
    const mapNode = model.nodes.find((n) => n.kind === 'map');
    const whenNode = model.nodes.find((n) => n.kind === 'when');
    panel = await vscode.commands.executeCommand('flowsmith.showGraph', { target });
    const rendered = await waitFor(() => panel.rendered && panel.rendered.dynamic && panel.rendered.dynamic.maps.length && panel.rendered,
      { timeout: 60_000, message: 'the graph drawn with its dynamic shapes' });
    const d = rendered.dynamic;
    assert.deepEqual(d.maps.map((m) => [m.id, m.stacked]), [[mapNode.id, true]]);
    assert.match(d.maps[0].count, /^(\d+)\/\1$/);
    assert.deepEqual(d.whens, [whenNode.id]);
    const labels = new Set(model.nodes.filter((n) => n.branch && n.branch.when === whenNode.id).map((n) => n.branch.label));
    assert.ok(d.branchEdges.length >= 1 && d.branchEdges.every((e) => e.to === whenNode.id && labels.has(/^\[([^\]]+)\]/.exec(e.label)[1])), JSON.stringify(d.branchEdges));
    assert.ok(d.assets.length >= 1, JSON.stringify(d.assets));
    assert.ok(Object.values(rendered.statuses).includes('skipped'), JSON.stringify(rendered.statuses));
    panel.panel.reveal();
    await waitFor(() => panel.panel.visible, { message: 'the graph panel visible' });
    const png = await screenshot('graph-dynamic');
    console.log(`      map ${d.maps[0].id} ${d.maps[0].count}; when ${d.whens[0]}; branch edges ${d.branchEdges.map((e) => e.label).join(' | ')}; assets ${d.assets.map((a) => a.text).join(', ')}${png ? `; screenshot ${png}` : ''}`);
    panel.dispose();
    panel = undefined;
  });

  it('reports FS014 at the branch yielding other outputs, and no FS004 on the when() subject', async () => {
    fs.mkdirSync(brokenDir, { recursive: true });
    const file = path.join(brokenDir, 'broken.ts');
    fs.writeFileSync(file, BROKEN);
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const diag = await waitFor(() => flowsmithDiagnostics(doc.uri).find((d) => codeOf(d) === 'FS014'),
      { timeout: 90_000, message: `FS014 in broken.ts; seen ${JSON.stringify(flowsmithDiagnostics(doc.uri).map((d) => [codeOf(d), d.message]))}` });
    assert.match(diag.message, /branch 2 of when node when yields y, but branch 1 yields x/);
    assert.equal(doc.getText(diag.range), '() => ({ y: b({}).y })');
    assert.ok(!flowsmithDiagnostics(doc.uri).some((d) => codeOf(d) === 'FS004'), 'no FS004 on the subject');
  });

  it('turns the asset\'s reader STALE in the Flows view when a file is added to the asset folder', async () => {
    const wf = (await flowsTree(api)).find((w) => w.target === target);
    const model = api.deps.flows.find(target);
    const reader = model.nodes.find((n) => n.assets && n.assets.length);
    assert.ok(reader, `a node reading an asset: ${JSON.stringify(model.nodes.map((n) => [n.id, n.assets]))}`);
    assert.equal(nodesOf(wf).find((n) => n.node === reader.id).status, 'complete');
    added = path.join(flow.dir, 'data', 'raw', 'zz-e2e.csv');
    fs.writeFileSync(added, 'x,y\n7,8\n');
    const stale = await waitFor(async () => {
      const now = (await flowsTree(api)).find((w) => w.target === target);
      const n = now && nodesOf(now).find((x) => x.node === reader.id);
      return n && n.status === 'stale' && n;
    }, { timeout: 60_000, message: `${reader.id} STALE after a file was added to its asset` });
    console.log(`      ${reader.id}: ${stale.status} (${reader.assets.join(', ')})`);
    fs.rmSync(added, { force: true });
    added = undefined;
  });
});
