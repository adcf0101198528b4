#!/usr/bin/env node
// `npm run test:e2e`: the extension's test suite (test/e2e/suite) in a real VS Code without internet,
// through the harness in launch.mjs (code-server + Debian Chromium). Runs it twice: in a trusted
// workspace (every scenario), in an untrusted one (analysis only, runs refused) and with the language
// server missing (the extension must still work). The workspace is
// a temp copy of examples/ so no .flowsmith state leaks into the repo. The suite asks for screenshots
// by writing NAME.request into FLOWSMITH_E2E_SCREENSHOTS; this script answers with VARIANT-NAME.png.
// Each run is made on every workspace variant (../workspace.mjs): nodenext (package.json "type":
// "module", tsconfig NodeNext) and bundler (examples/tsconfig.json), --variants or
// FLOWSMITH_E2E_VARIANTS choosing them (default both).
//   node test/e2e/run-suite.mjs [--only trusted|untrusted|no-server] [--variants nodenext,bundler]
//                               [--verbose] [--keep-workspace]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchVSCode, DEFAULT_CODE_SERVER } from './launch.mjs';
import { serveScreenshots } from './screenshots.mjs';
import { makeWorkspace, parseVariants } from './workspace.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const suite = path.join(repo, 'test/e2e/suite/index.js');
const shots = path.join(repo, 'test-results/e2e');
const TIMEOUT_MS = 8 * 60_000;

const { values: opts } = parseArgs({ options: {
  only: { type: 'string' }, variants: { type: 'string' }, verbose: { type: 'boolean', default: false }, 'keep-workspace': { type: 'boolean', default: false },
} });

for (const needed of ['dist/extension.js', 'dist/server.js', 'dist/server-main.js', 'dist/webview/graph.js', 'runtime/dist/cli.js']) {
  if (!fs.existsSync(path.join(repo, needed))) fail(`${needed} is missing: run npm run build first`);
}
if (!fs.existsSync(DEFAULT_CODE_SERVER)) fail('code-server is not installed: run scripts/setup-vscode-test.sh');

/** A copy of the extension without dist/server.js: everything else symlinked to the repo's. */
function extensionWithoutServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowsmith-e2e-noserver-'));
  for (const f of ['package.json', 'client', 'syntaxes', 'runtime', 'node_modules']) fs.symlinkSync(path.join(repo, f), path.join(dir, f));
  fs.mkdirSync(path.join(dir, 'dist'));
  for (const f of ['extension.js', 'webview']) fs.symlinkSync(path.join(repo, 'dist', f), path.join(dir, 'dist', f));
  return dir;
}

async function runOnce(variant, trusted, noServer = false) {
  const label = `${variant}-${noServer ? 'no-server' : trusted ? 'trusted' : 'untrusted'}`;
  const extension = noServer ? extensionWithoutServer() : repo;
  const workspace = makeWorkspace(undefined, { variant });
  const results = path.join(os.tmpdir(), `flowsmith-e2e-results-${process.pid}-${label}.json`);
  fs.rmSync(results, { force: true });
  process.stdout.write(`\ne2e: ${label} workspace ${workspace}\n`);
  const started = Date.now();
  let vscode;
  let stopShots = () => {};
  let timer;
  try {
    vscode = await launchVSCode({
      extensionDevelopmentPath: extension, extensionTestsPath: suite, workspace, trusted, verbose: opts.verbose,
      env: { FLOWSMITH_E2E_SCREENSHOTS: shots, FLOWSMITH_E2E_RESULTS: results, FLOWSMITH_E2E_NOSERVER: noServer ? '1' : undefined },
    });
    stopShots = serveScreenshots(vscode.page, shots, { prefix: `${variant}-` });
    const code = await Promise.race([vscode.exitCode, new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    })]);
    if (code !== 0) await evidence(vscode, label);
    const counts = fs.existsSync(results) ? JSON.parse(fs.readFileSync(results, 'utf8')) : { passes: 0, failures: code === 0 ? 0 : 1 };
    process.stdout.write(`e2e: ${label} suite exited ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return { label, code, ...counts, ms: Date.now() - started };
  } catch (e) {
    process.stderr.write(`e2e: ${label}: ${e.message}\n`);
    if (vscode) await evidence(vscode, label);
    return { label, code: 2, passes: 0, failures: 1, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
    stopShots();
    await vscode?.close();
    fs.rmSync(results, { force: true });
    if (!opts['keep-workspace']) fs.rmSync(workspace, { recursive: true, force: true });
    if (extension !== repo) fs.rmSync(extension, { recursive: true, force: true });
  }
}

async function evidence(vscode, label) {
  try {
    await vscode.page.screenshot({ path: path.join(shots, `failure-${label}.png`) });
    fs.copyFileSync(vscode.logFile, path.join(shots, `failure-${label}-code-server.log`));
    process.stderr.write(`e2e: failure evidence in ${path.relative(repo, shots)}/failure-${label}.*\n`);
  } catch { /* window already gone */ }
}

function fail(message) {
  process.stderr.write(`e2e: ${message}\n`);
  process.exit(2);
}

fs.mkdirSync(shots, { recursive: true });
for (const f of fs.readdirSync(shots)) if (f.endsWith('.request')) fs.rmSync(path.join(shots, f));
let variants;
try {
  variants = parseVariants(opts.variants ?? process.env.FLOWSMITH_E2E_VARIANTS, ['nodenext', 'bundler']);
} catch (e) {
  fail(e.message);
}
const runs = [];
for (const variant of variants) {
  if (!opts.only || opts.only === 'trusted') runs.push(await runOnce(variant, true));
  if (opts.only !== 'trusted' && opts.only !== 'no-server') runs.push(await runOnce(variant, false));
  if (!opts.only || opts.only === 'no-server') runs.push(await runOnce(variant, true, true));
}
const passed = runs.reduce((s, r) => s + (r.passes ?? 0), 0);
const failed = runs.reduce((s, r) => s + (r.failures ?? 0), 0);
process.stdout.write(`\n${runs.map((r) => `  ${r.code === 0 ? '✔' : '✘'} ${r.label}: ${r.passes ?? 0} passed, ${r.failures ?? 0} failed, ${(r.ms / 1000).toFixed(1)} s`).join('\n')}\n`);
process.stdout.write(`\ne2e: ${passed} passed, ${failed} failed\n`);
process.exit(runs.every((r) => r.code === 0) ? 0 : 1);
