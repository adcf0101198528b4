// A user opens a composition (`*.flows.yaml`, run once beforehand with the CLI), clicks the "Graph"
// code lens on its `name:` line and looks at it in the dark theme: each composing flow is a labelled
// box (its name, the workflow it runs, "N/N complete") around its nodes, every node inside its box
// and complete, the mapped edges between boxes labelled by their map type; hovering one says
// output → param and what the map type does.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { describeRows, goToLine, graphFrame, locate, openFile, openFlowsmith, row, see, treeRows, waitForWorkbench, waitUntil } from './lib.mjs';
import { switchTheme } from './graph-lib.mjs';

const require = createRequire(import.meta.url);
const { compositionIn } = require('../suite/10-compositions.fixture.js');

/** What the composition's graph shows: clusters (name, workflow, counts, box) and nodes (box, status), mapped edges' labels. */
async function compositionGeometry(page) {
  return graphFrame(page).locator('svg#canvas').evaluate((svg) => {
    const rect = (e) => { const r = e.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height }; };
    const panel = rect(svg);
    // The boxes are under the edges (#clusters), their titles over them (#cluster-titles).
    const clusters = [...svg.querySelectorAll('#cluster-titles .cluster')].map((c) => {
      const box = svg.querySelector(`#clusters .cluster[data-group="${c.getAttribute('data-group')}"] .cluster-box`);
      return {
        id: c.getAttribute('data-group'), flow: c.querySelector('.cluster-flow')?.textContent ?? '',
        counts: c.querySelector('.cluster-counts')?.textContent ?? '', box: rect(box), fill: getComputedStyle(box).fill,
        // The title as drawn: the name line, or zoomed out the larger name alone.
        nameSize: (() => {
          const t = [...c.querySelectorAll('.cluster-name, .cluster-short')].find((x) => getComputedStyle(x).display !== 'none');
          return t ? parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a : 0;
        })(),
      };
    });
    const nodes = [...svg.querySelectorAll('.node')].map((n) => ({
      id: n.getAttribute('data-id'), status: [...n.classList].find((c) => c.startsWith('status-'))?.slice(7), box: rect(n.querySelector('.box')),
    }));
    const mapped = [...svg.querySelectorAll('.edge.mapped')].map((e) => ({
      from: e.getAttribute('data-from'), to: e.getAttribute('data-to'), mapType: e.getAttribute('data-map-type'),
      label: e.querySelector('.edge-label')?.textContent ?? '', dash: getComputedStyle(e.querySelector('.line')).strokeDasharray,
      labelShown: e.querySelector('.edge-label') ? getComputedStyle(e.querySelector('.edge-label')).display !== 'none' : false,
      badge: e.querySelector('.edge-badge') && getComputedStyle(e.querySelector('.edge-badge')).display !== 'none' ? e.querySelector('.edge-badge').textContent : '',
    }));
    return { panel, clusters, nodes, mapped, theme: document.body.className, background: getComputedStyle(document.body).backgroundColor };
  });
}

const inside = (b, c) => b.x >= c.x - 0.5 && b.y >= c.y - 0.5 && b.x + b.w <= c.x + c.w + 0.5 && b.y + b.h <= c.y + c.h + 0.5;

export default {
  title: 'a composition\'s graph in the dark theme: composing flows as boxes, mapped edges labelled by map type',
  prepare({ cli, log, workspace }) {
    const rel = compositionIn(workspace);
    const name = /^name:\s*(\S+)/m.exec(fs.readFileSync(path.join(workspace, rel), 'utf8'))[1];
    cli('run', `${rel}#${name}`);
    log(`ran ${rel}#${name} with the CLI beforehand`);
    fs.writeFileSync(path.join(workspace, '.composition-under-test'), rel);
  },
  async run({ page, workspace, shot, log }) {
    const rel = fs.readFileSync(path.join(workspace, '.composition-under-test'), 'utf8');
    const file = path.join(workspace, rel);
    const text = fs.readFileSync(file, 'utf8');
    const name = /^name:\s*(\S+)/m.exec(text)[1];
    // The boxes name each workflow relative to the workspace root, the YAML relative to itself.
    const flows = [...text.matchAll(/^\s*-\s*name:\s*(\S+)\s*\n\s*flow:\s*(\S+)/gm)].map((m) => ({ name: m[1], flow: path.posix.join(path.posix.dirname(rel), m[2]) }));
    await waitForWorkbench(page);
    await openFile(page, rel);
    await goToLine(page, locate(file, 'name:').line, 1);
    const lens = page.locator('.codelens-decoration a', { hasText: /^Graph$/ });
    await see(lens, `the "Graph" code lens of the composition ${name}`, 90_000);
    await lens.filter({ visible: true }).first().click();
    await see(page.locator('.editor-group-container .tab', { hasText: `Graph: ${name}` }), `the "Graph: ${name}" editor tab`);
    // Back in the YAML (the graph's webview keeps the keyboard otherwise), then the side bar away.
    await page.locator('.editor-group-container .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('Control+B');
    await page.keyboard.press('Control+Home');
    await switchTheme(page, 'Dark Modern', 'vscode-dark');
    const g = await waitUntil(`${flows.length} clusters with every node inside its own, all complete`, async () => {
      const m = await compositionGeometry(page);
      if (m.clusters.length !== flows.length || !m.nodes.length) return undefined;
      const boxes = new Map(m.clusters.map((c) => [c.id, c.box]));
      // A node of a composing flow (`flow/node`) sits in its box; the composition's own nodes (a db read) between the boxes.
      const ok = m.nodes.every((n) => n.status === 'complete' && (!n.id.includes('/') || (boxes.has(n.id.split('/')[0]) && inside(n.box, boxes.get(n.id.split('/')[0])))));
      return ok && m;
    }, { timeout: 60_000, describe: async () => JSON.stringify(await compositionGeometry(page)).slice(0, 1500) });
    for (const f of flows) {
      const c = g.clusters.find((x) => x.id === f.name);
      if (!c) throw new Error(`no cluster for the composing flow ${f.name}: ${g.clusters.map((x) => x.id).join(', ')}`);
      if (c.flow !== f.flow) throw new Error(`the ${f.name} cluster names "${c.flow}", not ${f.flow}`);
      if (!/^(\d+)\/\1 complete$/.test(c.counts)) throw new Error(`the ${f.name} cluster says "${c.counts}"`);
    }
    if (g.clusters.some((c) => c.fill === g.background)) throw new Error(`cluster boxes have the page's own colour ${g.background}`);
    if (g.clusters.some((c) => c.nameSize < 10)) throw new Error(`cluster titles are drawn at ${g.clusters.map((c) => c.nameSize.toFixed(1)).join(', ')} px (want ≥ 10)`);
    if (!g.mapped.length) throw new Error('no mapped edge drawn between the clusters');
    for (const e of g.mapped) {
      if (!e.label.startsWith(`${e.mapType}: `)) throw new Error(`the mapped edge ${e.from} → ${e.to} is labelled "${e.label}", not by its map type ${e.mapType}`);
      if (!e.labelShown && e.badge !== e.mapType) throw new Error(`the mapped edge ${e.from} → ${e.to} shows neither its label nor its map type (badge "${e.badge}")`);
      if (e.mapType === 'raw' ? e.dash !== 'none' : e.dash === 'none') throw new Error(`the ${e.mapType} edge ${e.from} → ${e.to} is drawn with dash "${e.dash}"`);
    }
    log(`dark theme (${g.theme}): ${g.clusters.map((c) => `${c.id} "${c.flow}" ${c.counts}`).join('; ')}`);
    log(`mapped edges: ${g.mapped.map((e) => `${e.label} [dash ${e.dash}]${e.labelShown ? '' : ` (zoomed out: "${e.badge}")`}`).join(' | ')}; cluster names drawn at ${g.clusters.map((c) => c.nameSize.toFixed(1)).join(', ')} px`);
    await page.mouse.move(5, 790);
    await shot('graph-dark');
    // Hover a mapped edge: output → param and what its map type does.
    const e = g.mapped[0];
    // On the line itself, half-way along it (a bent edge's box centre may be off the line).
    const hit = graphFrame(page).locator(`svg .edge.mapped[data-from="${e.from}"][data-to="${e.to}"] .hit`).first();
    const position = await hit.evaluate((p) => {
      const at = p.getPointAtLength(p.getTotalLength() / 2).matrixTransform(p.getScreenCTM());
      const r = p.ownerSVGElement.getBoundingClientRect();
      return { x: at.x - r.left, y: at.y - r.top, at: [at.x, at.y] };
    });
    // The pointer comes in from beside the line, in steps, as a hand moves it (one jump onto a thin SVG path may not hover it).
    // Measured from the drawing's own box (a path's box as the browser reports it to playwright includes its wide hit stroke).
    const box = await graphFrame(page).locator('svg#canvas').boundingBox();
    const [x, y] = [box.x + position.x, box.y + position.y];
    await page.mouse.move(x - 30, y - 30);
    await page.mouse.move(x, y, { steps: 5 });
    const tip = await waitUntil('the mapped edge\'s hover', async () => {
      const t = graphFrame(page).locator('#tooltip');
      const s = (await t.isVisible()) ? await t.innerText() : '';
      return s.includes('→ param') && s;
    }, { timeout: 10_000, describe: async () => graphFrame(page).locator('svg#canvas').evaluate((svg, at) => {
      const under = document.elementFromPoint(at[0], at[1]);
      return `under the pointer's point ${at.map(Math.round)}: ${under?.outerHTML.slice(0, 160)}; tooltip ${document.getElementById('tooltip')?.hidden ? 'hidden' : 'shown'}`;
    }, position.at) });
    log(`hover on ${e.from} → ${e.to}: ${tip.replace(/\n/g, ' ⏎ ')}`);
    await shot('mapped-edge-hover');

    // The Flows view: the composition (its own icon, "composition"), its composing flows as groups under it.
    await openFlowsmith(page);
    const comp = row(page, 'Flows', name);
    await see(comp, `the composition ${name} in the Flows view`, 60_000);
    if ((await comp.getAttribute('aria-expanded')) !== 'true') await comp.locator('.monaco-tl-twistie').click();
    const rows = await waitUntil(`${name} with its composing flows ${flows.map((f) => f.name).join(', ')} as groups`, async () => {
      const all = await treeRows(page, 'Flows');
      const i = all.findIndex((r) => r.name === name && r.level === 1);
      if (i < 0 || !all[i].description.startsWith('composition')) return undefined;
      const groups = all.slice(i + 1).filter((r) => r.level === 2 && r.icon === 'type-hierarchy-sub');
      return flows.every((f) => groups.some((g) => g.name === f.name && g.description.startsWith(f.flow))) && all.slice(i);
    }, { timeout: 30_000, describe: async () => describeRows(await treeRows(page, 'Flows')) });
    log(`Flows view: ${describeRows(rows.slice(0, 1 + rows.slice(1).findIndex((r) => r.level === 1) >>> 0 || rows.length).slice(0, 12))}`);
    await page.mouse.move(5, 790);
    await shot('sidebar');
  },
};
