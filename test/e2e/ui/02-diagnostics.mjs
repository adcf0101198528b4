// A user types two mistakes into a flow file — a misspelt input (`rowz: data.rows`) and a reference
// branched on in an `if` — and sees each squiggled at the right place, the Problems count rise and
// the flow-worded message on hover; undo (Ctrl+Z) clears them.
import path from 'node:path';
import {
  goToLine, hoverText, locate, openFile, openProblemsPanel, problemRows, problems, see, squiggleUnder, squiggles, tokenBox, visibleLines,
  waitForWorkbench, waitUntil,
} from './lib.mjs';

const FILE = 'pipeline/flow.ts';

/** Waits for an error squiggle under `token` on the line containing `lineIncludes`. */
async function waitForSquiggle(page, lineIncludes, token, what) {
  return waitUntil(what, async () => {
    const box = await tokenBox(page, lineIncludes, token);
    return box && squiggleUnder(await squiggles(page), box) && box;
  }, {
    describe: async () => {
      const box = await tokenBox(page, lineIncludes, token);
      const s = await squiggles(page);
      return `${box ? `"${token}" at x=${Math.round(box.x)} y=${Math.round(box.y)}` : `no visible line containing "${lineIncludes}"`}; ` +
        `${s.length} error squiggle(s)${s.length ? ` at ${s.map((b) => `x=${Math.round(b.x)}..${Math.round(b.x + b.width)} y=${Math.round(b.y)}`).join(', ')}` : ''}`;
    },
  });
}

/** Presses Ctrl+Z until the editor shows `original` again (at most `max` times), as a person would. */
async function undoUntil(page, isBack, what, max = 20) {
  for (let i = 0; i <= max; i++) {
    const lines = (await visibleLines(page)).map((l) => l.text).join('\n');
    if (isBack(lines)) return i;
    if (i === max) break;
    await page.keyboard.press('Control+Z');
    await page.waitForTimeout(120);   // one undo step per key press, as typed
  }
  throw new Error(`${what} did not come back after ${max} × Ctrl+Z`);
}

async function waitForNoSquiggleOn(page, lineIncludes, token, what) {
  return waitUntil(what, async () => {
    const box = await tokenBox(page, lineIncludes, token);
    return box && !squiggleUnder(await squiggles(page), box);
  }, { describe: async () => `${(await squiggles(page)).length} error squiggle(s) still shown` });
}

export default {
  title: 'mistakes in a flow file are squiggled, counted, explained on hover, and cleared by undo',
  async run({ page, workspace, shot, log }) {
    const file = path.join(workspace, FILE);
    await waitForWorkbench(page);
    await openFile(page, FILE);
    // The Flowsmith language server has analysed the file once its code lenses show.
    await see(page.locator('.codelens-decoration a', { hasText: /^Run\b|pending|complete/ }), `Flowsmith's code lenses in ${FILE}`, 60_000);
    const baseline = await waitUntil('the Problems count in the status bar', async () => {
      const p = await problems(page);
      return p.label && p;
    }, { timeout: 15_000 });
    log(`opened ${FILE}; Problems: "${baseline.label}"`);
    await openProblemsPanel(page);
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();   // back to the editor

    // 1. A misspelt input: rows → rowz in `preprocess({ rows: data.rows, doPreprocess })`.
    const at = locate(file, 'rows: data.rows', 'const clean = preprocess(');
    await goToLine(page, at.line, at.col + 3);   // before the "s" of "rows"
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.type('z');
    await page.keyboard.press('Escape');         // close the suggestions, if any
    await waitUntil('the edited line "preprocess({ rowz: data.rows, doPreprocess })"',
      async () => (await visibleLines(page)).some((l) => l.text.includes('preprocess({ rowz: data.rows, doPreprocess })')),
      { timeout: 10_000, describe: async () => (await visibleLines(page)).filter((l) => l.text.includes('preprocess(')).map((l) => l.text.trim()).join(' / ') });
    log(`typed "rowz" at line ${at.line}`);

    const rowz = await waitForSquiggle(page, 'preprocess({ rowz', 'rowz', `an error squiggle under "rowz" on line ${at.line}`);
    log('squiggle under "rowz"');
    const listed = await waitUntil(`FS001 at [Ln ${at.line}, Col ${at.col}] in the Problems panel`,
      async () => (await problemRows(page)).find((r) => r.includes('FS001') && r.includes(`[Ln ${at.line}, Col ${at.col}]`)),
      { timeout: 20_000, describe: async () => (await problemRows(page)).join(' | ') || 'no rows' });
    log(`Problems panel: "${listed}"`);
    const raised = await waitUntil(`the Problems count rising above ${baseline.errors} error(s)`,
      async () => { const p = await problems(page); return p.errors > baseline.errors && p; },
      { timeout: 20_000, describe: async () => (await problems(page)).label });
    log(`Problems: "${raised.label}"`);
    const hover1 = await hoverText(page, rowz, 'FS001', 'the hover on "rowz" with the FS001 message');
    if (!hover1.includes('task preprocess has no input "rowz" (did you mean "rows"?)')) {
      throw new Error(`the hover on "rowz" does not say 'task preprocess has no input "rowz" (did you mean "rows"?)': ${hover1}`);
    }
    log('hover: task preprocess has no input "rowz" (did you mean "rows"?) (FS001)');
    await shot('misspelt-input');

    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
    const undos = await undoUntil(page, (t) => t.includes('preprocess({ rows: data.rows, doPreprocess })'), 'the original line');
    await waitForNoSquiggleOn(page, 'preprocess({ rows', 'rows', `the squiggle on line ${at.line} going away after undo`);
    await waitUntil(`the Problems count back to ${baseline.errors}`, async () => (await problems(page)).errors === baseline.errors,
      { timeout: 20_000, describe: async () => (await problems(page)).label });
    await waitUntil('the Problems panel without FS001/FS002', async () => !(await problemRows(page)).some((r) => /FS00[12]/.test(r)),
      { timeout: 10_000, describe: async () => (await problemRows(page)).join(' | ') });
    log(`undo (${undos} × Ctrl+Z): squiggle gone, Problems "${(await problems(page)).label}"`);

    // 2. A reference used as a value: `if (data.rows) {}` in the workflow body.
    const data = locate(file, 'const data = getData(', 'export const pipeline');
    await goToLine(page, data.line, 1);
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('if (data.rows) {}', { delay: 30 });
    await page.keyboard.press('Escape');
    await waitUntil('the typed line "if (data.rows) {}"',
      async () => (await visibleLines(page)).some((l) => l.text.trim() === 'if (data.rows) {}'),
      { timeout: 10_000, describe: async () => (await visibleLines(page)).filter((l) => l.text.includes('if')).map((l) => l.text.trim()).join(' / ') || 'no such line' });
    log(`typed "if (data.rows) {}" at line ${data.line + 1}`);

    const ref = await waitForSquiggle(page, 'if (data.rows)', 'data.rows', `an error squiggle under "data.rows" in the if on line ${data.line + 1}`);
    log('squiggle under "data.rows" in the if');
    const listed2 = await waitUntil(`FS004 at [Ln ${data.line + 1}, Col 9] in the Problems panel`,
      async () => (await problemRows(page)).find((r) => r.includes('FS004') && r.includes(`[Ln ${data.line + 1}, Col 9]`)),
      { timeout: 20_000, describe: async () => (await problemRows(page)).join(' | ') || 'no rows' });
    log(`Problems panel: "${listed2}"`);
    const raised2 = await waitUntil(`the Problems count rising above ${baseline.errors} error(s)`,
      async () => { const p = await problems(page); return p.errors > baseline.errors && p; },
      { timeout: 20_000, describe: async () => (await problems(page)).label });
    log(`Problems: "${raised2.label}"`);
    const hover2 = await hoverText(page, ref, 'FS004', 'the hover on "data.rows" with the FS004 message');
    if (!hover2.includes('branched on (in an if) in a workflow body')) {
      throw new Error(`the hover on "data.rows" does not explain the reference is branched on in an if: ${hover2}`);
    }
    log('hover: the reference get-data.rows is branched on (in an if) in a workflow body… (FS004)');
    await shot('reference-in-if');

    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
    const undos2 = await undoUntil(page, (t) => !t.includes('if (data.rows)') && t.includes('getData({ count });\n    const clean = preprocess('), 'the workflow body without the if');
    await waitUntil('no error squiggle left in the workflow body after undo', async () => {
      const box = await tokenBox(page, 'const clean = preprocess(', 'data.rows');
      return box && (await squiggles(page)).length === 0;
    }, { describe: async () => `${(await squiggles(page)).length} error squiggle(s)` });
    await waitUntil(`the Problems count back to ${baseline.errors}`, async () => (await problems(page)).errors === baseline.errors,
      { timeout: 20_000, describe: async () => (await problems(page)).label });
    await waitUntil('the Problems panel without FS004', async () => !(await problemRows(page)).some((r) => r.includes('FS004')),
      { timeout: 10_000, describe: async () => (await problemRows(page)).join(' | ') });
    const t0 = Date.now();
    const tab = page.locator('.editor-group-container .tab.active').first();
    await waitUntil('the error count gone from the flow.ts tab', async () => /^\s*flow\.ts\s*$/.test(await tab.innerText()),
      { timeout: 15_000, describe: async () => JSON.stringify(await tab.innerText()) });
    log(`undo (${undos2} × Ctrl+Z): squiggle gone, Problems "${(await problems(page)).label}", tab clean after ${Date.now() - t0} ms`);
    await shot('undone');
  },
};
