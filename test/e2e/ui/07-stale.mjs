// The README's tour ends with "change code, see it stale": after a run, a user edits a task's code;
// that node turns stale in the Flows view, its code lens and the graph, the others stay complete;
// undo makes it complete again.
import path from 'node:path';
import {
  clickInlineAction, describeRows, goToLine, graphFrame, locate, nodesOf, openFile, openFlowsmith, row, see,
  visibleLines, waitForGraphStatuses, waitForNodeStatuses, waitForWorkbench, waitUntil,
} from './lib.mjs';

const FILE = 'pipeline/flow.ts';

export default {
  title: 'change a task\'s code after a run: its node turns stale; undo: complete again',
  prepare({ cli, log }) {
    cli('run', 'pipeline/flow.ts#pipeline');
    log('ran pipeline/flow.ts#pipeline with the CLI beforehand (3 complete)');
  },
  async run({ page, workspace, shot, log }) {
    const file = path.join(workspace, FILE);
    await waitForWorkbench(page);
    await openFlowsmith(page);
    await waitForNodeStatuses(page, 'pipeline', { 'get-data': 'complete', preprocess: 'complete', train: 'complete' });
    await openFile(page, FILE);
    await clickInlineAction(page, row(page, 'Flows', 'pipeline'), 'Show Graph', 'the "pipeline" workflow row');
    await see(graphFrame(page).locator('svg [data-id]'), 'nodes in the graph webview', 30_000);
    await waitForGraphStatuses(page, { 'get-data': 'complete', preprocess: 'complete', train: 'complete' });
    await page.locator('.editor-group-container .tab', { hasText: 'flow.ts' }).first().click();   // back to the code
    await page.mouse.move(600, 600);   // off the tab: no path tooltip in the picture
    log('pipeline complete in the Flows view and the graph; flow.ts open beside the graph');

    // train's body: `let intercept = 0;` → `let intercept = 1;`
    const at = locate(file, 'let intercept = 0;', 'export const train');
    await goToLine(page, at.line, at.col + 'let intercept = '.length);
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.type('1');
    await waitUntil('the edited line "let intercept = 1;"', async () => (await visibleLines(page)).some((l) => l.text.trim() === 'let intercept = 1;'), { timeout: 10_000 });
    log(`changed train's code at line ${at.line}`);

    await waitForNodeStatuses(page, 'pipeline', { 'get-data': 'complete', preprocess: 'complete', train: 'stale' }, 30_000);
    log(`Flows view: ${describeRows(await nodesOf(page, 'pipeline'))}`);
    await waitForGraphStatuses(page, { 'get-data': 'complete', preprocess: 'complete', train: 'stale' });
    log('graph: train stale, get-data and preprocess complete');
    await goToLine(page, locate(file, 'export const train').line, 1);
    const lens = await see(page.locator('.codelens-decoration a', { hasText: /stale/ }), 'a code lens saying "stale" above export const train', 15_000);
    log(`code lens: "${(await lens.innerText()).trim()}"`);
    await page.mouse.move(700, 700);
    await shot('stale', { docs: 'stale.png' });

    await goToLine(page, at.line, 1);
    for (let i = 0; i < 5 && !(await visibleLines(page)).some((l) => l.text.trim() === 'let intercept = 0;'); i++) {
      await page.keyboard.press('Control+Z');
      await page.waitForTimeout(120);
    }
    await waitForNodeStatuses(page, 'pipeline', { 'get-data': 'complete', preprocess: 'complete', train: 'complete' }, 30_000);
    await waitForGraphStatuses(page, { 'get-data': 'complete', preprocess: 'complete', train: 'complete' });
    log('undo: train complete again in the Flows view and the graph');
  },
};
