// A user resets a node from the Flows view (context menu "Reset Node and Downstream" on preprocess,
// confirmed in the dialog): it and its downstream (train) turn pending, in the tree and in the
// graph; get-data stays complete.
import {
  clickContextMenu, clickInlineAction, describeRows, nodesOf, openFlowsmith, row, see, graphFrame,
  waitForGraphStatuses, waitForNodeStatuses, waitForWorkbench,
} from './lib.mjs';

export default {
  title: 'reset a node and its downstream from the Flows view: pending in the tree and the graph',
  prepare({ cli, log }) {
    cli('run', 'pipeline/flow.ts#pipeline');
    log('ran pipeline/flow.ts#pipeline with the CLI beforehand (3 complete)');
  },
  async run({ page, shot, log }) {
    await waitForWorkbench(page);
    await openFlowsmith(page);
    await waitForNodeStatuses(page, 'pipeline', { 'get-data': 'complete', preprocess: 'complete', train: 'complete' });
    log('Flows view: pipeline 3 complete');

    await clickInlineAction(page, row(page, 'Flows', 'pipeline'), 'Show Graph', 'the "pipeline" workflow row');
    await see(graphFrame(page).locator('svg [data-id]'), 'nodes in the graph webview', 30_000);
    await waitForGraphStatuses(page, { 'get-data': 'complete', preprocess: 'complete', train: 'complete' });
    log('graph (opened with the inline Show Graph): 3 complete');

    await clickContextMenu(page, row(page, 'Flows', 'preprocess'), 'Reset Node and Downstream', 'the "preprocess" node row');
    const dialog = await see(page.locator('.monaco-dialog-box'), 'the confirmation dialog of Reset Node and Downstream', 10_000);
    const question = (await dialog.innerText()).replace(/\s+/g, ' ');
    if (!question.includes('Reset preprocess and everything downstream of it?')) throw new Error(`unexpected confirmation: ${question}`);
    log(`dialog: "${question}"`);
    await dialog.locator('.monaco-button', { hasText: /^Reset$/ }).click();

    await waitForNodeStatuses(page, 'pipeline', { 'get-data': 'complete', preprocess: 'pending', train: 'pending' }, 30_000);
    log(`Flows view: ${describeRows(await nodesOf(page, 'pipeline'))}`);
    await waitForGraphStatuses(page, { 'get-data': 'complete', preprocess: 'pending', train: 'pending' });
    log('graph: get-data complete, preprocess pending, train pending');
    await page.mouse.move(700, 700);
    await shot('after-reset');
  },
};
