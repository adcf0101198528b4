// In an untrusted workspace (Restricted Mode) flows are still analysed and listed, the Flows view
// offers no Run, and the Run code lens is refused with a notification that says why.
import fs from 'node:fs';
import path from 'node:path';
import {
  goToLine, locate, openFile, openFlowsmith, pane, recordNotifications, row, see, treeRows,
  waitForNodeStatuses, waitForNotification, waitForWorkbench, waitUntil,
} from './lib.mjs';

export default {
  title: 'in an untrusted workspace Run is refused with an explanation',
  trusted: false,
  async run({ page, workspace, shot, log }) {
    await waitForWorkbench(page);
    await see(page.locator('[id="status.workspaceTrust"]'), 'the "Restricted Mode" item in the status bar', 30_000);
    await openFlowsmith(page);
    await waitForNodeStatuses(page, 'pipeline', { 'get-data': 'pending', preprocess: 'pending', train: 'pending' });
    log('Restricted Mode; the Flows view still lists pipeline (analysis works)');

    const train = row(page, 'Flows', 'train', 2);
    await train.hover();
    const inline = await train.locator('.actions .action-label').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    if (inline.some((a) => /^Run|^Reset|^Force/.test(a ?? ''))) throw new Error(`the Flows view offers ${inline.join(', ')} in an untrusted workspace`);
    log(`inline actions on train: ${inline.length ? inline.join(', ') : 'none'}`);

    await openFile(page, 'pipeline/flow.ts');
    await goToLine(page, locate(path.join(workspace, 'pipeline/flow.ts'), 'export const pipeline').line, 1);
    const run = await see(page.locator('.codelens-decoration a', { hasText: /^\s*Run$/ }), 'the "Run" code lens above export const pipeline', 60_000);
    await recordNotifications(page);
    await run.click();
    const n = await waitForNotification(page, /untrusted workspace/, 'the notification explaining that running is disabled in an untrusted workspace', 15_000);
    if (!/Running a workflow is disabled in an untrusted workspace, because it runs code from this workspace/.test(n.message)) {
      throw new Error(`the refusal does not explain itself: "${n.message}"`);
    }
    log(`notification: "${n.message}"`);
    await see(page.locator('.notification-toast .monaco-button', { hasText: 'Manage Workspace Trust' }), 'the "Manage Workspace Trust" button on the notification', 5_000);

    const runs = await treeRows(page, 'Runs');
    if (runs.length) throw new Error(`the Runs view lists runs after a refused run: ${runs.map((r) => r.label).join(', ')}`);
    const welcome = await pane(page, 'Runs').innerText();
    if (!welcome.includes('No runs yet')) throw new Error(`the Runs view does not say "No runs yet": ${welcome}`);
    if (fs.existsSync(path.join(workspace, '.flowsmith', 'runs')) && fs.readdirSync(path.join(workspace, '.flowsmith', 'runs')).length) {
      throw new Error('a run record was written in the untrusted workspace');
    }
    log('no run started (Runs view: "No runs yet", no run record in .flowsmith/runs)');
    const toast = page.locator('.notification-toast', { hasText: 'untrusted workspace' }).first();
    await waitUntil('the notification fully shown (faded in)', async () => (await toast.evaluate((e) => getComputedStyle(e).opacity)) === '1', { timeout: 5_000 });
    await shot('refused');
  },
};
