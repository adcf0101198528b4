#!/usr/bin/env node
// `npm run package`: builds a .vsix of the extension with @vscode/vsce from a staging folder holding
// only what the extension needs at run time: the bundles in dist/ (extension, language server,
// graph webview), the CLI (runtime/dist/cli.js + analysis.js) with the two packages it loads at run
// time (esbuild with this platform's binary, typescript), the results database a composition's db
// mappings use (runtime/dist/results-db.js with sql-wasm.wasm), the media, the grammar, the compositions'
// JSON schema (client/schemas, contributed to the YAML extension by yamlValidation) and the manifest.
// vsce packs the root's node_modules/ only as the manifest's dependencies (npm list), so the CLI's
// packages go under runtime/dist/node_modules/, where `require` from runtime/dist/cli.js finds them. The esbuild binary
// makes the package platform-specific: it is built for this machine's platform (vsce --target).
// The TypeScript server plugin (tsplugin/) is the one package at the root's node_modules/, where
// tsserver looks for it: the staged manifest depends on it and vsce's npm dependency detection packs it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'runtime/dist/cli.js'));
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'flowsmith-vsix-'));
const out = path.resolve(process.argv[2] ?? path.join(root, 'flowsmith.vsix'));

const copy = (from, to = from) => {
  const src = path.isAbsolute(from) ? from : path.join(root, from);
  if (!fs.existsSync(src)) throw new Error(`missing ${path.relative(root, src)}: run npm run build first`);
  fs.cpSync(src, path.join(stage, to), { recursive: true, filter: (s) => !s.endsWith('.map') });
};

try {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  for (const k of ['workspaces', 'scripts', 'devDependencies', 'dependencies']) delete pkg[k];
  const plugin = JSON.parse(fs.readFileSync(path.join(root, 'tsplugin/package.json'), 'utf8'));
  pkg.dependencies = { [plugin.name]: plugin.version };
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  copy('client/README.md', 'README.md');
  copy('LICENSE');
  for (const f of ['dist/extension.js', 'dist/server.js', 'dist/server-main.js', 'dist/webview', 'client/media', 'client/schemas', 'syntaxes', 'runtime/dist/cli.js', 'runtime/dist/analysis.js', 'runtime/dist/check-fast.js', 'runtime/dist/cluster.js', 'runtime/dist/results-db.js', 'runtime/dist/sql-wasm.wasm']) copy(f);

  // The TypeScript server plugin, as tsserver requires it: node_modules/flowsmith-ts-plugin.
  copy('tsplugin/dist/index.js', `node_modules/${plugin.name}/dist/index.js`);
  copy('LICENSE', `node_modules/${plugin.name}/LICENSE`);
  const { name, version, description, license } = plugin;
  fs.writeFileSync(path.join(stage, `node_modules/${plugin.name}/package.json`), `${JSON.stringify({ name, version, description, license, main: './dist/index.js' }, null, 2)}\n`);

  // The CLI's run-time packages, as few files as they need.
  const nm = 'runtime/dist/node_modules';
  const esbuildDir = path.dirname(path.dirname(require.resolve('esbuild')));
  copy(path.join(esbuildDir, 'package.json'), `${nm}/esbuild/package.json`);
  copy(path.join(esbuildDir, 'lib'), `${nm}/esbuild/lib`);
  const platformPkg = `@esbuild/${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
  const platformDir = path.dirname(require.resolve(`${platformPkg}/package.json`));
  copy(platformDir, `${nm}/${platformPkg}`);
  const tsDir = path.dirname(path.dirname(require.resolve('typescript')));
  copy(path.join(tsDir, 'package.json'), `${nm}/typescript/package.json`);
  copy(path.join(tsDir, 'lib/typescript.js'), `${nm}/typescript/lib/typescript.js`);
  copy(path.join(tsDir, 'LICENSE.txt'), `${nm}/typescript/LICENSE.txt`);

  const target = `${process.platform}-${process.arch}`;
  const vsce = path.join(root, 'node_modules/@vscode/vsce/vsce');
  execFileSync(process.execPath, [vsce, 'package', '--dependencies', '--allow-missing-repository', '--target', target, '--out', out],
    { cwd: stage, stdio: 'inherit' });
  process.stdout.write(`packaged ${path.relative(process.cwd(), out)} (${(fs.statSync(out).size / 1024 / 1024).toFixed(1)} MiB, ${target})\n`);
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
