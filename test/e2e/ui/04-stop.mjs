// A user starts the long-running example (long_running/flow.ts#slow, about two minutes) from the
// Flows view and presses Stop on it in the Runs view: the run ends as stopped.
import {
  acceptRunParams, clickInlineAction, describeRows, nodesOf, notifications, openFlowsmith, recordNotifications, row,
  treeRows, waitForNodeStatuses, waitForNotification, waitForWorkbench, waitUntil,
} from './lib.mjs';

export default {
  title: 'start the long-running example and stop it from the Runs view',
  async run({ page, shot, log }) {
    await waitForWorkbench(page);
    await openFlowsmith(page);
    await waitForNodeStatuses(page, 'slow', { prepare: 'pending', crunch: 'pending' });
    log('Flows view: slow (prepare, crunch) pending');

    await recordNotifications(page);
    await clickInlineAction(page, row(page, 'Flows', 'slow'), 'Run Workflow', 'the "slow" workflow row');
    await acceptRunParams(page);
    await waitForNotification(page, /Flowsmith: running slow/, 'the progress notification "Flowsmith: running slow"');
    log('started slow (steps=120, one second each)');

    // The live run in the Runs view, with crunch running.
    const runRow = row(page, 'Runs', 'slow');
    await waitUntil('the running "slow" run with crunch running in the Runs view', async () => {
      const rows = await treeRows(page, 'Runs');
      const run = rows.find((r) => r.level === 1 && r.name === 'slow');
      const crunch = rows.find((r) => r.level === 2 && r.name === 'crunch' && r.status === 'running');
      return run && run.status === 'running' && crunch;
    }, { timeout: 30_000, describe: async () => describeRows(await treeRows(page, 'Runs')) });
    await waitForNodeStatuses(page, 'slow', { prepare: 'complete', crunch: 'running' });
    log(`running: ${describeRows((await treeRows(page, 'Runs')).filter((r) => r.name === 'slow' || r.level === 2))}`);
    await shot('running');

    const t0 = Date.now();
    await clickInlineAction(page, runRow, 'Stop Run', 'the running "slow" run in the Runs view');
    log('pressed Stop Run');
    const stopped = await waitUntil('the "slow" run shown as stopped in the Runs view', async () => {
      const rows = await treeRows(page, 'Runs');
      const run = rows.find((r) => r.level === 1 && r.name === 'slow');
      return run && run.description.startsWith('stopped') && run.status === 'stopped' && run;
    }, { timeout: 30_000, describe: async () => describeRows(await treeRows(page, 'Runs')) });
    log(`stopped after ${((Date.now() - t0) / 1000).toFixed(1)} s: "${stopped.label}"`);
    await waitUntil('crunch shown as stopped under the run', async () => {
      const rows = await treeRows(page, 'Runs');
      return rows.find((r) => r.level === 2 && r.name === 'crunch' && r.status === 'stopped');
    }, { timeout: 15_000, describe: async () => describeRows(await treeRows(page, 'Runs')) });
    await waitUntil('the status bar message "Flowsmith: slow stopped"',
      async () => (await page.locator('.statusbar').innerText()).includes('slow stopped'), { timeout: 10_000 });
    const failed = (await notifications(page)).find((n) => /failed/.test(n.message));
    if (failed) throw new Error(`a stop was announced as a failure: "${failed.message}"`);
    log(`Flows view after the stop: ${describeRows(await nodesOf(page, 'slow'))}`);
    await page.mouse.move(700, 600);
    await shot('stopped');
  },
};
