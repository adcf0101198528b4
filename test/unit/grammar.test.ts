/**
 * Snapshot tests of the run-log grammar (syntaxes/flowsmith-runlog.tmLanguage.json), tokenized with
 * the same engine VS Code uses (vscode-textmate + vscode-oniguruma). Each fixture under
 * test/fixtures/grammar/*.flowsmith-log has a .snap beside it; UPDATE_SNAPSHOTS=1 rewrites them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import * as textmate from "vscode-textmate";
import * as oniguruma from "vscode-oniguruma";

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, "../..");
const fixtures = path.join(root, "test/fixtures/grammar");
const grammarFile = path.join(root, "syntaxes/flowsmith-runlog.tmLanguage.json");
const SCOPE = "text.flowsmith-runlog";

let grammarPromise: Promise<textmate.IGrammar> | undefined;
function loadGrammar(): Promise<textmate.IGrammar> {
  grammarPromise ??= (async () => {
    const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new textmate.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (sources: string[]) => new oniguruma.OnigScanner(sources),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName) =>
        scopeName === SCOPE ? textmate.parseRawGrammar(fs.readFileSync(grammarFile, "utf8"), grammarFile) : null,
    });
    const grammar = await registry.loadGrammar(SCOPE);
    if (!grammar) throw new Error("grammar did not load");
    return grammar;
  })();
  return grammarPromise;
}

interface Token {
  text: string;
  scopes: string[];
}

async function tokenize(text: string): Promise<Token[][]> {
  const grammar = await loadGrammar();
  let stack = textmate.INITIAL;
  return text.split("\n").map((line) => {
    const r = grammar.tokenizeLine(line, stack);
    stack = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes.filter((s) => s !== SCOPE) }));
  });
}

/** One line per source line, then one per scoped token: `  "text"  scope scope`. */
function render(lines: string[], tokens: Token[][]): string {
  const out: string[] = [];
  lines.forEach((line, i) => {
    out.push(`> ${line}`);
    for (const t of tokens[i] ?? []) {
      if (t.scopes.length && t.text.trim()) out.push(`  ${JSON.stringify(t.text)}  ${t.scopes.map((s) => s.replace(/\.flowsmith-runlog$/, "")).join(" ")}`);
    }
  });
  return `${out.join("\n")}\n`;
}

function scopesOf(tokens: Token[][], line: number, text: string): string[] {
  const t = tokens[line]?.find((x) => x.text === text);
  assert.ok(t, `line ${line + 1} has a token ${JSON.stringify(text)}: ${JSON.stringify(tokens[line]?.map((x) => x.text))}`);
  return t.scopes;
}

for (const name of fs.readdirSync(fixtures).filter((f) => f.endsWith(".flowsmith-log"))) {
  test(`run-log grammar snapshot: ${name}`, async () => {
    const text = fs.readFileSync(path.join(fixtures, name), "utf8").replace(/\n$/, "");
    const lines = text.split("\n");
    const actual = render(lines, await tokenize(text));
    const snap = path.join(fixtures, `${name}.snap`);
    if (process.env.UPDATE_SNAPSHOTS === "1" || !fs.existsSync(snap)) fs.writeFileSync(snap, actual);
    assert.equal(actual, fs.readFileSync(snap, "utf8"), `${name} tokenizes differently from ${path.relative(root, snap)} (UPDATE_SNAPSHOTS=1 to accept)`);
  });
}

test("run-log grammar: statuses, run ids, node ids and errors get their own scopes", async () => {
  const lines = [
    "12:00:01 RUN 20261122-000356-0e10dc pipeline/flow.ts#pipeline STARTED 3 nodes",
    "12:00:01 [get-data] COMPLETE 6 ms",
    "12:00:02 [train] FAILED 3 ms error: boom",
    "12:00:03 [crunch] STOPPED",
    "└─--[preprocess (STALE)]",
    "12:00:04 [render] SKIPPED",
  ];
  const tokens = await tokenize(lines.join("\n"));
  assert.ok(scopesOf(tokens, 0, "20261122-000356-0e10dc").includes("entity.name.type.run-id.flowsmith-runlog"));
  assert.ok(scopesOf(tokens, 0, "pipeline/flow.ts#pipeline").includes("string.unquoted.target.flowsmith-runlog"));
  assert.ok(scopesOf(tokens, 0, "12:00:01").includes("constant.numeric.timestamp.flowsmith-runlog"));
  assert.ok(scopesOf(tokens, 1, "get-data").includes("entity.name.function.node.flowsmith-runlog"));
  assert.ok(scopesOf(tokens, 1, "COMPLETE").includes("markup.inserted.status.complete.flowsmith-runlog"));
  assert.ok(scopesOf(tokens, 1, "6 ms").includes("constant.numeric.duration.flowsmith-runlog"));
  assert.ok(scopesOf(tokens, 2, "FAILED").includes("invalid.illegal.status.failed.flowsmith-runlog"));
  assert.ok(scopesOf(tokens, 2, " boom").includes("invalid.illegal.error.message.flowsmith-runlog"));
  assert.ok(scopesOf(tokens, 3, "STOPPED").includes("markup.changed.status.attention.flowsmith-runlog"));
  assert.ok(scopesOf(tokens, 4, "STALE").includes("markup.changed.status.attention.flowsmith-runlog"));
  assert.ok(scopesOf(tokens, 4, "preprocess").includes("entity.name.function.node.flowsmith-runlog"));
  assert.ok(scopesOf(tokens, 5, "SKIPPED").includes("comment.status.inactive.flowsmith-runlog"));
});

test("run-log grammar: the lines the extension writes are what the grammar expects", async () => {
  const { formatRunEvent } = await import("../../client/src/runs/runLogFormat.ts");
  const at = new Date(2026, 10, 22, 12, 0, 1);
  const lines = [
    ...formatRunEvent({ type: "run-started", runId: "20261122-120001-abcdef", target: "a/flow.ts#wf", pid: 1, paramSets: [{ n: 1 }], nodes: [] }, at),
    ...formatRunEvent({ type: "node-finished", runId: "20261122-120001-abcdef", node: "t", status: "failed", durationMs: 3, attempts: 1, error: "Error: nope\n    at t (a/flow.ts:3:9)" }, at),
    ...formatRunEvent({ type: "run-finished", runId: "20261122-120001-abcdef", status: "failed", durationMs: 9, summary: { scheduled: 1, completeEncountered: 0, ranSuccessfully: 0, failed: 1, stopped: 0, skipped: 0, leftPending: 0 } }, at),
  ];
  assert.deepEqual(lines, [
    "12:00:01 RUN 20261122-120001-abcdef a/flow.ts#wf STARTED 0 nodes params n=1",
    "12:00:01 [t] FAILED 3 ms error: Error: nope",
    "        at t (a/flow.ts:3:9)",
    "12:00:01 RUN 20261122-120001-abcdef FAILED 9 ms · scheduled 1, complete 0, ran 0, failed 1, stopped 0, skipped 0, pending 0",
  ]);
  const tokens = await tokenize(lines.join("\n"));
  assert.ok(scopesOf(tokens, 1, "FAILED").includes("invalid.illegal.status.failed.flowsmith-runlog"));
  assert.ok(tokens[2]!.some((t) => t.scopes.includes("comment.line.stack-frame.flowsmith-runlog")));
  assert.ok(scopesOf(tokens, 3, "20261122-120001-abcdef").includes("entity.name.type.run-id.flowsmith-runlog"));
});
