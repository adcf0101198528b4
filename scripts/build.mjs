// Bundles everything into dist/ folders with esbuild: the CLI and SDK (runtime/dist), and later
// the language server and the extension. `tsc -b` type-checks; this only bundles.
import * as esbuild from "esbuild";
import { readFileSync, chmodSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const runtimePkg = JSON.parse(readFileSync(path.join(root, "runtime/package.json"), "utf8"));
const watch = process.argv.includes("--watch");

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
  // The VS Code extension (client/): vscode-languageclient bundled, `vscode` provided by the editor.
  { ...common, entryPoints: [path.join(root, "client/src/extension.ts")], outfile: path.join(root, "dist/extension.js"), external: ["vscode"], minify: true },
  // The graph webview's script, and the elkjs layout worker it starts (re-minified, not bundled).
  { ...common, platform: "browser", format: "iife", target: "es2022", external: [], define: {}, entryPoints: [path.join(root, "client/webview/graph.ts")], outfile: path.join(root, "dist/webview/graph.js") },
  { entryPoints: [path.join(root, "node_modules/elkjs/lib/elk-worker.min.js")], outfile: path.join(root, "dist/webview/elk-worker.js"), bundle: false, minify: true, platform: "browser", logLevel: "warning" },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync(path.join(root, "runtime/dist/cli.js"), 0o755);
}
