#!/usr/bin/env node
// Runs the extension inside a real VS Code without internet: code-server (VS Code 1.100.3 with its
// Node extension host, installed by scripts/setup-vscode-test.sh) driven by Debian's Chromium through
// playwright-core. Recipe: /work/shared/VSCODE-E2E.md; usage and pitfalls: test/e2e/README.md.
//
// As a module: launchVSCode() for UI-driving tests (they get the playwright page), runTests() for
// an extensionTestsPath suite. As a CLI:
//   node test/e2e/launch.mjs --extension DIR --tests ENTRY.js --workspace FOLDER
//                            [--screenshots DIR] [--timeout MS] [--untrusted] [--verbose]
// The CLI exits with the tests' exit code (2 when the harness itself fails).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const DEFAULT_CODE_SERVER = path.join(repoRoot, '.vscode-test/code-server/node_modules/.bin/code-server');
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
export const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const STARTUP_TIMEOUT_MS = 60_000;

/** User settings that keep a fresh VS Code quiet: no welcome page, prompts, telemetry or network look-ups. */
export const QUIET_SETTINGS = Object.freeze({
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.editor.empty.hint': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'extensions.ignoreRecommendations': true,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.untrustedFiles': 'open',
  'git.openRepositoryInParentFolders': 'never',
  'git.autofetch': false,
  'npm.fetchOnlinePackageInfo': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'terminal.integrated.enablePersistentSessions': false,
  'window.restoreWindows': 'none',
  'files.hotExit': 'off',
});

// Inherited variables that would redirect code-server: VSCODE_IPC_HOOK_CLI (set in any VS Code
// terminal) turns code-server into a client of that window; the others are code-server's own settings.
const STRIPPED_ENV = /^(VSCODE_.*|ELECTRON_RUN_AS_NODE|CODE_SERVER_CONFIG|PASSWORD|HASHED_PASSWORD)$/;
// PORT and CODE_SERVER_HOST override --bind-addr, even when passed in o.env.
const FORBIDDEN_ENV = ['PORT', 'CODE_SERVER_HOST'];

// Workbench chatter that codeAutomationLog forwards along with the tests' output (shown with verbose).
const NOISE = [/^Resolving connection token/, /^Resolved connection token/, /^Creating a socket \(/,
  /^Updating additional builtin extensions cache$/, /^\[Service Worker\] registered$/, /^ChatSessionStore: /,
  /ENOTFOUND open-vsx\.org/];

const live = new Set();   // instances not yet closed, for the signal and exit handlers

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** `vscode-remote://127.0.0.1:PORT/abs/path` — the only form the payload accepts for a Node extension host. */
export function remoteUri(port, absPath) {
  const p = path.resolve(absPath).split(path.sep).map(encodeURIComponent).join('/');
  return `vscode-remote://127.0.0.1:${port}${p}`;
}

/**
 * Starts code-server on a free loopback port and opens `workspace` in Chromium.
 * @param {object} o
 * @param {string} o.extensionDevelopmentPath folder with the extension's package.json
 * @param {string} [o.extensionTestsPath] CommonJS module exporting run(): Promise<void>; when given,
 *   `exitCode` resolves with the extension host's exit code (0 = tests passed)
 * @param {string} o.workspace folder to open
 * @param {string} [o.userDataDir] reuse this user-data-dir (kept on close); default: a fresh temp dir
 * @param {Record<string,string|undefined>} [o.env] extra environment for code-server, which the
 *   extension host inherits (undefined deletes a variable)
 * @param {boolean} [o.trusted=true] false keeps Workspace Trust on, leaving the folder untrusted
 * @param {object} [o.settings] user settings, over QUIET_SETTINGS and a reused user-data-dir's own
 * @param {(type: string, args: unknown[]) => void} [o.onLog] receives codeAutomationLog; default: stdout
 * @param {boolean} [o.verbose] echo code-server output and browser console errors to stderr
 * @param {AbortSignal} [o.signal] aborting closes everything and rejects a launch still under way
 * @param {string} [o.codeServerPath] @param {string} [o.chromiumPath] @param {boolean} [o.headless=true]
 * @returns {Promise<{page, browser, context, port: number, url: string, userDataDir: string,
 *   logFile: string, exitCode: Promise<number>|undefined, close: () => Promise<void>}>}
 */
export async function launchVSCode(o) {
  const extensionDevelopmentPath = mustExist(o.extensionDevelopmentPath, 'dir', 'extensionDevelopmentPath', 'package.json');
  const extensionTestsPath = o.extensionTestsPath && mustExist(o.extensionTestsPath, 'file', 'extensionTestsPath');
  const workspace = mustExist(o.workspace, 'dir', 'workspace');
  const trusted = o.trusted !== false;
  const codeServer = o.codeServerPath ?? DEFAULT_CODE_SERVER;
  const chromiumPath = o.chromiumPath ?? DEFAULT_CHROMIUM;
  if (!fs.existsSync(codeServer)) throw new Error(`code-server not found at ${codeServer}: run scripts/setup-vscode-test.sh`);
  if (!fs.existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}: run scripts/setup-vscode-test.sh`);
  const { chromium } = await import('playwright-core').catch(() => {
    throw new Error('playwright-core is not installed: run `npm install` at the repo root (it is a devDependency)');
  });

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowsmith-e2e-'));
  const userDataDir = o.userDataDir ? path.resolve(o.userDataDir) : path.join(tmp, 'user-data');
  writeUserSettings(userDataDir, o.settings);
  const extensionsDir = path.join(tmp, 'extensions');
  fs.mkdirSync(extensionsDir);
  const configFile = path.join(tmp, 'config.yaml');   // else code-server writes ~/.config/code-server
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
  const logFile = path.join(tmp, 'code-server.log');

  const state = { tmp, log: fs.createWriteStream(logFile), server: undefined, browser: undefined, closing: undefined };
  const close = () => (state.closing ??= closeInstance(state));
  live.add(state);
  installSignalHandlers();
  const onAbort = () => { close(); };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    o.signal?.throwIfAborted();
    const port = await freePort();
    const args = ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--config', configFile,
      '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override',
      '--ignore-last-opened', '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
    if (trusted) args.push('--disable-workspace-trust');
    args.push(workspace);

    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !STRIPPED_ENV.test(k)));
    Object.assign(env, { FLOWSMITH_E2E_WORKSPACE: workspace, FLOWSMITH_E2E_TRUSTED: trusted ? '1' : '0' }, o.env);
    for (const [k, v] of Object.entries(env)) if (v === undefined || FORBIDDEN_ENV.includes(k)) delete env[k];

    // The bin is a symlink to a `#!/usr/bin/env node` script: run it with this Node, whatever PATH says.
    // detached: own process group, so close() reaches the extension host and the other children too.
    state.server = spawn(process.execPath, [fs.realpathSync(codeServer), ...args],
      { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const serverExit = new Promise(resolve => state.server.once('exit', (code, signal) => resolve({ code, signal })));
    state.server.on('error', e => state.log.write(`spawn error: ${e.message}\n`));
    for (const stream of [state.server.stdout, state.server.stderr]) {
      stream.on('data', chunk => { state.log.write(chunk); if (o.verbose) process.stderr.write(chunk); });
    }

    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/healthz`, serverExit, logFile, o.signal);

    state.browser = await chromium.launch({
      executablePath: chromiumPath, headless: o.headless ?? true,
      handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,   // ours close code-server too
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    });
    const context = await state.browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    if (o.verbose) {
      page.on('console', m => m.type() === 'error' && process.stderr.write(`[browser] ${m.text()}\n`));
      page.on('pageerror', e => process.stderr.write(`[browser] ${e.message}\n`));
    }
    const onLog = o.onLog ?? ((type, logArgs) => {
      const line = format(...(logArgs ?? []));
      if (o.verbose || !NOISE.some(re => re.test(line))) process.stdout.write(`${line}\n`);
    });
    let exitCode;
    if (extensionTestsPath) {
      let reported;
      const automationExit = new Promise(resolve => { reported = resolve; });
      await page.exposeFunction('codeAutomationExit', code => { reported(Number(code)); });
      await page.exposeFunction('codeAutomationLog', (type, logArgs) => onLog(type, logArgs));
      exitCode = Promise.race([automationExit, serverExit.then(r => {
        throw new Error(`code-server exited (${r.signal ?? r.code}) before the tests reported an exit code:\n${tail(logFile)}`);
      })]);
      exitCode.catch(() => {});   // a close() before the tests end must not become an unhandled rejection
    }

    const payload = [['extensionDevelopmentPath', remoteUri(port, extensionDevelopmentPath)]];
    if (extensionTestsPath) payload.push(['extensionTestsPath', remoteUri(port, extensionTestsPath)]);
    const url = `${base}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    o.signal?.throwIfAborted();
    return { page, browser: state.browser, context, port, url, userDataDir, logFile, exitCode, close };
  } catch (e) {
    await close();
    throw o.signal?.aborted ? new Error(`launch aborted: ${o.signal.reason?.message ?? o.signal.reason}`, { cause: e }) : e;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Runs an extensionTestsPath suite and resolves with its exit code. Screenshots the window and copies
 * the code-server log into `screenshotsDir` when the suite fails or the harness times out.
 * @param {Parameters<typeof launchVSCode>[0] & {timeoutMs?: number, screenshotsDir?: string}} o
 */
export async function runTests(o) {
  if (!o.extensionTestsPath) throw new Error('runTests needs extensionTestsPath');
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const screenshotsDir = path.resolve(o.screenshotsDir ?? 'test-results');
  let vscode, timer;
  const aborter = new AbortController();
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const e = new Error(`Timed out after ${timeoutMs} ms: ${vscode
        ? 'the tests did not report an exit code (still running, or the extension host never started them)'
        : 'VS Code did not start'}`);
      if (!vscode) aborter.abort(e);
      reject(e);
    }, timeoutMs);
  });
  try {
    vscode = await Promise.race([launchVSCode({ ...o, signal: aborter.signal }), deadline]);
    const code = await Promise.race([vscode.exitCode, deadline]);
    if (code !== 0) await keepEvidence(vscode, screenshotsDir, `exit code ${code}`);
    return code;
  } catch (e) {
    if (vscode) await keepEvidence(vscode, screenshotsDir, e.message);
    throw e;
  } finally {
    clearTimeout(timer);
    await vscode?.close();
  }
}

/**
 * Runs a command through the Command Palette, as a person would. Retries until the command is listed:
 * the palette lists contributed commands only once the extension host has registered the extension,
 * which can be a few seconds after the workbench appears.
 * @param {import('playwright-core').Page} page @param {string} title as shown, e.g. "Flowsmith: Run Workflow"
 */
export async function runCommand(page, title, { timeoutMs = 30_000 } = {}) {
  const until = Date.now() + timeoutMs;
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  for (let wait = 250; ; wait = Math.min(wait * 2, 2000)) {
    await page.keyboard.press('F1');   // Show All Commands
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ timeout: wait });
      await row.click();
      return;
    } catch { /* not registered yet */ }
    await page.keyboard.press('Escape');
    if (Date.now() > until) throw new Error(`"${title}" did not appear in the Command Palette within ${timeoutMs} ms`);
  }
}

async function keepEvidence(vscode, dir, why) {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const shot = path.join(dir, `e2e-failure-${stamp}.png`);
  const log = path.join(dir, `e2e-failure-${stamp}-code-server.log`);
  try { await vscode.page.screenshot({ path: shot, timeout: 10_000 }); } catch (e) { process.stderr.write(`screenshot failed: ${e.message}\n`); }
  try { fs.copyFileSync(vscode.logFile, log); } catch { /* closed already */ }
  const show = p => (path.relative(process.cwd(), p).startsWith('..') ? p : path.relative(process.cwd(), p));
  process.stderr.write(`e2e: ${why}; screenshot ${show(shot)}, code-server log ${show(log)}\n`);
}

function mustExist(p, kind, name, inside) {
  if (!p) throw new Error(`${name} is required`);
  const abs = path.resolve(p);
  const st = fs.statSync(abs, { throwIfNoEntry: false });
  if (!st || (kind === 'dir' ? !st.isDirectory() : !st.isFile())) throw new Error(`${name}: ${abs} is not a ${kind === 'dir' ? 'folder' : 'file'}`);
  if (inside && !fs.existsSync(path.join(abs, inside))) throw new Error(`${name}: ${abs} has no ${inside}`);
  return abs;
}

// code-server reads user settings from <user-data-dir>/User/settings.json on the server side.
function writeUserSettings(userDataDir, settings) {
  const file = path.join(userDataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let existing = {};
  try { existing = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { /* none yet, or JSONC we do not merge */ }
  fs.writeFileSync(file, JSON.stringify({ ...QUIET_SETTINGS, ...existing, ...settings }, null, 2));
}

async function waitForHttp(url, serverExit, logFile, signal) {
  const until = Date.now() + STARTUP_TIMEOUT_MS;
  let exited;
  serverExit.then(r => { exited = r; });
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    signal?.throwIfAborted();
    if (exited) throw new Error(`code-server exited (${exited.signal ?? exited.code}) before answering:\n${tail(logFile)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch { /* not listening yet */ }
    if (Date.now() > until) throw new Error(`code-server did not answer ${url} within ${STARTUP_TIMEOUT_MS} ms:\n${tail(logFile)}`);
    await new Promise(r => setTimeout(r, delay));
  }
}

function tail(file, lines = 30) {
  try { return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return '(no log)'; }
}

async function closeInstance(state) {
  try { await withTimeout(state.browser?.close(), 10_000); } catch { /* browser already gone */ }
  const server = state.server;
  if (server && server.exitCode === null && server.signalCode === null) {
    const gone = new Promise(r => server.once('exit', r));
    killGroup(server.pid, 'SIGTERM');
    if (await withTimeout(gone, 5000).then(() => false, () => true)) {
      killGroup(server.pid, 'SIGKILL');
      await withTimeout(gone, 5000).catch(() => {});
    }
  }
  // Children that outlive the group leader (extension host, pty host) are still in its group.
  if (server?.pid) killGroup(server.pid, 'SIGKILL');
  await new Promise(r => state.log.end(r));
  fs.rmSync(state.tmp, { recursive: true, force: true, maxRetries: 3 });
  live.delete(state);
}

function killGroup(pid, signal) {
  try { process.kill(-pid, signal); } catch { /* group already empty */ }
}

function withTimeout(promise, ms) {
  if (!promise) return Promise.resolve();
  let t;
  return Promise.race([promise, new Promise((_, rej) => { t = setTimeout(() => rej(new Error('timeout')), ms); })])
    .finally(() => clearTimeout(t));
}

let handlersInstalled = false;
function installSignalHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // Last resort when the process exits without close(): kill the groups synchronously.
  process.on('exit', () => {
    for (const s of live) {
      if (s.server?.pid) killGroup(s.server.pid, 'SIGKILL');
      try { fs.rmSync(s.tmp, { recursive: true, force: true }); } catch { /* best effort */ }
    }
  });
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    process.on(signal, async () => {
      if (live.size === 0 && process.listenerCount(signal) > 1) return;   // someone else handles it
      if (live.size) process.stderr.write(`\ne2e: ${signal}, stopping VS Code\n`);
      await Promise.allSettled([...live].map(s => (s.closing ??= closeInstance(s))));
      process.exit(code);
    });
  }
}

async function main() {
  const { values: a } = parseArgs({
    options: {
      extension: { type: 'string' }, tests: { type: 'string' }, workspace: { type: 'string' },
      screenshots: { type: 'string', default: 'test-results' }, timeout: { type: 'string' },
      untrusted: { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (a.help || !a.extension || !a.tests || !a.workspace) {
    process.stderr.write('usage: node test/e2e/launch.mjs --extension DIR --tests ENTRY.js --workspace FOLDER\n' +
      '         [--screenshots DIR (test-results)] [--timeout MS (300000)] [--untrusted] [--verbose]\n');
    return a.help ? 0 : 2;
  }
  const timeoutMs = a.timeout ? Number(a.timeout) : DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error(`--timeout: not a positive number of ms: ${a.timeout}`);
  const started = Date.now();
  const code = await runTests({
    extensionDevelopmentPath: a.extension, extensionTestsPath: a.tests, workspace: a.workspace,
    screenshotsDir: a.screenshots, timeoutMs, trusted: !a.untrusted, verbose: a.verbose,
  });
  process.stderr.write(`e2e: tests exited with ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return code;
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(code => process.exit(code), e => {
    process.stderr.write(`e2e: ${e.message}\n`);
    process.exit(2);
  });
}
