#!/usr/bin/env node
// `npm run test:ui`: Flowsmith's user stories driven through a real VS Code page the way a person
// uses it — clicks and key presses with playwright-core in Debian's Chromium, on code-server (see
// test/e2e/README.md). Each scenario (test/e2e/ui/NN-*.mjs) gets a fresh copy of examples/ and a
// fresh code-server, runs in turn, waits only on what a user would see (bounded), saves screenshots
// under test-results/ui/ and fails naming what did not appear.
//
// Every scenario runs on each workspace variant (../workspace.mjs): `nodenext` (package.json
// "type": "module", tsconfig module/moduleResolution NodeNext) and `bundler` (examples/tsconfig.json:
// ESNext + Bundler), one after the other, each in its own copy of examples/ and code-server.
//
//   node test/e2e/ui/run.mjs [NAME…] [--variants nodenext,bundler] [--verbose] [--keep-workspace] [--docs]
//     NAME        run only the scenarios whose file name contains NAME
//     --variants  the workspace variants to run on (also FLOWSMITH_UI_VARIANTS); default both
//     --docs     also copy the README's screenshots into docs/images/
//     --verbose  code-server output and browser console errors on stderr
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { launchVSCode, DEFAULT_CODE_SERVER, DEFAULT_CHROMIUM } from '../launch.mjs';
import { makeWorkspace, parseVariants } from '../workspace.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const shots = path.join(repo, 'test-results/ui');
const docsImages = path.join(repo, 'docs/images');
const SCENARIO_TIMEOUT_MS = 150_000;
const VIEWPORT = { width: 1280, height: 800 };

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    verbose: { type: 'boolean', default: false },
    'keep-workspace': { type: 'boolean', default: false },
    docs: { type: 'boolean', default: false },
    variants: { type: 'string' },
  },
});

function fail(message) {
  process.stderr.write(`ui: ${message}\n`);
  process.exit(2);
}
for (const needed of ['dist/extension.js', 'dist/server.js', 'dist/server-main.js', 'dist/webview/graph.js', 'runtime/dist/cli.js']) {
  if (!fs.existsSync(path.join(repo, needed))) fail(`${needed} is missing: run npm run build first`);
}
if (!fs.existsSync(DEFAULT_CODE_SERVER)) fail('code-server is not installed: run scripts/setup-vscode-test.sh');
if (!fs.existsSync(DEFAULT_CHROMIUM)) fail(`${DEFAULT_CHROMIUM} is missing: run scripts/setup-vscode-test.sh`);

let variants;
try {
  variants = parseVariants(opts.variants ?? process.env.FLOWSMITH_UI_VARIANTS, ['nodenext', 'bundler']);
} catch (e) {
  fail(e.message);
}
// The README's pictures come from one variant only: NodeNext, the usual setting of a Node project.
const docsVariant = variants.includes('nodenext') ? 'nodenext' : variants[0];

const files = fs.readdirSync(here).filter((f) => /^\d\d-.*\.mjs$/.test(f)).sort()
  .filter((f) => !positionals.length || positionals.some((p) => f.includes(p)));
if (!files.length) fail(`no scenario matches ${positionals.join(', ')}`);

fs.mkdirSync(shots, { recursive: true });
// Old pictures of the scenarios about to run (the others' stay).
const prefixes = files.map((f) => f.replace(/\.mjs$/, '-'));
for (const f of fs.readdirSync(shots)) if (prefixes.some((p) => f.startsWith(p))) fs.rmSync(path.join(shots, f));

/** Runs the CLI in the workspace (to give a scenario a store that has been run before). */
function cli(workspace, ...args) {
  const r = spawnSync(process.execPath, [path.join(repo, 'runtime/dist/cli.js'), ...args], { cwd: workspace, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`flowsmith ${args.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

async function runScenario(file, variant) {
  const scenario = (await import(pathToFileURL(path.join(here, file)).href)).default;
  const base = file.replace(/\.mjs$/, '');
  const name = `${base} [${variant}]`;
  const stem = `${base}-${variant}`;   // screenshot and evidence file names
  const workspace = makeWorkspace(undefined, { variant });
  const started = Date.now();
  const log = (m) => process.stdout.write(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${m}\n`);
  process.stdout.write(`\nui: ${name} — ${scenario.title}\n`);
  let vscode;
  let timer;
  const shot = async (step, { docs } = {}) => {
    const file = path.join(shots, `${stem}-${step}.png`);
    await vscode.page.screenshot({ path: file });
    log(`screenshot ${path.relative(repo, file)}`);
    if (docs && opts.docs && variant === docsVariant) {
      fs.mkdirSync(docsImages, { recursive: true });
      fs.copyFileSync(file, path.join(docsImages, docs));
      log(`  copied to docs/images/${docs}`);
    }
  };
  try {
    if (scenario.prepare) await scenario.prepare({ workspace, cli: (...a) => cli(workspace, ...a), log });
    vscode = await launchVSCode({
      extensionDevelopmentPath: repo, workspace, trusted: scenario.trusted !== false, verbose: opts.verbose,
      // The stories read a line's rendered text, and inlay hints (`: Row[]` after a reference) are
      // drawn into it; suite/9b checks the hints through the provider.
      settings: { 'editor.inlayHints.enabled': 'offUnlessPressed' },
      onLog: opts.verbose ? undefined : () => {},
    });
    await vscode.page.setViewportSize(VIEWPORT);
    log(`code-server on port ${vscode.port}, ${variant} workspace ${workspace}${scenario.trusted === false ? ' (untrusted)' : ''}`);
    await Promise.race([
      scenario.run({ page: vscode.page, workspace, shot, log }),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`the scenario did not finish within ${SCENARIO_TIMEOUT_MS / 1000} s`)), SCENARIO_TIMEOUT_MS); }),
    ]);
    process.stdout.write(`ui: ✔ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    return { name, variant, ok: true, ms: Date.now() - started };
  } catch (e) {
    process.stdout.write(`ui: ✘ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s): ${e.message}\n`);
    if (!(e.name === 'NotSeen' || e.constructor?.name === 'NotSeen') && e.stack && opts.verbose) process.stderr.write(`${e.stack}\n`);
    if (vscode) {
      try { await vscode.page.screenshot({ path: path.join(shots, `${stem}-FAILED.png`), timeout: 10_000 }); } catch { /* window gone */ }
      try { fs.copyFileSync(vscode.logFile, path.join(shots, `${stem}-FAILED-code-server.log`)); } catch { /* closed */ }
      process.stdout.write(`ui:   evidence: test-results/ui/${stem}-FAILED.png, test-results/ui/${stem}-FAILED-code-server.log\n`);
    }
    return { name, variant, ok: false, ms: Date.now() - started, error: e.message };
  } finally {
    clearTimeout(timer);
    await vscode?.close();
    if (!opts['keep-workspace']) fs.rmSync(workspace, { recursive: true, force: true });
  }
}

const started = Date.now();
const results = [];
process.stdout.write(`ui: ${files.length} scenario(s) on ${variants.join(' and ')} workspaces\n`);
for (const variant of variants) for (const f of files) results.push(await runScenario(f, variant));
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
process.stdout.write(`\n${results.map((r) => `  ${r.ok ? '✔' : '✘'} ${r.name} ${(r.ms / 1000).toFixed(1)} s${r.ok ? '' : ` — ${r.error}`}`).join('\n')}\n`);
for (const variant of variants) {
  const mine = results.filter((r) => r.variant === variant);
  const ok = mine.filter((r) => r.ok).length;
  process.stdout.write(`ui: ${variant}: ${ok} passed, ${mine.length - ok} failed, ${(mine.reduce((t, r) => t + r.ms, 0) / 1000).toFixed(1)} s\n`);
}
process.stdout.write(`ui: the scenarios took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.stdout.write(`ui: ${passed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
