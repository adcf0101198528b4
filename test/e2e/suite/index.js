// Entry of the extension-host test suite (extensionTestsPath): runs the mocha files of this folder
// inside VS Code. Launched by test/e2e/run-suite.mjs (code-server, offline), test/e2e/vsix-smoke.mjs
// (the packaged .vsix, installed) or test/e2e/electron.mjs
// (@vscode/test-electron). FLOWSMITH_E2E_TRUSTED=0 runs the untrusted-workspace file only,
// FLOWSMITH_E2E_NOSERVER=1 the missing-server file only.
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

async function run() {
  // Which special run this is decides the files: untrusted*.test.js, noserver*.test.js, or the rest.
  const mode = process.env.FLOWSMITH_E2E_NOSERVER === '1' ? 'noserver' : process.env.FLOWSMITH_E2E_TRUSTED === '0' ? 'untrusted' : '';
  // FLOWSMITH_E2E_FILES=1-,2- runs only the files starting with these prefixes.
  const only = process.env.FLOWSMITH_E2E_FILES ? process.env.FLOWSMITH_E2E_FILES.split(',') : undefined;
  const files = fs.readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .filter((f) => (mode ? f.startsWith(mode) : !/^(untrusted|noserver)/.test(f)))
    .filter((f) => !only || only.some((prefix) => f.startsWith(prefix)))
    .sort();
  await runMocha(files.map((f) => path.join(__dirname, f)));
}

/** Runs mocha files in the extension host; writes the counts to FLOWSMITH_E2E_RESULTS when set. */
async function runMocha(files) {
  const mocha = new Mocha({ ui: 'bdd', timeout: 90_000, color: false, reporter: 'spec' });
  for (const f of files) mocha.addFile(f);
  const failures = await new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((n) => resolve(n));
      runner.on('end', () => {
        const file = process.env.FLOWSMITH_E2E_RESULTS;
        if (file) fs.writeFileSync(file, JSON.stringify({ passes: runner.stats.passes, failures: runner.stats.failures, pending: runner.stats.pending }));
      });
    } catch (e) {
      reject(e);
    }
  });
  if (failures > 0) throw new Error(`${failures} test(s) failed`);
}

module.exports = { run, runMocha };
