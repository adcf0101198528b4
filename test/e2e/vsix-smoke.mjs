#!/usr/bin/env node
// Checks the packaged extension as a user gets it: installs flowsmith.vsix with
// `code-server --install-extension` into a fresh extensions dir, runs the bundled CLI from the
// installed folder, then opens VS Code on a temp copy of examples/ with the installed folder as the
// extension and runs the activation, Flows-view and runs files of the suite against it.
//   npm run package && node test/e2e/vsix-smoke.mjs [path/to.vsix]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchVSCode, DEFAULT_CODE_SERVER } from './launch.mjs';
import { serveScreenshots } from './screenshots.mjs';
import { makeWorkspace } from './workspace.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const vsix = path.resolve(process.argv[2] ?? path.join(repo, 'flowsmith.vsix'));
const shots = path.join(repo, 'test-results/e2e');
if (!fs.existsSync(vsix)) { console.error(`no ${vsix}: run npm run package first`); process.exit(2); }

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowsmith-vsix-smoke-'));
const exts = path.join(tmp, 'extensions');
const workspace = path.join(tmp, 'workspace');
fs.mkdirSync(workspace);
let code = 1;
try {
  const env = { ...process.env, CODE_SERVER_CONFIG: path.join(tmp, 'config.yaml') };
  for (const k of Object.keys(env)) if (/^VSCODE_/.test(k)) delete env[k];
  const installOut = execFileSync(process.execPath, [fs.realpathSync(DEFAULT_CODE_SERVER), '--install-extension', vsix,
    '--extensions-dir', exts, '--user-data-dir', path.join(tmp, 'ud')], { env, encoding: 'utf8' });
  process.stdout.write(installOut);
  const installed = fs.readdirSync(exts).find((d) => d.startsWith('flowsmith.flowsmith-vscode-'));
  if (!installed) throw new Error(`nothing installed in ${exts}: ${fs.readdirSync(exts).join(', ')}`);
  const extDir = path.join(exts, installed);
  console.log(`vsix-smoke: installed ${installed}`);

  makeWorkspace(workspace);

  // The installed CLI runs a flow with only what the .vsix holds (plus the workspace's zod).
  const cliOut = execFileSync(process.execPath, [path.join(extDir, 'runtime/dist/cli.js'), 'run', 'my_wf/flow.ts#my_wf'],
    { cwd: workspace, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
  console.log(`vsix-smoke: installed CLI ran my_wf:\n${cliOut.trim().split('\n').map((l) => `  ${l}`).join('\n')}`);

  const vscode = await launchVSCode({
    extensionDevelopmentPath: extDir, extensionTestsPath: path.join(repo, 'test/e2e/suite/index.js'), workspace,
    env: { FLOWSMITH_E2E_FILES: '1-,2-,3-', FLOWSMITH_E2E_SCREENSHOTS: shots },
  });
  const stopShots = serveScreenshots(vscode.page, shots, { prefix: 'vsix-' });
  try {
    code = await Promise.race([vscode.exitCode, new Promise((_, rej) => setTimeout(() => rej(new Error('timed out')), 5 * 60_000))]);
  } finally {
    stopShots();
    await vscode.close();
  }
  console.log(`vsix-smoke: suite on the installed extension exited ${code}`);
} catch (e) {
  console.error(`vsix-smoke: ${e.message}`);
  code = 2;
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(code);
