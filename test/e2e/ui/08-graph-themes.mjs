// A user looks at the graph in the light, dark and both high-contrast themes, for the three-node pipeline
// and for a 31-node workflow: each time it opens fitted (every node inside the panel, a fair share of
// it used), node ids at a readable size, every status as a word beside its icon, and the webview
// follows the theme.
import { runCommand } from '../launch.mjs';
import { graphFrame, waitForWorkbench, waitUntil } from './lib.mjs';
import { assertFittedAndReadable, BIG, graphGeometry, openGraphFromLens, switchTheme, writeBigFlow } from './graph-lib.mjs';

const THEMES = [
  { name: 'Light Modern', cls: 'vscode-light', step: 'light' },
  { name: 'Dark Modern', cls: 'vscode-dark', step: 'dark' },
  { name: 'Dark High Contrast', cls: 'vscode-high-contrast', step: 'hc' },
  { name: 'Light High Contrast', cls: 'vscode-high-contrast-light', step: 'hc-light' },
];
const STATUS_WORDS = /^(complete|failed|stale|pending|skipped|stopped|running)\b/;

export default {
  title: 'the graph in light, dark and high-contrast themes: fitted, readable, statuses in words',
  prepare({ cli, log, workspace }) {
    cli('run', 'pipeline/flow.ts#pipeline');
    log('ran pipeline/flow.ts#pipeline with the CLI beforehand (3 complete)');
    writeBigFlow(workspace, cli, log);
  },
  async run({ page, workspace, shot, log }) {
    await waitForWorkbench(page);
    // Three nodes at 1.4× (ids about 18 px); 31 nodes six across fitted into half the window: compact
    // nodes, the id alone at 9 px or more. Either way the drawing spans most of the panel.
    for (const [file, name, count, readable] of [['pipeline/flow.ts', 'pipeline', 3, { minText: 12, share: 0.7 }], [BIG, 'shards', 31, { minText: 9, share: 0.8 }]]) {
      await openGraphFromLens(page, workspace, file, name);
      await page.keyboard.press('Control+B');   // the side bar away: code and graph side by side
      await waitUntil(`${count} nodes drawn in the graph of ${name}`, async () => (await graphGeometry(page)).nodes === count,
        { timeout: 30_000, describe: async () => `${(await graphGeometry(page)).nodes} nodes` });
      for (const theme of THEMES) {
        await switchTheme(page, theme.name, theme.cls);
        const g = await waitUntil(`the ${name} graph fitted in the ${theme.name} theme`, async () => {
          const m = await graphGeometry(page);
          try { assertFittedAndReadable(m, name, readable); return m; } catch { return undefined; }
        }, { timeout: 10_000, describe: async () => { try { assertFittedAndReadable(await graphGeometry(page), name, readable); return 'fine'; } catch (e) { return e.message; } } });
        const words = g.states.filter((s) => STATUS_WORDS.test(s)).length;
        if (words !== count) throw new Error(`${name}: ${count - words} node(s) show no status word: ${g.states.join(' | ')}`);
        if (g.boxFill === g.background && !theme.step.startsWith('hc')) throw new Error(`${name} in ${theme.name}: node boxes have the page's own colour ${g.background}`);
        log(`${name} in ${theme.name}: ${g.nodes} nodes inside ${Math.round(g.panel.width)}×${Math.round(g.panel.height)}, using ${Math.round(g.widthShare * 100)}% × ${Math.round(g.heightShare * 100)}%, ids ${g.minText.toFixed(1)} px; box ${g.boxFill} / ${g.boxStroke}, text ${g.textFill}; e.g. "${g.states[0]}"`);
        await page.mouse.move(5, 790);
        await shot(`${name}-${theme.step}`);
      }
      await switchTheme(page, THEMES[0].name, THEMES[0].cls);
      if (name === 'pipeline') {
        // One editor group, the graph in front: a wide panel, so the chain turns to run rightwards, fitted again.
        await runCommand(page, 'View: Join All Editor Groups');
        const wide = await waitUntil('the pipeline graph running rightwards, fitted, in the full-width panel', async () => {
          const m = await graphGeometry(page);
          try { assertFittedAndReadable(m, name, readable); } catch { return undefined; }
          return m.panel.width > 1000 && m.drawn.width > 2 * m.drawn.height && m;
        }, { timeout: 15_000, describe: async () => JSON.stringify(await graphGeometry(page)) });
        log(`full width: ${Math.round(wide.panel.width)}×${Math.round(wide.panel.height)}, drawing ${Math.round(wide.drawn.width)}×${Math.round(wide.drawn.height)} (rightwards), ids ${wide.minText.toFixed(1)} px`);
        await shot(`${name}-wide`);
      }
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+W');   // close all editors: one graph webview at a time
      await waitUntil('no graph webview left', async () => (await graphFrame(page).locator('svg').count().catch(() => 0)) === 0, { timeout: 10_000 });
      await page.keyboard.press('Control+B');
    }
  },
};
