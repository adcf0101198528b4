// A workflow of 2000 nodes and ~3900 edges (40 wide, 50 deep), written into the workspace at test
// time: the server analyses it, the graph webview lays it out (elkjs in a worker) and draws it.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');
const { getApi, waitFor, workspaceRoot, screenshot } = require('./helpers');

const WIDTH = 40;
const DEPTH = 50;

function bigFlow() {
  const lines = ['import { task, workflow } from "flowsmith";', 'import { z } from "zod";', '',
    'export const source = task(async ({ i }: { i: number }) => ({ value: i }));',
    'export const join = task(async ({ a, b }: { a: number; b: number }) => ({ value: a + b }));', '',
    'export const big = workflow({ params: z.object({ k: z.number().default(1) }) }, ({ k }) => {'];
  for (let i = 0; i < WIDTH; i++) lines.push(`  const n0_${i} = source({ i: k }, { as: "s${i}" });`);
  for (let d = 1; d < DEPTH; d++) {
    for (let i = 0; i < WIDTH; i++) {
      lines.push(`  const n${d}_${i} = join({ a: n${d - 1}_${i}.value, b: n${d - 1}_${(i * 7 + d) % WIDTH}.value }, { as: "j${d}_${i}" });`);
    }
  }
  lines.push(`  return { ${Array.from({ length: WIDTH }, (_, i) => `o${i}: n${DEPTH - 1}_${i}.value`).join(', ')} };`, '});', '');
  return lines.join('\n');
}

describe('graph webview at a few thousand nodes', () => {
  const dir = path.join(workspaceRoot(), 'big_e2e');
  let panel;
  before(async () => {
    await getApi();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'flow.ts'), bigFlow());
  });
  after(async () => {
    panel?.dispose();
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  it('lays out and draws 2000 nodes without blocking the window', async function () {
    this.timeout(240_000);
    const api = await getApi();
    const target = 'big_e2e/flow.ts#big';
    const started = Date.now();
    await waitFor(async () => { await api.deps.flows.refresh(); return api.deps.flows.find(target); },
      { timeout: 180_000, interval: 2000, message: 'the big workflow known to the server' });
    const analysed = Date.now();
    panel = await vscode.commands.executeCommand('flowsmith.showGraph', { target });
    const rendered = await waitFor(() => panel.rendered && panel.rendered.nodes === WIDTH * DEPTH && panel.rendered,
      { timeout: 180_000, message: `${WIDTH * DEPTH} nodes drawn` });
    console.log(`      analysis ${analysed - started} ms; graph request + layout + drawing ${Date.now() - analysed} ms (elk ${rendered.layoutMs} ms)`);
    assert.equal(rendered.nodes, 2000);
    assert.ok(rendered.edges > 3800);
    await screenshot('graph-2000-nodes');
  });
});
