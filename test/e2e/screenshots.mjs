// Answers the suite's requests to the launcher (suite/helpers.js screenshot() and ui()): the suite
// writes NAME.request into the screenshots dir as JSON — {"waitForText": "..."} to wait until the
// window shows that text, {"steps": [...]} to drive the keyboard as a person would ({"waitFor": CSS},
// {"press": "Enter"}, {"type": "5"}), {"screenshot": false} to skip the picture — and this writes
// NAME.png with the playwright page, then deletes the request.
import fs from 'node:fs';
import path from 'node:path';

/** Starts polling `dir`; returns a function that stops it. `prefix` is put before the png names. */
export function serveScreenshots(page, dir, { prefix = '', log = (m) => process.stdout.write(`${m}\n`) } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.request'))) {
        const name = f.slice(0, -'.request'.length);
        let request = {};
        try { request = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')); } catch { /* a bare request */ }
        for (const step of request.steps ?? []) {
          if (step.waitFor) await page.locator(step.waitFor).first().waitFor({ state: 'visible', timeout: 15_000 });
          if (step.press) await page.keyboard.press(step.press);
          if (step.type) await page.keyboard.type(step.type, { delay: 20 });
          await page.waitForTimeout(step.pause ?? 150);
        }
        if (request.waitForText) {
          await page.getByText(request.waitForText, { exact: true }).first().waitFor({ timeout: 15_000 })
            .catch(() => log(`e2e: "${request.waitForText}" did not appear before screenshot ${name}`));
        }
        if (request.screenshot !== false) {
          await page.waitForTimeout(300); // let the last paint land
          const png = path.join(dir, `${prefix}${name}.png`);
          await page.screenshot({ path: png });
          if (prefix) fs.copyFileSync(png, path.join(dir, `${name}.png`));
          log(`e2e: screenshot ${path.relative(process.cwd(), png)}`);
        }
        fs.rmSync(path.join(dir, f), { force: true });
      }
    } catch (e) {
      log(`e2e: screenshot failed: ${e.message}`);
    } finally {
      busy = false;
    }
  }, 200);
  return () => clearInterval(timer);
}
