/**
 * One squiggle per mistake (tsplugin/): TypeScript's own language service with the plugin applied,
 * configured from the spans of the real Flowsmith analysis' diagnostics, as the extension does. A
 * flow file with one wiring mistake of each kind keeps only the TypeScript errors Flowsmith does not
 * report; other files, stale text and malformed configurations keep all of TypeScript's.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import ts from "typescript";
import init from "../../tsplugin/src/index.ts";
import { COVERED_TS_CODES, PLUGIN_NAME, fileKey, fingerprint, readConfig, type CoveredConfig, type CoveredFile } from "../../tsplugin/src/covered.ts";
import { afterEdits, coveredCode, coveredFile, type FlowProblem } from "../../client/src/squiggles/coveredSpans.ts";
import { FlowAnalysis } from "../../server/src/analysis/index.ts";
import { makeWorkspace, REPO } from "./helpers/workspace.ts";

const FLOW = `import { task, workflow } from "flowsmith";

export const load = task(async ({ n }: { n: number }) => ({ rows: [1, 2, 3].slice(0, n), names: ["a"] }));
export const scale = task(async ({ rows, factor }: { rows: number[]; factor: number }) => ({ scaled: rows.map((r) => r * factor) }));

export const unknownInput = workflow(() => {
  const l = load({ n: 3 });
  const s = scale({ rows: l.rows, factor: 2, facter: 3 });
  return { out: s.scaled };
});

export const missingInput = workflow(() => {
  const l = load({ n: 3 });
  const s = scale({ rows: l.rows });
  return { out: s.scaled };
});

export const typeMismatch = workflow(() => {
  const l = load({ n: 3 });
  const s = scale({ rows: l.names, factor: 2 });
  return { out: s.scaled };
});

export const unknownOutput = workflow(() => {
  const l = load({ n: 3 });
  const s = scale({ rows: l.rowz, factor: 2 });
  return { out: s.scaled };
});

export const unrelated: number = "not a number";
`;

/** Not a flow file: the same kinds of TypeScript errors, nothing of Flowsmith's. */
const PLAIN = `export const point: { x: number } = { x: 1, y: 2 };
export const count: number = "three";
export const missing = [1].lenght;
`;

const ws = makeWorkspace();
after(() => ws.cleanup());
ws.write("tsconfig.json", JSON.stringify({ compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ["**/*.ts"] }));
ws.write("flows/flow.ts", FLOW);
ws.write("flows/plain.ts", PLAIN);
const flowFile = ws.path("flows/flow.ts");
const plainFile = ws.path("flows/plain.ts");

/** A language service over the workspace whose flow file's text the test can change. */
function languageService() {
  const texts = new Map<string, { text: string; version: number }>([[flowFile, { text: FLOW, version: 1 }], [plainFile, { text: PLAIN, version: 1 }]]);
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => ({ target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, strict: true, noEmit: true, skipLibCheck: true, types: [] }),
    getScriptFileNames: () => [flowFile, plainFile],
    getScriptVersion: (f) => String(texts.get(f)?.version ?? 0),
    getScriptSnapshot: (f) => {
      const text = texts.get(f)?.text ?? (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => ws.dir,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
    realpath: ts.sys.realpath,
  };
  const edit = (text: string) => {
    const t = texts.get(flowFile)!;
    texts.set(flowFile, { text, version: t.version + 1 });
  };
  return { ls: ts.createLanguageService(host), edit };
}

/** The plugin as tsserver applies it: the module factory, then create() with the project's service. */
function withPlugin(ls: ts.LanguageService) {
  let refreshed = 0;
  const project = { isClosed: () => false, refreshDiagnostics: () => void refreshed++ };
  const plugin = init({ typescript: ts as never });
  const proxied = plugin.create({ languageService: ls, project, config: { name: PLUGIN_NAME } } as never);
  return { plugin, ls: proxied, refreshed: () => refreshed };
}

const codes = (diags: readonly ts.Diagnostic[]) => diags.map((d) => d.code).sort((a, b) => a - b);

/** Flowsmith's diagnostics of a text as the extension measures them: offsets in that text. */
function flowProblems(text: string): FlowProblem[] {
  const analysis = new FlowAnalysis(ws.dir);
  analysis.setText(flowFile, text);
  const starts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index! + 1)];
  const at = (p: { line: number; character: number }) => starts[p.line]! + p.character;
  return analysis.diagnostics(flowFile).map((d) => ({ code: d.code, start: at(d.range.start), end: at(d.range.end) }));
}

const configOf = (file: CoveredFile | undefined): CoveredConfig => ({ files: file ? { [flowFile]: file } : {} });

describe("the TypeScript server plugin", () => {
  const { ls: plain, edit } = languageService();
  const { plugin, ls, refreshed } = withPlugin(plain);
  const problems = flowProblems(FLOW);

  test("Flowsmith reports each wiring mistake once, and TypeScript reports it again", () => {
    assert.deepEqual(problems.map((p) => p.code).sort(), ["FS001", "FS002", "FS003", "FS005"]);
    assert.deepEqual(codes(plain.getSemanticDiagnostics(flowFile)), [2322, 2322, 2339, 2345, 2561]);
    // Not configured yet: the plugin passes everything through.
    assert.deepEqual(codes(ls.getSemanticDiagnostics(flowFile)), [2322, 2322, 2339, 2345, 2561]);
  });

  test("configured with Flowsmith's spans, only the TypeScript error Flowsmith does not report is left", () => {
    plugin.onConfigurationChanged!(configOf(coveredFile(FLOW, problems)));
    assert.equal(refreshed(), 1, "a new configuration asks tsserver to send diagnostics again");
    const left = ls.getSemanticDiagnostics(flowFile);
    assert.deepEqual(codes(left), [2322]);
    assert.equal(FLOW.slice(left[0]!.start!, left[0]!.start! + left[0]!.length!), "unrelated");
    // The type mismatch: TypeScript's error is on the property's name, Flowsmith's on the reference.
    const mismatch = plain.getSemanticDiagnostics(flowFile).find((d) => d.code === 2322 && FLOW.slice(d.start!, d.start! + d.length!) === "rows");
    assert.ok(mismatch, "TypeScript flags `rows` of the typeMismatch workflow");
  });

  test("other files, suggestions and syntax are TypeScript's alone", () => {
    assert.deepEqual(codes(ls.getSemanticDiagnostics(plainFile)), codes(plain.getSemanticDiagnostics(plainFile)));
    assert.deepEqual(codes(ls.getSemanticDiagnostics(plainFile)), [2322, 2353, 2551]);
    assert.deepEqual(codes(ls.getSuggestionDiagnostics(flowFile)), codes(plain.getSuggestionDiagnostics(flowFile)));
    assert.deepEqual(codes(ls.getSyntacticDiagnostics(flowFile)), []);
  });

  test("after an edit, stale spans hide nothing; moved spans hide the same errors again", () => {
    const edited = `// a comment above everything\n${FLOW}`;
    edit(edited);
    assert.deepEqual(codes(ls.getSemanticDiagnostics(flowFile)), [2322, 2322, 2339, 2345, 2561], "the text is not the one the spans were measured in");
    const moved = afterEdits(coveredFile(FLOW, problems)!, [{ start: 0, end: 0, text: "// a comment above everything\n" }], edited);
    plugin.onConfigurationChanged!(configOf(moved));
    assert.deepEqual(codes(ls.getSemanticDiagnostics(flowFile)), [2322]);
    // Re-measured by the analysis in the new text: the same outcome.
    plugin.onConfigurationChanged!(configOf(coveredFile(edited, flowProblems(edited))));
    assert.deepEqual(codes(ls.getSemanticDiagnostics(flowFile)), [2322]);
    edit(FLOW);
  });

  test("a fixed mistake is no longer covered: Flowsmith's other spans do not hide a new TypeScript error elsewhere", () => {
    // Spans of the FS001 mistake only: the other three TypeScript errors stay.
    const only001 = coveredFile(FLOW, problems.filter((p) => p.code === "FS001"));
    plugin.onConfigurationChanged!(configOf(only001));
    assert.deepEqual(codes(ls.getSemanticDiagnostics(flowFile)), [2322, 2322, 2339, 2345]);
    // An FS005 span does not hide TypeScript's 2322 at the same place: the codes must map.
    const wrongCode = coveredFile(FLOW, problems.map((p) => ({ ...p, code: "FS005" })));
    plugin.onConfigurationChanged!(configOf(wrongCode));
    assert.deepEqual(codes(ls.getSemanticDiagnostics(flowFile)), [2322, 2322, 2345, 2561]);
  });

  test("malformed or empty configurations hide nothing and never throw", () => {
    for (const config of [undefined, null, 3, "x", {}, { files: 3 }, { files: { [flowFile]: null } }, { files: { [flowFile]: { fingerprint: 1, spans: [] } } },
      { files: { [flowFile]: { fingerprint: fingerprint(FLOW), spans: [{ start: "0", end: 9, code: "FS001" }, { start: 0, end: FLOW.length, code: "FS004" }] } } }]) {
      assert.doesNotThrow(() => plugin.onConfigurationChanged!(config));
      assert.deepEqual(codes(ls.getSemanticDiagnostics(flowFile)), [2322, 2322, 2339, 2345, 2561], JSON.stringify(config));
    }
  });

  test("a language service that throws inside the filter still answers with TypeScript's diagnostics", () => {
    const broken = { ...plain, getProgram: () => { throw new Error("boom"); } } as ts.LanguageService;
    const { plugin: p2, ls: ls2 } = withPlugin(broken);
    p2.onConfigurationChanged!(configOf(coveredFile(FLOW, problems)));
    assert.deepEqual(codes(ls2.getSemanticDiagnostics(flowFile)), [2322, 2322, 2339, 2345, 2561]);
  });
});

describe("covered spans", () => {
  test("only FS001, FS002, FS003 and FS005 map to TypeScript errors", () => {
    assert.deepEqual(Object.keys(COVERED_TS_CODES).sort(), ["FS001", "FS002", "FS003", "FS005"]);
    assert.equal(coveredCode("FS001"), "FS001");
    assert.equal(coveredCode("FS003 type-mismatch"), "FS003");
    assert.equal(coveredCode("FS004"), undefined);
    assert.equal(coveredFile("abc", [{ code: "FS010", start: 0, end: 1 }]), undefined);
    assert.equal(coveredFile("abc", [{ code: "FS001", start: 2, end: 9 }]), undefined, "a span past the end of the text");
  });

  test("edits move the spans after them, keep those before and drop those they touch", () => {
    const text = "aaaa BBB cccc DDD";
    const file = coveredFile(text, [{ code: "FS001", start: 5, end: 8 }, { code: "FS005", start: 14, end: 17 }])!;
    const inserted = "aaaa BBB cccc! DDD";
    assert.deepEqual(afterEdits(file, [{ start: 13, end: 13, text: "!" }], inserted), {
      fingerprint: fingerprint(inserted),
      spans: [{ code: "FS001", start: 5, end: 8 }, { code: "FS005", start: 15, end: 18 }],
    });
    assert.deepEqual(afterEdits(file, [{ start: 6, end: 7, text: "x" }], "aaaa BxB cccc DDD")?.spans, [{ code: "FS005", start: 14, end: 17 }]);
    assert.deepEqual(afterEdits(file, [{ start: 8, end: 8, text: "x" }], "aaaa BBBx cccc DDD")?.spans, [{ code: "FS005", start: 15, end: 18 }], "typing right after a span");
    // Two changes of one event, last first, each in the offsets of the text before the event.
    assert.deepEqual(afterEdits(file, [{ start: 9, end: 13, text: "" }, { start: 0, end: 4, text: "" }], " BBB  DDD")?.spans,
      [{ code: "FS001", start: 1, end: 4 }, { code: "FS005", start: 6, end: 9 }]);
    assert.equal(afterEdits(file, [{ start: 0, end: text.length, text: "new" }], "new"), undefined);
  });

  test("paths compare the same on both sides", () => {
    assert.equal(fileKey("C:\\work\\flows\\flow.ts"), "c:/work/flows/flow.ts");
    assert.equal(fileKey("/work/flows/flow.ts"), "/work/flows/flow.ts");
    assert.deepEqual(Object.keys(readConfig({ files: { "C:\\a.ts": { fingerprint: "1:0", spans: [{ start: 0, end: 1, code: "FS001" }] } } }).files), ["c:/a.ts"]);
  });
});

describe("the plugin as shipped", () => {
  test("the manifest contributes it and the extension's node_modules resolves it to dependency-free CommonJS", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
    assert.deepEqual(manifest.contributes.typescriptServerPlugins.map((p: { name: string }) => p.name), [PLUGIN_NAME]);
    const resolved = createRequire(path.join(REPO, "package.json")).resolve(PLUGIN_NAME);
    assert.equal(fs.realpathSync(resolved), path.join(REPO, "tsplugin/dist/index.js"), "run npm run build first");
    const code = fs.readFileSync(resolved, "utf8");
    assert.deepEqual([...code.matchAll(/\brequire\(\s*["']([^"']+)["']/g)].map((m) => m[1]), [], "the plugin requires nothing");
    const factory = createRequire(import.meta.url)(resolved);
    assert.equal(typeof factory, "function", "tsserver calls module.exports as the plugin's factory");
    const built = factory({ typescript: ts });
    assert.equal(typeof built.create, "function");
    assert.equal(typeof built.onConfigurationChanged, "function");
  });
});
