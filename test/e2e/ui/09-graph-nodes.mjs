// A user reads and follows the nodes of a 31-node graph whose tasks live in another file: hovering
// the failed node shows its error, hovering an edge shows output → input and the input's type;
// double-clicking a node shows its call in the workflow; its context menu's "Go to Task Definition"
// and F12 on a focused node open the task in tasks.ts.
import path from 'node:path';
import { cursorLine, graphFrame, locate, see, waitForGraphStatuses, waitForWorkbench, waitUntil } from './lib.mjs';
import { BIG, BIG_TASKS, openGraphFromLens, writeBigFlow } from './graph-lib.mjs';

/** The hover box's text once it shows `needle`. */
async function hoverShows(page, locator, needle, what) {
  await locator.hover({ force: true });
  return waitUntil(what, async () => {
    const tip = graphFrame(page).locator('#tooltip');
    const t = (await tip.isVisible()) ? await tip.innerText() : '';
    return t.includes(needle) && t;
  }, { timeout: 10_000, describe: async () => `hover: ${(await graphFrame(page).locator('#tooltip').innerText({ timeout: 1000 }).catch(() => '')) || 'none'}` });
}

/** Waits for `file` in the active editor with the cursor on `line` (or within [line, last]: a selected declaration ends there). */
async function activeEditorAt(page, file, line, what, last = line) {
  const name = path.basename(file);
  await waitUntil(`${what}: ${name} active with the cursor on line ${line}${last > line ? `–${last}` : ''}`, async () => {
    const tab = await page.locator('.editor-group-container .tab.active', { hasText: name }).count();
    const dir = await page.locator('.breadcrumbs-control .monaco-breadcrumb-item', { hasText: path.basename(path.dirname(file)) }).count();
    const at = await cursorLine(page);
    return tab > 0 && dir > 0 && at >= line && at <= last;
  }, { timeout: 15_000, describe: async () => `tabs ${(await page.locator('.editor-group-container .tab.active').allInnerTexts()).join(' | ')}, cursor on line ${await cursorLine(page)}` });
}

export default {
  title: 'hover a failed node and an edge; go to a node\'s call and its task in another file',
  prepare({ cli, log, workspace }) {
    writeBigFlow(workspace, cli, log);
  },
  async run({ page, workspace, shot, log }) {
    const flow = path.join(workspace, BIG);
    const tasks = path.join(workspace, BIG_TASKS);
    await waitForWorkbench(page);
    await openGraphFromLens(page, workspace, BIG, 'shards');
    await waitForGraphStatuses(page, { 'validate-3': 'failed', 'validate-1': 'stale', 'fetch-1': 'complete' });

    const failed = graphFrame(page).locator('svg [data-id="validate-3"]');
    const tip = await hoverShows(page, failed, 'shard 3: 2 rows have no label', 'the error of validate-3 on hover');
    log(`hover on validate-3: ${tip.replace(/\n/g, ' ⏎ ')}`);
    await shot('failed-hover');

    const edge = graphFrame(page).locator('svg .edge[data-from="merge-all"][data-to="train-model"] .hit');
    const edgeTip = await hoverShows(page, edge, 'type: number[]', 'output → input and the type on the edge merge-all → train-model');
    if (!edgeTip.includes('features → features')) throw new Error(`the edge's hover does not say "features → features": ${edgeTip}`);
    log(`hover on the edge merge-all → train-model: ${edgeTip.replace(/\n/g, ' ⏎ ')}`);
    await shot('edge-hover');

    const call = locate(flow, 'const x2 = featurize(').line;
    await graphFrame(page).locator('svg [data-id="features-2"]').dblclick();
    await activeEditorAt(page, flow, call, 'double-click on features-2');
    log(`double-clicked features-2: flow.ts, cursor on line ${call} (its call)`);

    // The task's declaration is selected: `export const featurize = task(…` and its next line.
    const def = locate(tasks, 'export const featurize').line;
    await graphFrame(page).locator('svg [data-id="features-2"]').click({ button: 'right' });
    const item = await see(page.locator('.context-view .action-item', { hasText: 'Go to Task Definition' }), 'the node\'s context menu with "Go to Task Definition"', 10_000);
    const items = await page.locator('.context-view .action-item .action-label').allInnerTexts();
    log(`context menu of features-2: ${items.filter(Boolean).join(' | ')}`);
    await shot('context-menu');
    await item.click();
    await activeEditorAt(page, tasks, def, '"Go to Task Definition" on features-2', def + 1);
    log(`Go to Task Definition: tasks.ts, featurize's declaration selected (line ${def}, cursor on line ${await cursorLine(page)})`);

    const strict = locate(tasks, 'export const validateStrict').line;
    await graphFrame(page).locator('svg [data-id="validate-3"]').focus();
    await page.keyboard.press('F12');
    await activeEditorAt(page, tasks, strict, 'F12 on the focused validate-3', strict + 3);
    log(`F12 on validate-3: tasks.ts, validateStrict's declaration selected (line ${strict}, cursor on line ${await cursorLine(page)})`);
    await shot('task-revealed');
  },
};
