// Bundles everything into dist/ folders with esbuild: the CLI and SDK (runtime/dist), and later
// the language server and the extension. `tsc -b` type-checks; this bundles, and puts the runtime
// package's declaration files (emitted by `tsc -b`) next to its index.js.
import * as esbuild from "esbuild";
import ts from "typescript";
import { readFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const runtimePkg = JSON.parse(readFileSync(path.join(root, "runtime/package.json"), "utf8"));
const watch = process.argv.includes("--watch");
// `--types`: only the package's declaration files (npm run typecheck needs them, not the bundles).
const typesOnly = process.argv.includes("--types");

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: true,
  logLevel: "warning",
  // Native or large dependencies stay installed packages rather than bundled copies.
  external: ["esbuild", "typescript", "zod", "vscode"],
  define: { FLOWSMITH_VERSION: JSON.stringify(runtimePkg.version) },
};

const builds = [
  { ...common, entryPoints: [path.join(root, "runtime/src/cli/bin.ts")], outfile: path.join(root, "runtime/dist/cli.js"), banner: { js: "#!/usr/bin/env node" } },
  { ...common, entryPoints: [path.join(root, "runtime/src/index.ts")], outfile: path.join(root, "runtime/dist/index.js") },
  // The language server is self-contained: ts-morph and its TypeScript are bundled, and the
  // fingerprint module's `typescript` import uses that same copy.
  {
    ...common,
    entryPoints: [path.join(root, "server/src/server.ts")],
    outfile: path.join(root, "dist/server-main.js"),
    external: ["vscode"],
    alias: { typescript: "@ts-morph/common/dist/typescript.js" },
  },
  // Its entry, `node dist/server.js --stdio`: loads server-main.js through a V8 code cache (boot.ts).
  { ...common, entryPoints: [path.join(root, "server/src/boot.ts")], outfile: path.join(root, "dist/server.js"), external: [], sourcemap: false },
  // check / graph / list for the CLI, loaded lazily by runtime/dist/cli.js.
  {
    ...common,
    entryPoints: [path.join(root, "server/src/cli/commands.ts")],
    outfile: path.join(root, "runtime/dist/analysis.js"),
    external: [],
    alias: { typescript: "@ts-morph/common/dist/typescript.js" },
  },
  // `check` answered from the results an earlier check kept, without the analysis (no TypeScript inside),
  // loaded by runtime/dist/cli.js before analysis.js (server/src/cli/checkFast.ts).
  { ...common, entryPoints: [path.join(root, "server/src/cli/checkFast.ts")], outfile: path.join(root, "runtime/dist/check-fast.js"), external: [] },
  // worker / workers / run --cluster for the CLI (BullMQ and ioredis bundled in), loaded lazily by runtime/dist/cli.js.
  { ...common, entryPoints: [path.join(root, "runtime/src/cluster/commands.ts")], outfile: path.join(root, "runtime/dist/cluster.js"), external: ["esbuild", "typescript", "zod"] },
  // The deployment registry (deploy / deployments / undeploy / run deploy:NAME; ioredis bundled in), loaded lazily by runtime/dist/cli.js.
  { ...common, entryPoints: [path.join(root, "runtime/src/deploy/registry.ts")], outfile: path.join(root, "runtime/dist/deployments.js"), external: ["esbuild", "typescript", "zod"] },
  // The results database of db mappings (sql.js and pg bundled in), loaded lazily by runtime/src/results/index.ts;
  // sql.js's sql-wasm.wasm is copied next to it (copyResultsWasm).
  { ...common, entryPoints: [path.join(root, "runtime/src/results/backends.ts")], outfile: path.join(root, "runtime/dist/results-db.js"), external: ["pg-native"] },
  // The VS Code extension (client/): vscode-languageclient bundled, `vscode` provided by the editor.
  { ...common, entryPoints: [path.join(root, "client/src/extension.ts")], outfile: path.join(root, "dist/extension.js"), external: ["vscode"], minify: true },
  // The TypeScript server plugin (one squiggle per mistake): its own dependency-free CommonJS package,
  // resolved by tsserver as node_modules/flowsmith-ts-plugin (an npm workspace here, copied into the .vsix).
  { ...common, entryPoints: [path.join(root, "tsplugin/src/index.ts")], outfile: path.join(root, "tsplugin/dist/index.js"), external: [], define: {}, sourcemap: false },
  // The graph webview's script, and the elkjs layout worker it starts (re-minified, not bundled).
  { ...common, platform: "browser", format: "iife", target: "es2022", external: [], define: {}, entryPoints: [path.join(root, "client/webview/graph.ts")], outfile: path.join(root, "dist/webview/graph.js") },
  { entryPoints: [path.join(root, "node_modules/elkjs/lib/elk-worker.min.js")], outfile: path.join(root, "dist/webview/elk-worker.js"), bundle: false, minify: true, platform: "browser", logLevel: "warning" },
];

/**
 * The flowsmith package's types (runtime/package.json `types`): declaration files, not the SDK's
 * .ts sources, so a user's compiler settings and TypeScript version never type-check Flowsmith's
 * internals. `tsc -b` has emitted a .d.ts for every runtime source into runtime/out (the runtime
 * project is composite); this copies index.d.ts and the declarations it imports, transitively, into
 * runtime/dist next to index.js. They stay CommonJS declarations (the package has no "type"), as
 * index.js is: an ES module importing "flowsmith" under NodeNext gets the CommonJS named exports
 * that esbuild annotates for Node. Declarations of earlier builds are removed first.
 */
function copyDeclarations() {
  const out = path.join(root, "runtime/out");
  const dist = path.join(root, "runtime/dist");
  const removeOld = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) removeOld(file);
      else if (entry.name.endsWith(".d.ts")) rmSync(file);
    }
  };
  removeOld(dist);
  const pending = ["index.d.ts"];
  const copied = new Set();
  while (pending.length) {
    const rel = pending.pop();
    if (copied.has(rel)) continue;
    copied.add(rel);
    const from = path.join(out, rel);
    if (!existsSync(from)) throw new Error(`${path.relative(root, from)} is missing: run tsc -b before scripts/build.mjs`);
    const text = readFileSync(from, "utf8");
    for (const { fileName } of ts.preProcessFile(text, true, false).importedFiles) {
      if (!/^\.\.?\//.test(fileName)) continue; // a package (zod): the user's own copy
      const target = path.posix.join(path.posix.dirname(rel), fileName.replace(/\.js$/, ".d.ts"));
      if (!target.endsWith(".d.ts") || target.startsWith("..")) throw new Error(`${rel}: cannot follow the import "${fileName}"`);
      pending.push(target);
    }
    mkdirSync(path.dirname(path.join(dist, rel)), { recursive: true });
    writeFileSync(path.join(dist, rel), text);
  }
}

/** SQLite in WebAssembly for the embedded results database: next to runtime/dist/results-db.js, found there with locateFile. */
function copyResultsWasm() {
  copyFileSync(path.join(root, "node_modules/sql.js/dist/sql-wasm.wasm"), path.join(root, "runtime/dist/sql-wasm.wasm"));
}

if (typesOnly) {
  copyDeclarations();
} else if (watch) {
  copyDeclarations();
  mkdirSync(path.join(root, "runtime/dist"), { recursive: true });
  copyResultsWasm();
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync(path.join(root, "runtime/dist/cli.js"), 0o755);
  copyResultsWasm();
  copyDeclarations();
}
