#!/usr/bin/env node
// Flowsmith as a user installs it, in VS Code (issue 18 item 4, the extension half; the CLI half is
// test/pack/packed-install.test.ts): `npm pack` of runtime/ installed from the tarball with zod and
// TypeScript 5 into a fresh project under the OS temp dir (no link to this repository), `npx flowsmith
// init`, a flow with a wiring mistake and one that reports which CLI ran it, both importing tasks from
// ./tasks.js; flowsmith.vsix installed with `code-server --install-extension` into a fresh extensions
// dir; then VS Code (code-server, trusted) opened on the project with that installed folder as the
// extension, running test/e2e/packed/ (Flows view, FS001 diagnostic, Run code lens, runs, which CLI).
//
//   npm run package && node test/e2e/packed-project.mjs [--vsix PATH] [--keep] [--verbose]
//
// --vsix: the package to install (default flowsmith.vsix; when that is missing or older than the
// build in dist/ and runtime/dist/, the build is packaged into the temp dir instead). --keep leaves the
// temp dir (project, tarball, extensions) in place. FLOWSMITH_PACKED_SABOTAGE=dts|tsconfig|cli breaks
// the project on purpose, to see the suite fail: dts empties the installed package's declaration
// files, tsconfig maps "flowsmith" to an empty stub .d.ts with "paths" in the project's tsconfig, cli deletes the
// project's node_modules/flowsmith/dist/cli.js (runs then fall back to the extension's own CLI).
// Exit code: 0 passed, 1 a test failed, 2 the harness failed (install, launch, timeout).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchVSCode, DEFAULT_CODE_SERVER } from './launch.mjs';
import { serveScreenshots } from './screenshots.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const suite = path.join(repo, 'test/e2e/packed/index.js');
const shots = path.join(repo, 'test-results/e2e');
const INSTALL_TIMEOUT_MS = 120_000;
const COMMAND_TIMEOUT_MS = 60_000;
// TypeScript's first diagnostics for the project (waited for by the one-squiggle check) take up to a minute on a loaded machine.
const SUITE_TIMEOUT_MS = 330_000;
const SABOTAGE = process.env.FLOWSMITH_PACKED_SABOTAGE || '';

const { values: opts } = parseArgs({ options: {
  vsix: { type: 'string' }, keep: { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false },
} });

const started = Date.now();
const phases = [];
const since = (t) => `${((Date.now() - t) / 1000).toFixed(1)} s`;
const say = (m) => process.stdout.write(`packed-vsix: ${m}\n`);
async function phase(name, body) {
  const t = Date.now();
  const value = await body();
  phases.push(`${name} ${since(t)}`);
  say(`${name} (${since(t)})`);
  return value;
}
class HarnessError extends Error {}

/** The environment of a user's shell: nothing of this repository's npm run or test runner. */
function userEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === 'INIT_CWD' || k.startsWith('NODE_TEST') || k.startsWith('FLOWSMITH_')) continue;
    if (k === 'NODE_OPTIONS' || k === 'NODE_PATH' || /^VSCODE_/.test(k)) continue;
    env[k] = v;
  }
  env.NO_COLOR = '1';
  return env;
}

function run(cmd, args, cwd, { timeout = COMMAND_TIMEOUT_MS, env = userEnv() } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env, timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new HarnessError(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${error.killed ? `killed after ${timeout} ms` : `exit ${error.code}`}\n${stdout}\n${stderr}`));
      else resolve(String(stdout));
    });
  });
}

// Tasks through a namespace import: the analysis can only tell that `flowsmith.task` is the SDK's
// task() by resolving it in the installed package's declaration files (a named import it would also
// recognise by its words alone), so the flows using these tasks need node_modules/flowsmith/dist/*.d.ts.
const TASKS = `import * as flowsmith from "flowsmith";

export const count = flowsmith.task(async ({ text }: { text: string }) => ({ length: text.length }));

/** Reports the script of the process that runs it: the flowsmith CLI the run was started with. */
export const whichCli = flowsmith.task(async ({ tag }: { tag: string }) => ({ script: process.argv[1] ?? "", tag }));
`;

/** A wiring mistake: count has no input "txt" (FS001, did you mean "text"?). */
const BROKEN = `import { workflow } from "flowsmith";
import { greet } from "./hello.js";
import { count } from "./tasks.js";

export const broken = workflow(() => {
  const g = greet({ name: "x" });
  const c = count({ txt: g.greeting });
  return { length: c.length };
});
`;

const WHICH = `import { workflow } from "flowsmith";
import { whichCli } from "./tasks.js";

export const which = workflow(() => {
  const w = whichCli({ tag: "packed" });
  return { script: w.script };
});
`;

function newest(files) {
  return Math.max(...files.map((f) => fs.statSync(path.join(repo, f)).mtimeMs));
}

async function main() {
  for (const needed of ['dist/extension.js', 'dist/server.js', 'dist/server-main.js', 'runtime/dist/cli.js', 'runtime/dist/index.d.ts']) {
    if (!fs.existsSync(path.join(repo, needed))) throw new HarnessError(`${needed} is missing: run npm run build (or npm run package) first`);
  }
  if (!fs.existsSync(DEFAULT_CODE_SERVER)) throw new HarnessError('code-server is not installed: run scripts/setup-vscode-test.sh');
  if (SABOTAGE && !['dts', 'tsconfig', 'cli'].includes(SABOTAGE)) throw new HarnessError(`FLOWSMITH_PACKED_SABOTAGE: unknown "${SABOTAGE}" (dts, tsconfig, cli)`);

  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flowsmith-packed-vsix-')));
  const project = path.join(tmp, 'project');
  say(`temp dir ${tmp}`);
  try {
    // 1. The .vsix (reused when it is at least as new as the build) and the runtime's tarball.
    let vsix = opts.vsix ? path.resolve(opts.vsix) : path.join(repo, 'flowsmith.vsix');
    if (opts.vsix && !fs.existsSync(vsix)) throw new HarnessError(`--vsix ${vsix} does not exist`);
    const build = ['dist/extension.js', 'dist/server-main.js', 'runtime/dist/cli.js'];
    if (!opts.vsix && (!fs.existsSync(vsix) || fs.statSync(vsix).mtimeMs < newest(build))) {
      vsix = path.join(tmp, 'flowsmith.vsix');
      await phase('packaged the build (flowsmith.vsix missing or older than dist/)', () =>
        run(process.execPath, [path.join(repo, 'scripts/package-vsix.mjs'), vsix], repo, { env: process.env }));
    } else {
      say(`using ${path.relative(process.cwd(), vsix) || vsix}`);
    }
    const tarball = await phase('npm pack runtime/', async () => {
      const out = await run('npm', ['pack', '--json', '--pack-destination', tmp], path.join(repo, 'runtime'));
      const [info] = JSON.parse(out.slice(out.indexOf('[')));
      return path.join(tmp, info.filename);
    });

    // 2. A fresh project outside the repository: the tarball, zod and TypeScript 5, init, two more flows.
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'packed-vsix-project', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
    await phase('npm install TARBALL zod typescript@5', () => run('npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball, 'zod', 'typescript@5'], project, { timeout: INSTALL_TIMEOUT_MS }));
    const init = await phase('npx flowsmith init', () => run('npx', ['--no', '--', 'flowsmith', 'init'], project));
    if (!/created flows\/hello\.ts/.test(init) || !/created tsconfig\.json/.test(init)) throw new HarnessError(`flowsmith init did not write flows/hello.ts and a tsconfig:\n${init}`);
    const tsconfig = JSON.parse(fs.readFileSync(path.join(project, 'tsconfig.json'), 'utf8'));
    if (tsconfig.compilerOptions?.module !== 'NodeNext') throw new HarnessError(`init's tsconfig is not NodeNext: ${JSON.stringify(tsconfig)}`);
    fs.writeFileSync(path.join(project, 'flows/tasks.ts'), TASKS);
    fs.writeFileSync(path.join(project, 'flows/broken.ts'), BROKEN);
    fs.writeFileSync(path.join(project, 'flows/which.ts'), WHICH);
    const versions = ['flowsmith', 'typescript', 'zod'].map((p) =>
      `${p} ${JSON.parse(fs.readFileSync(path.join(project, 'node_modules', p, 'package.json'), 'utf8')).version}`);
    say(`project ${project}: ${versions.join(', ')}`);
    sabotage(project);

    // 3. The .vsix installed as VS Code installs it, into a fresh extensions dir.
    const exts = path.join(tmp, 'extensions');
    const extDir = await phase('code-server --install-extension', async () => {
      const env = { ...userEnv(), CODE_SERVER_CONFIG: path.join(tmp, 'config.yaml') };
      await run(process.execPath, [fs.realpathSync(DEFAULT_CODE_SERVER), '--install-extension', vsix,
        '--extensions-dir', exts, '--user-data-dir', path.join(tmp, 'ud')], repo, { env, timeout: COMMAND_TIMEOUT_MS });
      const installed = fs.readdirSync(exts).find((d) => d.startsWith('flowsmith.flowsmith-vscode-'));
      if (!installed) throw new HarnessError(`nothing installed in ${exts}: ${fs.readdirSync(exts).join(', ')}`);
      // Every file the manifest points the YAML extension at (the compositions' schema) was packed.
      const manifest = JSON.parse(fs.readFileSync(path.join(exts, installed, 'package.json'), 'utf8'));
      for (const v of manifest.contributes?.yamlValidation ?? []) {
        const schema = path.join(exts, installed, v.url);
        if (!fs.existsSync(schema)) throw new HarnessError(`the packed extension lacks ${v.url} (yamlValidation for ${v.fileMatch})`);
        JSON.parse(fs.readFileSync(schema, 'utf8'));
      }
      return path.join(exts, installed);
    });
    say(`installed ${path.basename(extDir)}`);

    // 4. VS Code on the project (trusted), the installed folder as the extension, the packed suite.
    return await phase('VS Code suite', () => runSuite(extDir, project, tmp));
  } finally {
    if (opts.keep) say(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** FLOWSMITH_PACKED_SABOTAGE: break the project so that the suite must fail. */
function sabotage(project) {
  if (!SABOTAGE) return;
  const pkg = path.join(project, 'node_modules/flowsmith');
  if (SABOTAGE === 'dts') {
    let n = 0;
    const walk = (dir) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.d.ts')) { fs.writeFileSync(p, 'export {};\n'); n++; }
      }
    };
    walk(path.join(pkg, 'dist'));
    say(`SABOTAGE dts: emptied ${n} declaration files of node_modules/flowsmith`);
  } else if (SABOTAGE === 'tsconfig') {
    const file = path.join(project, 'tsconfig.json');
    const tsconfig = JSON.parse(fs.readFileSync(file, 'utf8'));
    tsconfig.compilerOptions.paths = { flowsmith: ['./stub/flowsmith.d.ts'] };
    fs.mkdirSync(path.join(project, 'stub'));
    fs.writeFileSync(path.join(project, 'stub/flowsmith.d.ts'), 'export {};\n');
    fs.writeFileSync(file, `${JSON.stringify(tsconfig, null, 2)}\n`);
    say('SABOTAGE tsconfig: "paths" maps flowsmith to stub/flowsmith.d.ts (export {};) instead of the installed package');
  } else if (SABOTAGE === 'cli') {
    fs.rmSync(path.join(pkg, 'dist/cli.js'));
    say('SABOTAGE cli: deleted node_modules/flowsmith/dist/cli.js');
  }
}

async function runSuite(extDir, project, tmp) {
  const results = path.join(tmp, 'results.json');
  fs.mkdirSync(shots, { recursive: true });
  const vscode = await launchVSCode({
    extensionDevelopmentPath: extDir, extensionTestsPath: suite, workspace: project, trusted: true, verbose: opts.verbose,
    env: { FLOWSMITH_PACKED_EXTENSION: extDir, FLOWSMITH_E2E_RESULTS: results, FLOWSMITH_E2E_SCREENSHOTS: shots },
  });
  const stopShots = serveScreenshots(vscode.page, shots);
  let timer;
  let code;
  try {
    code = await Promise.race([vscode.exitCode, new Promise((_, reject) => {
      timer = setTimeout(() => reject(new HarnessError(`the suite did not finish within ${SUITE_TIMEOUT_MS / 1000} s`)), SUITE_TIMEOUT_MS);
    })]);
    if (code !== 0) await keepEvidence(vscode, `exit code ${code}`);
  } catch (e) {
    await keepEvidence(vscode, e.message);
    throw e instanceof HarnessError ? e : new HarnessError(e.message);
  } finally {
    clearTimeout(timer);
    stopShots();
    await vscode.close();
  }
  const stats = fs.existsSync(results) ? JSON.parse(fs.readFileSync(results, 'utf8')) : undefined;
  say(`suite exited ${code}${stats ? `: ${stats.passes} passing, ${stats.failures} failing` : ' (no results written)'}`);
  return code === 0 && stats && stats.failures === 0 && stats.passes > 0 ? 0 : 1;
}

async function keepEvidence(vscode, why) {
  const shot = path.join(shots, 'packed-failure.png');
  const log = path.join(shots, 'packed-failure-code-server.log');
  try { await vscode.page.screenshot({ path: shot, timeout: 10_000 }); } catch (e) { say(`screenshot failed: ${e.message}`); }
  try { fs.copyFileSync(vscode.logFile, log); } catch { /* closed already */ }
  say(`${why}: screenshot ${path.relative(repo, shot)}, code-server log ${path.relative(repo, log)}`);
}

main().then((code) => {
  say(`${code === 0 ? 'passed' : 'FAILED'} in ${since(started)} (${phases.join(', ')})`);
  process.exit(code);
}, (e) => {
  say(`${e instanceof HarnessError ? 'harness failed' : 'error'}: ${e.message}`);
  say(`after ${since(started)} (${phases.join(', ')})`);
  process.exit(2);
});
