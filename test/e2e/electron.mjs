#!/usr/bin/env node
// The same extension test suite (test/e2e/suite) in desktop VS Code, downloaded by
// @vscode/test-electron — for machines with internet (this project's CI has none: it uses
// run-suite.mjs with code-server instead). On Linux without a display run it under xvfb:
//   npm run build && xvfb-run -a node test/e2e/electron.mjs [--version 1.100.3] [--only trusted|untrusted]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runTests } from '@vscode/test-electron';
import { makeWorkspace, repoRoot } from './workspace.mjs';

const { values: opts } = parseArgs({ options: { version: { type: 'string', default: '1.100.3' }, only: { type: 'string' } } });
const suite = path.join(repoRoot, 'test/e2e/suite/index.js');

async function runOnce(trusted) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowsmith-electron-'));
  const workspace = path.join(tmp, 'ws');
  fs.mkdirSync(workspace);
  makeWorkspace(workspace);
  const userData = path.join(tmp, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({
    'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never',
    'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'extensions.autoUpdate': false, 'update.mode': 'none',
  }, null, 2));
  const launchArgs = [workspace, '--user-data-dir', userData, '--disable-extensions', '--skip-welcome', '--skip-release-notes'];
  if (trusted) launchArgs.push('--disable-workspace-trust');
  try {
    await runTests({
      version: opts.version,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: suite,
      launchArgs,
      extensionTestsEnv: { FLOWSMITH_E2E_WORKSPACE: workspace, FLOWSMITH_E2E_TRUSTED: trusted ? '1' : '0' },
    });
    return 0;
  } catch (e) {
    console.error(`electron (${trusted ? 'trusted' : 'untrusted'}): ${e instanceof Error ? e.message : e}`);
    return 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

let code = 0;
if (opts.only !== 'untrusted') code ||= await runOnce(true);
if (opts.only !== 'trusted') code ||= await runOnce(false);
process.exit(code);
