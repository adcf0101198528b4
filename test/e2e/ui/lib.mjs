// What the UI scenarios share: finding things on the VS Code page the way a person sees them (the
// Flowsmith views' rows and their icons, the editor's lines and squiggles, the status bar, the graph
// webview), waiting for them with a bounded timeout, and screenshots. Nothing here calls into the
// extension host: every action is a click or a key press on the page.
import fs from 'node:fs';
import path from 'node:path';

/** Thrown when something a user would see did not appear: the message names it. */
export class NotSeen extends Error {}

/**
 * Polls `probe` (sync or async) until it returns something truthy, and returns that. After `timeout`
 * ms fails with "<what> did not appear within N s", plus what was seen last (`describe(last)`).
 */
export async function waitUntil(what, probe, { timeout = 30_000, interval = 150, describe } = {}) {
  const until = Date.now() + timeout;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > until) {
      let seen = '';
      try { seen = describe ? await describe(last) : ''; } catch { /* the page may be gone */ }
      const why = seen ? `; seen: ${seen}` : lastError ? `; last error: ${lastError.message.split('\n')[0]}` : '';
      throw new NotSeen(`${what} did not appear within ${Math.round(timeout / 1000)} s${why}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Waits for the first visible match of a locator; fails naming `what`. */
export async function see(locator, what, timeout = 30_000) {
  const visible = locator.filter({ visible: true }).first();
  try {
    await visible.waitFor({ state: 'visible', timeout });
  } catch {
    throw new NotSeen(`${what} did not appear within ${Math.round(timeout / 1000)} s`);
  }
  return visible;
}

/** Normalises text from the page: Monaco renders spaces as U+00A0. */
export const text = (s) => (s ?? '').replace(/\u00a0/g, ' ');

// ---------------------------------------------------------------------------------------------
// Workbench

export async function waitForWorkbench(page) {
  await see(page.locator('.monaco-workbench .part.activitybar'), 'the VS Code workbench (activity bar)', 60_000);
}

/** Clicks the Flowsmith item in the activity bar and waits for the Flows view. */
export async function openFlowsmith(page) {
  const item = await see(page.locator('.activitybar .action-item .action-label[aria-label="Flowsmith"]'),
    'the Flowsmith item in the activity bar', 60_000);
  const checked = await item.evaluate((e) => e.closest('.action-item')?.classList.contains('checked'));
  if (!checked) await item.click();
  await page.mouse.move(800, 450);   // off the activity bar: no tooltip left over it
  await see(pane(page, 'Flows'), 'the Flows view of the Flowsmith side bar');
  await see(pane(page, 'Runs'), 'the Runs view of the Flowsmith side bar');
}

/** A view pane of the side bar by its title ("Flows", "Runs"). */
export function pane(page, title) {
  return page.locator('.sidebar .pane', { has: page.locator('.pane-header h3.title', { hasText: new RegExp(`^${title}$`, 'i') }) });
}

const ICON_STATUS = {
  pass: 'complete', 'pass-filled': 'complete', 'circle-outline': 'pending', warning: 'stale', sync: 'running',
  loading: 'starting', error: 'failed', 'debug-stop': 'stopped', 'circle-slash': 'skipped',
  'symbol-namespace': 'sub-flow',
};

/**
 * The rows of a tree view as a person sees them: `name` (the label), `description` (the grey text
 * after it), `label` = both (what is shown on the row), `aria` (what a screen reader reads), the
 * status its icon shows, its depth and whether it is expanded.
 */
export async function treeRows(page, title) {
  const rows = await pane(page, title).locator('.monaco-list-row').evaluateAll((els) => els.map((e) => {
    const icon = e.querySelector('.custom-view-tree-node-item-icon');
    const codicon = icon ? [...icon.classList].find((c) => c.startsWith('codicon-') && c !== 'codicon-modifier-spin') : undefined;
    return {
      name: e.querySelector('.label-name')?.textContent ?? '', description: e.querySelector('.label-description')?.textContent ?? '',
      aria: e.getAttribute('aria-label') ?? '', level: Number(e.getAttribute('aria-level')),
      expanded: e.getAttribute('aria-expanded'), icon: codicon?.slice('codicon-'.length),
      top: parseFloat(e.style.top) || 0,
    };
  }));
  return rows.sort((a, b) => a.top - b.top).map((r) => ({
    ...r, name: text(r.name).trim(), description: text(r.description).trim(),
    label: text(`${r.name} ${r.description}`).trim(), status: ICON_STATUS[r.icon] ?? r.icon,
  }));
}

export function describeRows(rows) {
  return rows.length ? rows.map((r) => `${'  '.repeat(Math.max(0, r.level - 1))}${r.label} [${r.status ?? 'no icon'}]`).join(' | ') : '(no rows)';
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The row of a tree whose label (the name shown, not the grey description) is `name`; with `level`,
 * only at that depth (a node `train` under a workflow is level 2, a workflow named `train` level 1).
 */
export function row(page, title, name, level) {
  const rows = level === undefined ? '.monaco-list-row' : `.monaco-list-row[aria-level="${level}"]`;
  return pane(page, title).locator(rows, { has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRe(name)}\\s*$`) }) }).first();
}

/** The rows under a workflow row of the Flows view: its nodes, until the next workflow. */
export async function nodesOf(page, workflow) {
  const rows = await treeRows(page, 'Flows');
  const i = rows.findIndex((r) => r.level === 1 && r.name === workflow);
  if (i < 0) return undefined;
  const out = [];
  for (const r of rows.slice(i + 1)) {
    if (r.level <= 1) break;
    out.push(r);
  }
  return out;
}

/** Waits until each named node of `workflow` in the Flows view shows the wanted status icon. */
export async function waitForNodeStatuses(page, workflow, wanted, timeout = 60_000) {
  const names = Object.keys(wanted);
  return waitUntil(
    `Flows view: ${names.map((n) => `${workflow}/${n} ${wanted[n]}`).join(', ')}`,
    async () => {
      // The view expands workflows only while there are few (client/src/views/flowsTree.ts): open it as a person would.
      const top = (await treeRows(page, 'Flows')).find((r) => r.level === 1 && r.name === workflow);
      if (top?.expanded === 'false') await row(page, 'Flows', workflow, 1).locator('.monaco-tl-twistie').click().catch(() => undefined);
      const nodes = await nodesOf(page, workflow);
      return nodes && names.every((n) => nodes.find((r) => r.name === n)?.status === wanted[n]) && nodes;
    },
    { timeout, describe: async () => describeRows((await nodesOf(page, workflow)) ?? await treeRows(page, 'Flows')) },
  );
}

/** Hovers a tree row and clicks one of its inline actions (by its tooltip, e.g. "Run Workflow"). */
export async function clickInlineAction(page, rowLocator, action, what) {
  await see(rowLocator, what);
  await rowLocator.hover();
  const button = rowLocator.locator(`.actions .action-label[aria-label="${action}"]`);
  await see(button, `the inline "${action}" button on ${what}`, 10_000);
  await button.click();
  // If the tree redrew between the hover and the click, VS Code runs the command without its
  // item and the command asks which target: answer with the row's own name, as a person would.
  const name = (await rowLocator.locator('.label-name').first().textContent().catch(() => ''))?.trim();
  const pick = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: name || '\u0000' });
  if (name && await pick.first().waitFor({ state: 'visible', timeout: 1500 }).then(() => true, () => false)) {
    console.log(`ui:   (the "${action}" click asked for its target; picked "${name}")`);
    await pick.first().click();
  }
}

/** Right-clicks a tree row and picks a context menu item. */
export async function clickContextMenu(page, rowLocator, item, what) {
  await see(rowLocator, what);
  await rowLocator.click({ button: 'right' });
  const entry = page.locator('.monaco-menu .action-item', { has: page.locator(`.action-label[aria-label="${item}"]`) });
  await see(entry, `"${item}" in the context menu of ${what}`, 10_000);
  // A menu ignores a click that comes right after it opened (the right button's release): click until it closes.
  await waitUntil(`the context menu closing after clicking "${item}"`, async () => {
    if (await entry.first().isVisible()) await entry.first().click({ timeout: 2000 }).catch(() => {});
    await page.waitForTimeout(200);
    return !(await page.locator('.monaco-menu').first().isVisible());
  }, { timeout: 10_000 });
}

/** The params question before a run: accept what it offers ("Run with count=100, …"). */
export async function acceptRunParams(page) {
  const choice = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Run with' });
  await see(choice, 'the params quick pick ("Run with …") after pressing Run', 15_000);
  await choice.first().click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => {});
}

// ---------------------------------------------------------------------------------------------
// Notifications: a run's progress notification may live for less than a second, so they are
// recorded as they appear by an observer in the page rather than sampled.

export async function recordNotifications(page) {
  await page.evaluate(() => {
    if (window.__flowsmithToasts) return;
    const seen = (window.__flowsmithToasts = []);
    const scan = () => {
      for (const t of document.querySelectorAll('.notification-toast, .notifications-center .notification-list-item')) {
        const message = t.querySelector('.notification-list-item-message')?.textContent ?? t.textContent ?? '';
        const progress = !!t.querySelector('.monaco-progress-container.active, .monaco-progress-container.infinite, .monaco-progress-container.discrete');
        if (message && !seen.some((s) => s.message === message)) seen.push({ message, progress, at: Date.now() });
        else if (progress) { const s = seen.find((x) => x.message === message); if (s) s.progress = true; }
      }
    };
    new MutationObserver(scan).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['class'] });
    scan();
  });
}

export async function notifications(page) {
  return page.evaluate(() => window.__flowsmithToasts ?? []);
}

export async function waitForNotification(page, pattern, what, timeout = 20_000) {
  return waitUntil(what, async () => (await notifications(page)).find((n) => pattern.test(text(n.message))),
    { timeout, interval: 100, describe: async () => (await notifications(page)).map((n) => JSON.stringify(n.message)).join(', ') || 'no notification' });
}

// ---------------------------------------------------------------------------------------------
// Editor

/** Quick Open (Ctrl+P) a workspace file by its relative path; waits for its tab to be active. */
export async function openFile(page, relPath) {
  await page.keyboard.press('Control+P');
  const input = await see(page.locator('.quick-input-widget input'), 'the Quick Open box (Ctrl+P)', 10_000);
  await input.fill(relPath);
  const pick = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: path.basename(relPath) })
    .filter({ hasText: path.dirname(relPath) });
  await see(pick, `"${relPath}" in Quick Open`, 20_000);
  await page.keyboard.press('Enter');
  await see(page.locator('.editor-group-container .tab.active', { hasText: path.basename(relPath) }), `the editor tab of ${relPath}`, 15_000);
  await see(page.locator('.editor-group-container.active .monaco-editor .view-lines'), `the text of ${relPath}`, 15_000);
}

/** Go to Line (Ctrl+G) `line:col` (1-based) in the active editor. */
export async function goToLine(page, line, col = 1) {
  await page.keyboard.press('Control+G');
  const input = await see(page.locator('.quick-input-widget input'), 'the Go to Line box (Ctrl+G)', 10_000);
  await input.fill(`:${line}:${col}`);   // Ctrl+G opens the box with ":" typed
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
  await waitUntil(`the cursor at line ${line}`, async () => (await cursorLine(page)) === line, { timeout: 10_000 });
}

/** The line the cursor is on, from the status bar ("Ln 71, Col 5"). */
export async function cursorLine(page) {
  const t = await page.locator('[id="status.editor.selection"]').first().innerText({ timeout: 2000 }).catch(() => '');
  const m = /Ln (\d+)/.exec(t);
  return m ? Number(m[1]) : undefined;
}

/** The lines the active editor shows, top to bottom, each with its element's top (px) and line number. */
export async function visibleLines(page) {
  const editor = page.locator('.editor-group-container.active .monaco-editor').first();
  const rows = await editor.evaluate((ed) => {
    const lines = [...ed.querySelectorAll('.view-lines .view-line')].map((e) => ({ top: parseFloat(e.style.top), text: e.textContent ?? '' }));
    const numbers = [...ed.querySelectorAll('.margin-view-overlays .line-numbers')].map((e) => ({ top: parseFloat(e.parentElement?.style.top ?? 'NaN'), n: Number(e.textContent) }));
    return lines.map((l) => ({ ...l, line: numbers.find((n) => n.top === l.top)?.n }));
  });
  return rows.sort((a, b) => a.top - b.top).map((r) => ({ ...r, text: text(r.text) }));
}

/** The screen box of the first token on a visible line containing `needle` (a substring of the line). */
export async function tokenBox(page, lineIncludes, token) {
  const editor = page.locator('.editor-group-container.active .monaco-editor').first();
  return editor.evaluate((ed, [lineIncludes, token]) => {
    const norm = (s) => (s ?? '').replace(/\u00a0/g, ' ');
    for (const line of ed.querySelectorAll('.view-lines .view-line')) {
      const t = norm(line.textContent);
      if (!t.includes(lineIncludes)) continue;
      // Find the token's character offset, then measure it with a Range over the text nodes.
      const at = t.indexOf(token, t.indexOf(lineIncludes));
      if (at < 0) continue;
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      let offset = 0;
      const range = document.createRange();
      let started = false;
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const len = n.textContent.length;
        if (!started && at < offset + len) { range.setStart(n, at - offset); started = true; }
        if (started && at + token.length <= offset + len) { range.setEnd(n, at + token.length - offset); break; }
        offset += len;
      }
      const r = range.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height, lineTop: parseFloat(line.style.top) };
    }
    return undefined;
  }, [lineIncludes, token]);
}

/** The error squiggles (`.squiggly-error` decorations) of the active editor, as screen boxes. */
export async function squiggles(page, kind = 'error') {
  const editor = page.locator('.editor-group-container.active .monaco-editor').first();
  return editor.evaluate((ed, cls) => [...ed.querySelectorAll(`.view-overlays .squiggly-${cls}`)].map((e) => {
    const r = e.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  }), kind);
}

/** A squiggle under the given token box: on its line, and covering its middle. */
export function squiggleUnder(boxes, token) {
  const cx = token.x + token.width / 2;
  const cy = token.y + token.height / 2;
  return boxes.find((b) => b.y <= cy + 2 && b.y + b.height >= cy - 2 && b.x <= cx && b.x + b.width >= cx);
}

/** The Problems item of the status bar: { errors, warnings, label }. */
export async function problems(page) {
  const item = page.locator('[id="status.problems"]').first();
  const label = text(await item.getAttribute('aria-label', { timeout: 5000 }).catch(() => '') ?? '');
  const shown = text(await item.innerText({ timeout: 5000 }).catch(() => ''));
  const errors = /Errors?: (\d+)/.exec(label)?.[1] ?? shown.trim().split(/\s+/)[0];
  const warnings = /Warnings?: (\d+)/.exec(label)?.[1];
  return { errors: Number(errors) || 0, warnings: Number(warnings) || 0, label: label || shown };
}

/** The rows of the Problems panel (View > Problems), as their text. */
export async function problemRows(page) {
  return (await page.locator('.markers-panel .monaco-list-row').allInnerTexts().catch(() => [])).map((t) => text(t).replace(/\s+/g, ' ').trim());
}

/** Opens the Problems panel with Ctrl+Shift+M (it stays open below the editor). */
export async function openProblemsPanel(page) {
  await page.keyboard.press('Control+Shift+M');
  await see(page.locator('.panel .markers-panel, .panel .pane-body.markers-panel'), 'the Problems panel (Ctrl+Shift+M)', 10_000);
}

/** Moves the mouse over a token (away first, so the hover opens afresh) and returns the hover's text. */
export async function hoverText(page, box, mustInclude, what, timeout = 15_000) {
  const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: mustInclude });
  return waitUntil(what, async () => {
    await page.mouse.move(5, 5);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 3 });
    try {
      await hover.first().waitFor({ state: 'visible', timeout: 3000 });
      return text(await hover.first().innerText());
    } catch { return undefined; }
  }, { timeout, interval: 200, describe: async () => (await page.locator('.monaco-hover:not(.hidden)').allInnerTexts()).map(text).join(' / ') || 'no hover' });
}

// ---------------------------------------------------------------------------------------------
// The graph webview (an iframe in an iframe)

export function graphFrame(page) {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/** The graph's nodes as drawn: [{ id, status, selected }]. */
export async function graphNodes(page) {
  const nodes = graphFrame(page).locator('svg [data-id]');
  return nodes.evaluateAll((els) => els.map((e) => {
    const cls = [...e.classList];
    return { id: e.getAttribute('data-id'), status: cls.find((c) => c.startsWith('status-'))?.slice(7), selected: cls.includes('selected') };
  })).catch(() => []);
}

export async function graphLegend(page) {
  return text(await graphFrame(page).locator('#legend').innerText({ timeout: 2000 }).catch(() => '')).replace(/\s*\n\s*/g, ', ');
}

export async function waitForGraphStatuses(page, wanted, timeout = 30_000) {
  const names = Object.keys(wanted);
  return waitUntil(`the graph webview showing ${names.map((n) => `${n} ${wanted[n]}`).join(', ')}`, async () => {
    const nodes = await graphNodes(page);
    return names.every((n) => nodes.find((x) => x.id === n)?.status === wanted[n]) && nodes;
  }, { timeout, describe: async () => `${(await graphNodes(page)).map((n) => `${n.id} [${n.status}]`).join(', ') || 'no nodes'}; legend: ${await graphLegend(page) || 'none'}` });
}

// ---------------------------------------------------------------------------------------------

/** Line (1-based) and column (1-based) of `needle` in a file of the workspace. */
export function locate(file, needle, from = '') {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const start = from ? lines.findIndex((l) => l.includes(from)) : 0;
  for (let i = Math.max(0, start); i < lines.length; i++) {
    const c = lines[i].indexOf(needle);
    if (c >= 0) return { line: i + 1, col: c + 1, text: lines[i] };
  }
  throw new Error(`"${needle}" is not in ${file} (the example changed?)`);
}
