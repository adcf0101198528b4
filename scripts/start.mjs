#!/usr/bin/env node
// `npm start`: builds Flowsmith and opens the examples workspace with the extension loaded.
//  - desktop VS Code when a `code` command is on PATH:
//      code --extensionDevelopmentPath=<repo> <repo>/examples
//  - otherwise code-server (VS Code in the browser) on 127.0.0.1, no password, with the URL printed;
//    Ctrl-C stops it. code-server is installed by scripts/setup-vscode-test.sh when it is missing.
//
//   npm start [-- --code-server] [-- --no-build] [-- --port N]      (or PORT=N npm start)
//
// code-server's state (settings, open editors) is kept in .vscode-test/start/ (git-ignored); the
// extension is loaded from this repository through a symlink in .vscode-test/start/extensions, so
// after `npm run build` a window reload ("Developer: Reload Window") picks up your changes.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const examples = path.join(repo, 'examples');
const codeServer = path.join(repo, '.vscode-test/code-server/node_modules/.bin/code-server');
const stateDir = path.join(repo, '.vscode-test/start');

const { values: opts } = parseArgs({
  options: {
    'code-server': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    port: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opts.help) {
  process.stdout.write('usage: npm start [-- --code-server] [-- --no-build] [-- --port N]\n' +
    '  Builds, then opens examples/ with the Flowsmith extension: desktop VS Code if `code` is on PATH,\n' +
    '  else code-server on http://127.0.0.1:PORT (PORT env or --port, default: a free port).\n');
  process.exit(0);
}

const say = (m) => process.stdout.write(`[start] ${m}\n`);
function die(m, code = 1) {
  process.stderr.write(`[start] ${m}\n`);
  process.exit(code);
}

// 1. Build (tsc -b + esbuild bundles: the extension, the language server, the webview, the CLI).
if (!opts['no-build']) {
  say('building (npm run build)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', 'build'], { cwd: repo, stdio: 'inherit' });
  if (r.status !== 0) die(`the build failed (exit ${r.status ?? r.signal}); fix it and run npm start again`);
}
for (const f of ['dist/extension.js', 'dist/server.js', 'dist/server-main.js', 'runtime/dist/cli.js']) {
  if (!fs.existsSync(path.join(repo, f))) die(`${f} is missing: run npm run build`);
}

// 2. Desktop VS Code, when there is one.
const code = opts['code-server'] ? undefined : onPath(process.platform === 'win32' ? ['code.cmd', 'code'] : ['code']);
if (code) {
  say(`opening ${path.relative(repo, examples)}/ in VS Code (${code}) with the extension from ${repo}`);
  const r = spawnSync(code, ['--new-window', `--extensionDevelopmentPath=${repo}`, examples], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) die(`\`code\` exited with ${r.status ?? r.signal}; try npm start -- --code-server`);
  say('Flowsmith is running in the VS Code window titled "[Extension Development Host] examples": click the Flowsmith icon in the activity bar.');
  process.exit(0);
}

// 3. code-server, installed on first use.
if (!fs.existsSync(codeServer)) {
  say('code-server is not installed yet: running scripts/setup-vscode-test.sh (about a minute, once)…');
  const r = spawnSync('bash', [path.join(repo, 'scripts/setup-vscode-test.sh')], { cwd: repo, stdio: 'inherit' });
  if (r.status !== 0 || !fs.existsSync(codeServer)) die('could not install code-server (see above); or install VS Code and put `code` on PATH');
}

const portText = opts.port ?? process.env.PORT;
const port = portText ? Number(portText) : await freePort();
if (!Number.isInteger(port) || port <= 0 || port > 65535) die(`not a port: ${portText}`, 2);
if (portText && !(await isFree(port))) die(`port ${port} is in use on 127.0.0.1: choose another (PORT=N npm start) or leave it out for a free one`, 2);

const userData = path.join(stateDir, 'user-data');
const extensions = path.join(stateDir, 'extensions');
const configFile = path.join(stateDir, 'config.yaml');   // else code-server writes ~/.config/code-server/config.yaml
fs.mkdirSync(extensions, { recursive: true });
fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
linkExtension(extensions);
writeSettings(path.join(userData, 'User', 'settings.json'));

// Variables that would redirect code-server: PORT/CODE_SERVER_HOST override --bind-addr, VSCODE_IPC_HOOK_CLI
// (set in a VS Code terminal) makes it a client of that window, PASSWORD would turn auth back on.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
  !/^(VSCODE_.*|ELECTRON_RUN_AS_NODE|CODE_SERVER_CONFIG|CODE_SERVER_HOST|PORT|PASSWORD|HASHED_PASSWORD)$/.test(k)));
const args = [codeServer, '--config', configFile, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
  '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override', '--disable-workspace-trust',
  '--ignore-last-opened', '--user-data-dir', userData, '--extensions-dir', extensions, examples];
// The bin is a `#!/usr/bin/env node` script: run it with this Node. detached = its own process group,
// so Ctrl-C reaches the extension host and the language server too.
const child = spawn(process.execPath, args, { cwd: repo, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
const logFile = path.join(stateDir, 'code-server.log');
const log = fs.createWriteStream(logFile);
child.stdout.pipe(log);
child.stderr.pipe(log);
let stopping = false;
const stop = (signal) => {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping code-server`);
  try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
  setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } process.exit(130); }, 3000).unref();
};
process.on('SIGINT', () => stop('Ctrl-C'));
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGHUP', () => stop('SIGHUP'));
process.on('exit', () => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } });
child.on('exit', (c, s) => {
  if (stopping) process.exit(130);
  die(`code-server exited (${s ?? c}); its log: ${path.relative(process.cwd(), logFile)}\n${tail(logFile)}`);
});

const base = `http://127.0.0.1:${port}`;
await waitForHealth(`${base}/healthz`);
const url = `${base}/?folder=${encodeURIComponent(examples).replace(/%2F/g, '/')}`;
say(`Flowsmith is running: open ${url}`);
say('click the Flowsmith icon in the activity bar (left), then the ▷ next to a workflow or node. Ctrl-C stops it.');

function onPath(names) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const n of names) {
      const p = path.join(dir, n);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        if (fs.statSync(p).isFile()) return p;
      } catch { /* not here */ }
    }
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port: p } = srv.address();
      srv.close(() => resolve(p));
    });
  });
}

function isFree(p) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(p, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** The repository itself is the extension: one symlink named publisher.name-version in the extensions dir. */
function linkExtension(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
  const name = `${pkg.publisher}.${pkg.name}-${pkg.version}`;
  const link = path.join(dir, name);
  let current;
  try { current = fs.readlinkSync(link); } catch { /* none */ }
  if (current === repo) return;
  // A new version (or a moved repository): drop the old links and the scanner's list of what is
  // installed (extensions.json, rebuilt from the folder on the next start), which would remember them.
  for (const entry of fs.readdirSync(dir)) {
    if (entry.startsWith(`${pkg.publisher}.${pkg.name}-`) || entry === 'extensions.json') fs.rmSync(path.join(dir, entry), { force: true });
  }
  fs.symlinkSync(repo, link, 'dir');
}

/** Quiet defaults for a first start; the user's own changes to this file are kept. */
function writeSettings(file) {
  const defaults = {
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.ignoreRecommendations': true,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'git.openRepositoryInParentFolders': 'never',
    'typescript.disableAutomaticTypeAcquisition': true,
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let existing = {};
  try { existing = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { /* none yet (or JSONC: left alone below) */ }
  if (fs.existsSync(file) && !Object.keys(existing).length) return;
  fs.writeFileSync(file, `${JSON.stringify({ ...defaults, ...existing }, null, 2)}\n`);
}

async function waitForHealth(u) {
  const until = Date.now() + 60_000;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    try {
      const res = await fetch(u, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch { /* not listening yet */ }
    if (Date.now() > until) die(`code-server did not answer ${u} within 60 s; its log: ${logFile}\n${tail(logFile)}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

function tail(file, lines = 20) {
  try { return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return '(no log)'; }
}
