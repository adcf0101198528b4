// Entry of the packed-install suite (extensionTestsPath), launched by test/e2e/packed-project.mjs on a
// fresh project outside the repository that installed the packed runtime from its tarball, with the
// extension installed from flowsmith.vsix. Runs the mocha files of this folder inside VS Code and
// writes the pass/fail counts to FLOWSMITH_E2E_RESULTS when it is set.
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

async function run() {
  const mocha = new Mocha({ ui: 'bdd', timeout: 90_000, color: false, reporter: 'spec', bail: false });
  for (const f of fs.readdirSync(__dirname).filter((n) => n.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
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

module.exports = { run };
