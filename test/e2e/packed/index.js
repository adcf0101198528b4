// Entry of the packed-install suite (extensionTestsPath), launched by test/e2e/packed-project.mjs on a
// fresh project outside the repository that installed the packed runtime from its tarball, with the
// extension installed from flowsmith.vsix. Runs the mocha files of this folder inside VS Code and
// writes the pass/fail counts to FLOWSMITH_E2E_RESULTS when it is set.
const fs = require('node:fs');
const path = require('node:path');
const { runMocha } = require('../suite/index.js');

async function run() {
  await runMocha(fs.readdirSync(__dirname).filter((n) => n.endsWith('.test.js')).sort().map((f) => path.join(__dirname, f)));
}

module.exports = { run };
