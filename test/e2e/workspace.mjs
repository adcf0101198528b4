// The test workspace: a temp copy of examples/ (without .flowsmith state) with a package.json and a
// node_modules symlink to the repository's, so "flowsmith" and "zod" resolve as they do in the repo.
//
// Two variants of the same sources (a relative import in examples/ must carry its `.js` extension,
// which Bundler accepts and NodeNext requires):
//   bundler   examples/tsconfig.json as it is (module ESNext, moduleResolution Bundler), a package.json
//             without "type" — what every test used before issue 18;
//   nodenext  package.json "type": "module" and tsconfig "module"/"moduleResolution" "NodeNext", the
//             standard setting of a Node ESM project (the shape issue 18 was found on).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const VARIANTS = ['bundler', 'nodenext'];

/**
 * Parses a comma-separated list of variants ("bundler,nodenext"); empty or undefined gives
 * `fallback`. Throws on an unknown name.
 */
export function parseVariants(list, fallback = VARIANTS) {
  if (list === undefined || String(list).trim() === '') return [...fallback];
  const names = String(list).split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const n of names) if (!VARIANTS.includes(n)) throw new Error(`unknown workspace variant "${n}" (known: ${VARIANTS.join(', ')})`);
  return [...new Set(names)];
}

/**
 * Copies examples/ into `dir` (a new temp dir by default) and writes the package.json and
 * tsconfig.json of `variant`. Returns the directory.
 */
export function makeWorkspace(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowsmith-e2e-ws-')), { variant = 'bundler' } = {}) {
  if (!VARIANTS.includes(variant)) throw new Error(`unknown workspace variant "${variant}" (known: ${VARIANTS.join(', ')})`);
  fs.cpSync(path.join(repoRoot, 'examples'), dir, { recursive: true, filter: (src) => !src.split(path.sep).includes('.flowsmith') });
  const pkg = { name: 'flowsmith-e2e-examples', private: true };
  if (variant === 'nodenext') {
    pkg.type = 'module';
    const tsconfig = JSON.parse(fs.readFileSync(path.join(dir, 'tsconfig.json'), 'utf8'));
    tsconfig.compilerOptions = { ...tsconfig.compilerOptions, module: 'NodeNext', moduleResolution: 'NodeNext' };
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  }
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}
