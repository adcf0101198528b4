// A user opens the graph from the "Graph" code lens above `export const pipeline`: the webview shows
// every node with its status; clicking a node reveals its call in the editor.
import path from 'node:path';
import {
  cursorLine, goToLine, graphFrame, graphLegend, graphNodes, locate, openFile, see, visibleLines,
  waitForGraphStatuses, waitForWorkbench, waitUntil,
} from './lib.mjs';
import { assertFittedAndReadable, graphGeometry } from './graph-lib.mjs';

const FILE = 'pipeline/flow.ts';

export default {
  title: 'open the graph from a code lens; clicking a node reveals its code',
  prepare({ cli, log }) {
    cli('run', 'pipeline/flow.ts#pipeline');   // a workspace that has been run before: statuses to show
    log('ran pipeline/flow.ts#pipeline with the CLI beforehand (3 complete)');
  },
  async run({ page, workspace, shot, log }) {
    const file = path.join(workspace, FILE);
    await waitForWorkbench(page);
    await openFile(page, FILE);
    await page.keyboard.press('Control+B');   // hide the side bar: room for code and graph side by side
    const wf = locate(file, 'export const pipeline');
    await goToLine(page, wf.line, 1);

    // The lens row right above `export const pipeline`.
    const lens = page.locator('.codelens-decoration a', { hasText: /^Graph$/ });
    await see(lens, 'the "Graph" code lens', 60_000);
    const placed = await waitUntil('the "Graph" code lens right above "export const pipeline"', async () => {
      const line = (await visibleLines(page)).find((l) => l.text.startsWith('export const pipeline'));
      const lensBox = await lens.filter({ visible: true }).first().boundingBox();
      const lineBox = line && await page.locator('.editor-group-container.active .view-line', { hasText: 'export const pipeline' }).first().boundingBox();
      return lensBox && lineBox && lensBox.y < lineBox.y && lineBox.y - (lensBox.y + lensBox.height) < 12 && lensBox;
    }, { timeout: 15_000 });
    const status = await page.locator('.codelens-decoration', { has: page.locator('a', { hasText: /^Graph$/ }) }).filter({ visible: true }).first().innerText();
    log(`code lens: "${status.replace(/\s+/g, ' ')}"`);
    await lens.filter({ visible: true }).first().click();
    log(`clicked "Graph" (at y=${Math.round(placed.y)})`);

    await see(page.locator('.editor-group-container .tab', { hasText: 'Graph: pipeline' }), 'the "Graph: pipeline" editor tab');
    await see(graphFrame(page).locator('svg [data-id]'), 'nodes in the graph webview', 30_000);
    const nodes = await waitForGraphStatuses(page, { 'get-data': 'complete', preprocess: 'complete', train: 'complete' });
    if (nodes.length !== 3) throw new Error(`the graph shows ${nodes.length} nodes, not the pipeline's 3: ${nodes.map((n) => n.id).join(', ')}`);
    const edges = await graphFrame(page).locator('svg .edge').count();
    if (edges < 2) throw new Error(`the graph shows ${edges} edge(s); get-data → preprocess → train has 2`);
    const legend = await waitUntil('the graph legend "3 complete"', async () => { const l = await graphLegend(page); return l.includes('3 complete') && l; },
      { timeout: 10_000, describe: () => graphLegend(page) });
    log(`graph: ${nodes.map((n) => `${n.id} [${n.status}]`).join(', ')}; ${edges} edges; legend "${legend}"`);
    // Opened fitted and readable: every node inside the panel, most of its height or width used, ids ≥ 12 px.
    const g = await waitUntil('the pipeline graph fitted and readable', async () => {
      const m = await graphGeometry(page);
      try { assertFittedAndReadable(m, 'pipeline', { minText: 12, share: 0.6 }); return m; } catch { return undefined; }
    }, { timeout: 10_000, describe: async () => { try { assertFittedAndReadable(await graphGeometry(page), 'pipeline', { minText: 12, share: 0.6 }); return 'fine'; } catch (e) { return e.message; } } });
    log(`fitted: ${g.nodes} nodes inside ${Math.round(g.panel.width)}×${Math.round(g.panel.height)}, using ${Math.round(g.widthShare * 100)}% × ${Math.round(g.heightShare * 100)}%, ids ${g.minText.toFixed(1)} px; states ${g.states.join(' | ')}`);
    await page.mouse.move(640, 700);
    await shot('graph');

    // Click a node: the editor (the other group) selects its call.
    for (const [id, call] of [['get-data', 'const data = getData('], ['train', 'const model = train(']]) {
      const want = locate(file, call, 'export const pipeline').line;
      const before = await cursorLine(page);
      await graphFrame(page).locator(`svg [data-id="${id}"]`).click();
      await waitUntil(`the editor's cursor on line ${want} (${call}…) after clicking ${id} in the graph`,
        async () => (await cursorLine(page)) === want, { timeout: 15_000, describe: async () => `cursor on line ${await cursorLine(page)}` });
      await waitUntil(`line ${want} visible in the editor`, async () => (await visibleLines(page)).some((l) => l.line === want && l.text.includes(call)),
        { timeout: 5_000, describe: async () => `visible lines ${(await visibleLines(page)).map((l) => l.line).filter(Boolean).join(',')}` });
      const sel = await graphNodes(page);
      if (!sel.find((n) => n.id === id)?.selected) throw new Error(`${id} is not shown as selected in the graph after clicking it`);
      log(`clicked ${id}: cursor moved from ${before ? `line ${before}` : 'the graph'} to line ${want} ("${call}…"), ${id} selected in the graph`);
    }
    await page.mouse.move(640, 700);
    await shot('node-revealed', { docs: 'graph.png' });
  },
};
