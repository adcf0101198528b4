// The floor of "initialize → first diagnostics of an opened file": TypeScript alone, doing what
// any analysis that types the opened file must — load the compiler (through a V8 code cache, as
// the server's boot.ts does on every start after the first), build the program of the opened
// file's imports with the workspace's tsconfig (parsed as tsc parses: no JSDoc in TypeScript
// files), bind it, and check that one file. No LSP, no
// Flowsmith code. Prints one JSON line of phase times (ms); the caller times the whole process.
//
//   node bench/lib/ts-floor.cjs TYPESCRIPT_JS CACHE_FILE WORKSPACE OPENED_FILE
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

const [tsFile, cacheFile, root, opened] = process.argv.slice(2);
const t0 = performance.now();
const source = fs.readFileSync(tsFile, "utf8");
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(source), { filename: tsFile, cachedData });
const mod = new Module(tsFile, module);
mod.filename = tsFile;
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(tsFile), mod, tsFile, path.dirname(tsFile));
const ts = mod.exports;
const t1 = performance.now();
const config = ts.getParsedCommandLineOfConfigFile(path.join(root, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
// Parsed as tsc parses (JSDoc only where it carries types: in JavaScript files).
const host = ts.createCompilerHost(config.options);
host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
const program = ts.createProgram([path.resolve(root, opened)], config.options, host);
const t2 = performance.now();
program.getTypeChecker();
const t3 = performance.now();
const file = program.getSourceFile(path.resolve(root, opened));
const diagnostics = program.getSyntacticDiagnostics(file).length + program.getSemanticDiagnostics(file).length;
const t4 = performance.now();
if (cachedData === undefined || script.cachedDataRejected) fs.writeFileSync(cacheFile, script.createCachedData());
process.stdout.write(
  `${JSON.stringify({ loadMs: t1 - t0, programMs: t2 - t1, bindMs: t3 - t2, checkMs: t4 - t3, files: program.getSourceFiles().length, diagnostics, cache: cachedData === undefined ? "miss" : script.cachedDataRejected ? "rejected" : "hit" })}\n`,
);
