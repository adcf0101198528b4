// The test workspace: a temp copy of examples/ (without .flowsmith state) with a package.json and a
// node_modules symlink to the repository's, so "flowsmith" and "zod" resolve as they do in the repo.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function makeWorkspace(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowsmith-e2e-ws-'))) {
  fs.cpSync(path.join(repoRoot, 'examples'), dir, { recursive: true, filter: (src) => !src.split(path.sep).includes('.flowsmith') });
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'flowsmith-e2e-examples', private: true }, null, 2)}\n`);
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}
