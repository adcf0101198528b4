/** The VS Code client's pure helpers (no vscode import): formatting, params, NDJSON splitting. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatAge, formatDuration, type ParamInfo, percent, targetLabel, timingDescription } from "@flowsmith/contract";
import { inFolders } from "../../client/src/util/folders.ts";
import { initialParamText, paramArgs, parseParamText } from "../../client/src/runs/params.ts";
import { NdjsonSplitter } from "../../client/src/util/ndjson.ts";

test("durations and ages read like the tree shows them", () => {
  assert.equal(formatDuration(3), "3 ms");
  assert.equal(formatDuration(1234), "1.2 s");
  assert.equal(formatDuration(42_000), "42 s");
  assert.equal(formatDuration(125_000), "2 min 5 s");
  assert.equal(formatDuration(3_780_000), "1 h 3 min");
  assert.equal(formatDuration(undefined), undefined);
  const now = Date.parse("2026-11-22T12:00:00Z");
  assert.equal(formatAge("2026-11-22T11:59:50Z", now), "just now");
  assert.equal(formatAge("2026-11-22T11:58:00Z", now), "2 min ago");
  assert.equal(formatAge("2026-11-22T09:00:00Z", now), "3 h ago");
  assert.equal(formatAge("2026-11-20T12:00:00Z", now), "2 days ago");
  assert.equal(timingDescription(3, "2026-11-22T11:58:00Z", now), "3 ms · 2 min ago");
  assert.equal(targetLabel("pipeline/flow.ts#pipeline"), "pipeline");
  assert.equal(percent(0.333), "33%");
});

const p = (name: string, type: ParamInfo["type"], extra: Partial<ParamInfo> = {}): ParamInfo => ({ name, type, required: true, ...extra });

test("param text is checked by the schema's JSON type", () => {
  assert.deepEqual(parseParamText(p("n", "number"), " 5 "), { ok: true, value: 5 });
  assert.equal(parseParamText(p("n", "number"), "five").ok, false);
  assert.deepEqual(parseParamText(p("b", "boolean"), "false"), { ok: true, value: false });
  assert.equal(parseParamText(p("b", "boolean"), "yes").ok, false);
  assert.deepEqual(parseParamText(p("s", "string"), " a b "), { ok: true, value: " a b " });
  assert.deepEqual(parseParamText(p("j", "json"), '{"a":[1]}'), { ok: true, value: { a: [1] } });
  assert.equal(parseParamText(p("j", "json"), "{a").ok, false);
  // Empty: the default applies; a required param without one is an error.
  assert.deepEqual(parseParamText(p("n", "number", { default: 3 }), ""), { ok: true, value: undefined });
  assert.equal(parseParamText(p("n", "number"), "").ok, false);
});

test("input boxes start from the remembered value, else the default", () => {
  assert.equal(initialParamText(p("n", "number", { default: 3 }), undefined), "3");
  assert.equal(initialParamText(p("n", "number", { default: 3 }), { n: 7 }), "7");
  assert.equal(initialParamText(p("s", "string", { default: "hi" }), undefined), "hi");
  assert.equal(initialParamText(p("j", "json", { default: [1, 2] }), undefined), "[1,2]");
  assert.equal(initialParamText(p("x", "string"), undefined), "");
});

test("params become --param pairs: strings as they are, the rest as JSON", () => {
  assert.deepEqual(paramArgs({ url: "http://x", epochs: 3, flag: true, tags: ["a"], skip: undefined }),
    ["--param", "url=http://x", "--param", "epochs=3", "--param", "flag=true", "--param", 'tags=["a"]']);
});

test("NDJSON lines split across chunks; text lines go aside", () => {
  const objects: unknown[] = [];
  const text: string[] = [];
  const s = new NdjsonSplitter((o) => objects.push(o), (t) => text.push(t));
  s.push('{"type":"run-st');
  s.push('arted","runId":"r"}\nplain line\r\n{not json}\n');
  s.push('{"a":1}');
  assert.equal(objects.length, 1);
  s.end();
  assert.deepEqual(objects, [{ type: "run-started", runId: "r" }, { a: 1 }]);
  assert.deepEqual(text, ["plain line", "{not json}"]);
});

test("the Runs view lists runs of the workspace's flows: a store at the repository root also holds others'", () => {
  // The store is at /repo (its package.json); the opened folder is /repo/examples.
  assert.equal(inFolders("examples/pipeline/flow.ts#pipeline", "/repo", ["/repo/examples"]), true);
  assert.equal(inFolders("bench/work/flow.ts#main", "/repo", ["/repo/examples"]), false);
  assert.equal(inFolders("../other/flow.ts#w", "/repo/examples", ["/repo/examples"]), false);
  assert.equal(inFolders("flow.ts#w", "/b", ["/a", "/b"]), true, "any folder of a multi-root workspace");
  assert.equal(inFolders("deploy:nightly", "/repo", ["/repo/examples"]), true, "a deployment's runs are the store's, listed");
  assert.equal(inFolders("flow.ts#w", undefined, ["/a"]), true, "no root known: nothing hidden");
});
