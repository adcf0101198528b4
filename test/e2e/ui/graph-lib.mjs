// What the graph scenarios (03, 08, 09) share: opening a workflow's graph from its "Graph" code
// lens, measuring what the webview shows (fitted? readable?), switching the colour theme the way a
// user does, and a 31-node workflow whose tasks live in another file.
import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from '../launch.mjs';
import { goToLine, graphFrame, locate, openFile, see, waitUntil } from './lib.mjs';

/** Opens `file` and clicks the "Graph" lens right above `export const NAME`; waits for the tab and nodes. */
export async function openGraphFromLens(page, workspace, file, name) {
  await openFile(page, file);
  await goToLine(page, locate(path.join(workspace, file), `export const ${name}`).line, 1);
  const lens = page.locator('.codelens-decoration a', { hasText: /^Graph$/ });
  await see(lens, `the "Graph" code lens of ${name}`, 60_000);
  await lens.filter({ visible: true }).first().click();
  await see(page.locator('.editor-group-container .tab', { hasText: `Graph: ${name}` }), `the "Graph: ${name}" editor tab`);
  await see(graphFrame(page).locator('svg [data-id]'), `nodes in the graph of ${name}`, 30_000);
}

/**
 * What the graph shows, measured in the webview: the panel (svg) box, the union of the node boxes,
 * how many nodes lie wholly inside the panel, the smallest rendered size of a node id (px), the
 * body's theme class, and the colours a node's box and text are drawn in.
 */
export async function graphGeometry(page) {
  return graphFrame(page).locator('svg#canvas').evaluate((svg) => {
    const panel = svg.getBoundingClientRect();
    const nodes = [...svg.querySelectorAll('.node')];
    let x0 = Infinity; let y0 = Infinity; let x1 = -Infinity; let y1 = -Infinity;
    let inside = 0;
    let minText = Infinity;
    for (const n of nodes) {
      const r = n.querySelector('.box').getBoundingClientRect();
      x0 = Math.min(x0, r.left); y0 = Math.min(y0, r.top); x1 = Math.max(x1, r.right); y1 = Math.max(y1, r.bottom);
      if (r.left >= panel.left - 1 && r.right <= panel.right + 1 && r.top >= panel.top - 1 && r.bottom <= panel.bottom + 1) inside++;
      const label = n.querySelector(n.closest('.compact') ? '.short' : '.label');
      minText = Math.min(minText, parseFloat(getComputedStyle(label).fontSize) * label.getScreenCTM().a);
    }
    const first = nodes[0];
    const style = (sel) => first && getComputedStyle(first.querySelector(sel));
    return {
      panel: { width: panel.width, height: panel.height },
      drawn: { width: x1 - x0, height: y1 - y0 },
      nodes: nodes.length, inside, minText,
      widthShare: (x1 - x0) / panel.width, heightShare: (y1 - y0) / panel.height,
      theme: document.body.className,
      boxFill: style('.box')?.fill, boxStroke: style('.box')?.stroke, textFill: style('.label')?.fill,
      background: getComputedStyle(document.body).backgroundColor,
      states: nodes.map((n) => n.querySelector('.state')?.textContent ?? ''),
    };
  });
}

/** Fails unless the graph is fitted and readable: every node inside, a fair share of the panel used, ids ≥ 10 px. */
export function assertFittedAndReadable(g, what, { share = 0.5, minText = 10 } = {}) {
  const problems = [];
  if (g.inside !== g.nodes) problems.push(`${g.nodes - g.inside} of ${g.nodes} nodes outside the panel`);
  if (Math.max(g.widthShare, g.heightShare) < share) {
    problems.push(`the nodes use ${Math.round(g.widthShare * 100)}% of the panel's width and ${Math.round(g.heightShare * 100)}% of its height (want ${share * 100}% of one)`);
  }
  if (g.minText < minText) problems.push(`node ids are drawn ${g.minText.toFixed(1)} px high (want ≥ ${minText})`);
  if (problems.length) throw new Error(`${what}: ${problems.join('; ')} (panel ${Math.round(g.panel.width)}×${Math.round(g.panel.height)})`);
}

/** Preferences: Color Theme → `theme`; waits until the graph webview's body has `bodyClass`. */
export async function switchTheme(page, theme, bodyClass) {
  await runCommand(page, 'Preferences: Color Theme');
  const input = page.locator('.quick-input-widget input');
  // The picker replaces the Command Palette in the same box: wait for it before typing.
  await waitUntil('the color theme picker', async () => /theme/i.test(await input.getAttribute('placeholder', { timeout: 1000 }).catch(() => '') ?? '')
    && page.locator('.quick-input-list .monaco-list-row', { hasText: /Dark Modern|Light Modern/ }).first().isVisible(), { timeout: 10_000 });
  await input.fill(theme);
  await see(page.locator('.quick-input-list .monaco-list-row', { hasText: theme }), `"${theme}" in the color theme picker`, 10_000);
  await page.keyboard.press('Enter');
  await waitUntil(`the graph webview in the ${theme} theme (body class ${bodyClass})`, async () => {
    const cls = await graphFrame(page).locator('body').getAttribute('class', { timeout: 2000 }).catch(() => '');
    return (cls ?? '').split(/\s+/).includes(bodyClass) && cls;
  }, { timeout: 15_000, describe: () => graphFrame(page).locator('body').getAttribute('class', { timeout: 2000 }).catch(() => '?') });
}

export const BIG = 'graph30/flow.ts';
export const BIG_TASKS = 'graph30/tasks.ts';
const SHARDS = 6;

/**
 * graph30/: tasks in tasks.ts, the workflow `shards` (31 nodes: 6 shards of fetch → clean →
 * validate → featurize, merged pairwise, then train and report) in flow.ts. Shard 3 fails its
 * strict validation (the run stops there); after the run `validate` is edited, so its complete
 * nodes turn stale.
 */
export function writeBigFlow(workspace, cli, log) {
  const dir = path.join(workspace, 'graph30');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'tasks.ts'), `import { task } from "flowsmith";

export interface Batch {
  shard: number;
  values: number[];
}

export const fetchBatch = task({ name: "fetch-batch" }, async ({ shard }: { shard: number }) =>
  ({ batch: { shard, values: [shard, shard + 1, shard + 2] } as Batch }));

export const cleanBatch = task({ name: "clean-batch" }, async ({ batch }: { batch: Batch }) =>
  ({ batch: { ...batch, values: batch.values.filter((v) => v >= 0) } }));

export const validate = task(async ({ batch }: { batch: Batch }) => {
  if (batch.values.length === 0) throw new Error(\`shard \${batch.shard} is empty\`);
  return { batch };
});

export const validateStrict = task({ name: "validate-strict" }, async ({ batch }: { batch: Batch }) => {
  if (batch.shard === 3) throw new Error("shard 3: 2 rows have no label (rows 17 and 23)");
  return { batch };
});

export const featurize = task(async ({ batch }: { batch: Batch }) =>
  ({ features: batch.values.map((v) => v * 2) }));

export const merge = task(async ({ a, b }: { a: number[]; b: number[] }) => ({ features: [...a, ...b] }));

export const trainModel = task({ name: "train-model" }, async ({ features }: { features: number[] }) =>
  ({ weights: features.slice(0, 3), score: features.length / 100 }));

export const report = task(async ({ score }: { score: number }) => ({ text: \`score \${score}\` }));
`);
  const lines = ['import { workflow } from "flowsmith";',
    'import { cleanBatch, featurize, fetchBatch, merge, report, trainModel, validate, validateStrict } from "./tasks.js";', '',
    'export const shards = workflow(() => {'];
  for (let s = 1; s <= SHARDS; s++) {
    lines.push(`  const f${s} = fetchBatch({ shard: ${s} }, { as: "fetch-${s}" });`,
      `  const c${s} = cleanBatch({ batch: f${s}.batch }, { as: "clean-${s}" });`,
      `  const v${s} = ${s === 3 ? 'validateStrict' : 'validate'}({ batch: c${s}.batch }, { as: "validate-${s}" });`,
      `  const x${s} = featurize({ batch: v${s}.batch }, { as: "features-${s}" });`);
  }
  lines.push('  const m12 = merge({ a: x1.features, b: x2.features }, { as: "merge-1-2" });',
    '  const m34 = merge({ a: x3.features, b: x4.features }, { as: "merge-3-4" });',
    '  const m56 = merge({ a: x5.features, b: x6.features }, { as: "merge-5-6" });',
    '  const m14 = merge({ a: m12.features, b: m34.features }, { as: "merge-1-4" });',
    '  const all = merge({ a: m14.features, b: m56.features }, { as: "merge-all" });',
    '  const model = trainModel({ features: all.features });',
    '  const summary = report({ score: model.score });',
    '  return { weights: model.weights, text: summary.text };', '});', '');
  fs.writeFileSync(path.join(dir, 'flow.ts'), lines.join('\n'));
  try {
    cli('run', `${BIG}#shards`);
  } catch (e) {
    log(`ran ${BIG}#shards with the CLI beforehand: it failed as meant (${e.message.split('\n').find((l) => /fail/i.test(l))?.trim() ?? 'validate-3'})`);
  }
  const tasks = path.join(dir, 'tasks.ts');
  fs.writeFileSync(tasks, fs.readFileSync(tasks, 'utf8').replace('  return { batch };', '  return { batch: { ...batch } };'));
  log('edited validate afterwards (its complete nodes turn stale)');
}
