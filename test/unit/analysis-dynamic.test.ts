/**
 * The static analysis of the dynamic shapes (DESIGN "Dynamic shapes"): map/each, when/is/otherwise/
 * end and asset from "flowsmith" (named, aliased and namespace imports) — node ids and kinds,
 * edges through map and when, types through them (FS003 sees `number[]` for a map's output, a when's
 * branch output type), FS004 not on when()'s subject, FS014 for each misuse, the syntax pass
 * silent on the same shapes, and the statuses from the store (map done/total, skipped branches,
 * STALE after an asset's content changed).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import type { RunRecord } from "@flowsmith/contract";
import { FlowAnalysis, type FlowDiagnostic } from "../../server/src/analysis/index.ts";
import { dynamicStatuses, mapProgress } from "../../server/src/analysis/dynamicStatus.ts";
import { parseMarkers, type Range } from "./helpers/markers.ts";
import { makeWorkspace } from "./helpers/workspace.ts";

const ws = makeWorkspace();
after(() => ws.cleanup());
const analysis = new FlowAnalysis(ws.dir);

const HEAD = `import { task, workflow, map, each, when, asset } from "flowsmith";
export const listing = task(async ({ dir }: { dir: string }) => ({ files: [dir], count: 1 }));
export const score = task(async ({ file, threshold }: { file: string; threshold: number }) => ({ value: file.length * threshold, name: file }));
export const report = task(async ({ scores }: { scores: number[] }) => ({ total: scores.length }));
export const wants = task(async ({ n }: { n: number }) => ({ ok: n > 0 }));
export const trainLinear = task(async ({ rows }: { rows: number[] }) => ({ model: "linear", score: rows.length }));
export const trainForest = task(async ({ rows }: { rows: number[] }) => ({ model: "forest", score: 1 }));
export const evaluate = task(async ({ model }: { model: string }) => ({ auc: model.length }));
`;

let n = 0;
function analyse(body: string): { file: string; text: string; diagnostics: FlowDiagnostic[]; marked: ReturnType<typeof parseMarkers> } {
  const marked = parseMarkers(HEAD + body);
  const file = ws.path(`case${++n}.ts`);
  fs.writeFileSync(file, marked.text);
  analysis.fileChanged(file);
  const diagnostics = analysis.diagnostics(file);
  return { file, text: marked.text, diagnostics, marked };
}

function textOf(text: string, r: Range): string {
  const lines = text.split("\n");
  const offset = (p: Range["start"]) => lines.slice(0, p.line).reduce((a, l) => a + l.length + 1, 0) + p.character;
  return text.slice(offset(r.start), offset(r.end));
}

function codes(d: FlowDiagnostic[]): string[] {
  return d.filter((x) => x.severity !== "hint").map((x) => x.code);
}

function workflowOf(file: string, name = "wf") {
  const wf = analysis.analyzeFile(file).workflows.find((w) => w.name === name);
  assert.ok(wf, `workflow ${name}`);
  return wf;
}

const MAP_FLOW = `export const wf = workflow((params: { dir: string; threshold: number }) => {
  const l = listing({ dir: params.dir });
  const scores = map(score, { file: each(l.files), threshold: params.threshold }, { concurrency: 8, minSuccessRatio: 0.9 });
  return report({ scores: scores.value });
});
`;

describe("map", () => {
  test("one map node named like a call of its task, with the mapped input's edge and list outputs", () => {
    const { file, diagnostics } = analyse(MAP_FLOW);
    assert.deepEqual(codes(diagnostics), []);
    const wf = workflowOf(file);
    assert.deepEqual(wf.nodes.map((x) => [x.id, x.kind ?? "task"]), [["listing", "task"], ["score", "map"], ["report", "task"]]);
    const m = wf.nodes.find((x) => x.id === "score")!;
    assert.equal(m.mapInput, "file");
    assert.deepEqual(m.deps, ["listing"]);
    assert.ok(wf.edges.some((e) => e.from === "listing" && e.to === "score" && e.output === "files" && e.input === "file"));
    const listEdge = wf.edges.find((e) => e.from === "score" && e.to === "report" && e.output === "value" && e.input === "scores");
    assert.equal(listEdge?.type, "number[]", "an edge from a map node carries the list type (inlay hints)");
  });

  test("FS003 sees a map's outputs as lists: scores.value is number[], scores.name is string[]", () => {
    const { diagnostics } = analyse(`export const wf = workflow(() => {
  const l = listing({ dir: "d" });
  const scores = map(score, { file: each(l.files), threshold: 2 });
  report({ scores: [|FS003:scores.name|] });
  return wants({ n: [|FS003:scores.value|] });
});
`);
    const fs003 = diagnostics.filter((d) => d.code === "FS003");
    assert.equal(fs003.length, 2, JSON.stringify(diagnostics));
    assert.match(fs003[0]!.message, /string\[\]/);
    assert.match(fs003[1]!.message, /number\[\]/);
  });

  test("the mapped input is typed per element: each() over string[] into a number input is FS003", () => {
    const { diagnostics } = analyse(`export const wf = workflow(() => {
  const l = listing({ dir: "d" });
  const s = map(wants, { n: each(l.files) });
  return { v: s.ok };
});
`);
    const fs003 = diagnostics.filter((d) => d.code === "FS003");
    assert.equal(fs003.length, 1, JSON.stringify(diagnostics));
    assert.match(fs003[0]!.message, /is string, but input "n" of node wants \(task wants\) expects number/);
  });

  test("FS005 for a field a map's task does not produce", () => {
    const { diagnostics } = analyse(`export const wf = workflow(() => {
  const l = listing({ dir: "d" });
  const s = map(score, { file: each(l.files), threshold: 1 });
  return { v: s.valu };
});
`);
    assert.ok(diagnostics.some((d) => d.code === "FS005" && /did you mean "value"/.test(d.message)), JSON.stringify(diagnostics));
  });

  test("FS014: no each(), two each(), each() over a non-list, each() outside map, map of a non-task", () => {
    const { diagnostics } = analyse(`export const wf = workflow(() => {
  const l = listing({ dir: "d" });
  const a = map(score, { file: "x", threshold: 1 });
  const b = map(score, { file: each(l.files), threshold: each([1, 2]) });
  const c = map(score, { file: each(l.count), threshold: 1 });
  const d = report({ scores: each(l.files) as unknown as number[] });
  const e = map((x: number) => x, { file: each(l.files) });
  return { a: a.value, b: b.value, c: c.value, d: d.total, e };
});
`);
    const fs014 = diagnostics.filter((d) => d.code === "FS014").map((d) => d.message);
    assert.ok(fs014.some((m) => /map node score has no each\(\) input/.test(m)), fs014.join("\n"));
    assert.ok(fs014.some((m) => /map node score#2 has 2 each\(\) inputs/.test(m)), fs014.join("\n"));
    assert.ok(fs014.some((m) => /input "file"\) is given number, which is not a list/.test(m)), fs014.join("\n"));
    assert.ok(fs014.some((m) => /each\(\) marks the list a map\(\) maps over/.test(m)), fs014.join("\n"));
    assert.ok(fs014.some((m) => /map\(\) maps a task/.test(m)), fs014.join("\n"));
  });

  test("an alias names the map node; namespace imports work too", () => {
    const marked = parseMarkers(`import * as fs from "flowsmith";
export const score = fs.task(async ({ file }: { file: string }) => ({ value: file.length }));
export const listing = fs.task(async () => ({ files: ["a"] }));
export const wf = fs.workflow(() => {
  const l = listing({});
  const s = fs.map(score, { file: fs.each(l.files) }, { as: "scored" });
  return { v: s.value };
});
`);
    const file = ws.path(`ns${++n}.ts`);
    fs.writeFileSync(file, marked.text);
    analysis.fileChanged(file);
    assert.deepEqual(codes(analysis.diagnostics(file)), [], JSON.stringify(analysis.analyzeFile(file)));
    const wf = workflowOf(file);
    assert.deepEqual(wf.nodes.map((x) => `${x.id}:${x.kind ?? "task"}`), ["listing:task", "scored:map"]);
  });
});

const WHEN_FLOW = `export const wf = workflow((params: { kind: string; rows: number[] }) => {
  const model = when(params.kind)
    .is("linear", () => { const m = trainLinear({ rows: params.rows }); return { model: m.model, score: m.score }; })
    .is({ in: ["forest", "boost"] }, () => { const m = trainForest({ rows: params.rows }); return { model: m.model, score: m.score }; })
    .otherwise(() => { const m = trainLinear({ rows: params.rows }); return { model: m.model, score: m.score }; });
  return evaluate({ model: model.model });
});
`;

describe("when", () => {
  test("branch nodes with their labels, numbered together; the when node after them, with its edges", () => {
    const { file, diagnostics } = analyse(WHEN_FLOW);
    assert.deepEqual(codes(diagnostics), [], JSON.stringify(diagnostics));
    const wf = workflowOf(file);
    const byId = new Map(wf.nodes.map((x) => [x.id, x]));
    assert.deepEqual(byId.get("trainLinear")!.branch, { when: "when", label: "linear" });
    assert.deepEqual(byId.get("trainForest")!.branch, { when: "when", label: "in [forest, boost]" });
    assert.deepEqual(byId.get("trainLinear#2")!.branch, { when: "when", label: "otherwise" });
    assert.equal(byId.get("when")!.kind, "when");
    assert.deepEqual(byId.get("when")!.deps.sort(), ["trainForest", "trainLinear", "trainLinear#2"]);
    assert.deepEqual(byId.get("evaluate")!.deps, ["when"]);
    const ids = wf.nodes.map((x) => x.id);
    assert.ok(ids.indexOf("when") > ids.indexOf("trainLinear#2"), "upstream first");
    assert.equal(wf.edges.find((e) => e.from === "when" && e.to === "evaluate" && e.output === "model")?.type, "string");
  });

  test("no FS004 on the subject (a param or a reference); FS004 still on an if", () => {
    const { diagnostics } = analyse(`export const wf = workflow((params: { n: number }) => {
  const w = wants({ n: params.n });
  const a = when(w.ok).is(true, () => ({ s: trainLinear({ rows: [1] }).score })).end();
  const b = when(params.n, { as: "big" }).is({ gt: 10 }, () => ({ s: trainLinear({ rows: [2] }).score })).otherwise(() => ({ s: trainForest({ rows: [] }).score }));
  if ([|FS004:params.n|]) wants({ n: 1 });
  return { a: a.s, b: b.s };
});
`);
    assert.deepEqual(codes(diagnostics), ["FS004"], JSON.stringify(diagnostics));
  });

  test("the when node's outputs are typed from the branches: FS003 on a mismatch", () => {
    const { diagnostics } = analyse(`export const wf = workflow((params: { kind: string }) => {
  const m = when(params.kind).is("a", () => { const t = trainLinear({ rows: [] }); return { model: t.model, score: t.score }; }).end();
  return evaluate({ model: [|FS003:m.score|] });
});
`);
    assert.ok(diagnostics.some((d) => d.code === "FS003" && /m\.score|when\.score/.test(d.message) && /number/.test(d.message)), JSON.stringify(diagnostics));
  });

  test("FS014: a non-constant test, different outputs (at the odd branch), .is() after .otherwise(), an open chain", () => {
    const { diagnostics, text } = analyse(`export const wf = workflow((params: { kind: string; limit: string }) => {
  const a = when(params.kind).is(params.limit, () => ({ s: 1 })).end();
  const b = when(params.kind).is("x", () => ({ s: 1 })).is("y", () => ({ t: 2 })).end();
  const c = when(params.kind).otherwise(() => ({ s: 1 })).is("late", () => ({ s: 2 }));
  const d = when(params.kind).is("x", () => ({ s: 1 }));
  return { a: a.s, b: b.s, c, d };
});
`);
    const fs014 = diagnostics.filter((d) => d.code === "FS014");
    const msgs = fs014.map((d) => d.message);
    assert.ok(msgs.some((m) => /the test of when node when is not a constant/.test(m)), msgs.join("\n"));
    const odd = fs014.find((d) => /branch y of when node when#2 yields t, but branch x yields s/.test(d.message));
    assert.ok(odd, msgs.join("\n"));
    assert.equal(textOf(text, odd!.range), "() => ({ t: 2 })");
    assert.ok(msgs.some((m) => /\.is\(\) after \.otherwise\(\) in when node when#3/.test(m)), msgs.join("\n"));
    assert.ok(msgs.some((m) => /when node when#4 is never closed/.test(m)), msgs.join("\n"));
    assert.ok(!diagnostics.some((d) => d.code === "FS004"), JSON.stringify(diagnostics));
  });
});

describe("when held in a variable", () => {
  test("a chain continued through a variable is one when node, closed where it ends; an open one is FS014 once", () => {
    const { file, diagnostics } = analyse(`export const wf = workflow((params: { kind: string }) => {
  const c = when(params.kind, { as: "choose" }).is("a", () => ({ model: trainLinear({ rows: [] }).model }));
  const m = c.otherwise(() => ({ model: trainForest({ rows: [] }).model }));
  const open = when(params.kind).is("x", () => ({ model: trainLinear({ rows: [1] }).model }));
  return { auc: evaluate({ model: m.model }).auc, open };
});
`);
    const wf = workflowOf(file);
    assert.deepEqual(wf.nodes.map((x) => `${x.id}${x.branch ? `@${x.branch.when}:${x.branch.label}` : ""}`), ["trainLinear@choose:a", "trainForest@choose:otherwise", "choose", "trainLinear#2@when:x", "when", "evaluate"]);
    assert.deepEqual(wf.nodes.find((x) => x.id === "choose")!.deps.sort(), ["trainForest", "trainLinear"]);
    const fs014 = diagnostics.filter((d) => d.code === "FS014").map((d) => d.message);
    assert.equal(fs014.length, 1, fs014.join("\n"));
    assert.match(fs014[0]!, /when node when is never closed/);
    assert.ok(!diagnostics.some((d) => d.code === "FS004"), JSON.stringify(diagnostics));
  });
});

describe("asset", () => {
  test("an asset binds the inputs it is passed to (absolute path, relative to the flow file)", () => {
    const { file, diagnostics } = analyse(`export const wf = workflow(() => {
  const l = listing({ dir: asset("data/raw") });
  return { files: l.files };
});
`);
    assert.deepEqual(codes(diagnostics), []);
    const node = workflowOf(file).nodes[0]!;
    assert.deepEqual(node.assetInputs, { dir: path.join(ws.dir, "data/raw") });
  });

  test("FS014 for an asset path that is not a string literal", () => {
    const { diagnostics } = analyse(`const where = "data";
export const wf = workflow(() => {
  const l = listing({ dir: asset(where) });
  return { files: l.files };
});
`);
    assert.ok(diagnostics.some((d) => d.code === "FS014" && /asset\(\) takes/.test(d.message)), JSON.stringify(diagnostics));
  });
});

describe("syntax pass", () => {
  test("no FS004, FS009 or FS010 on map, when or asset shapes", () => {
    for (const body of [MAP_FLOW, WHEN_FLOW, `export const wf = workflow(() => listing({ dir: asset("data") }));\n`]) {
      const text = HEAD + body;
      const file = ws.path(`syntax${++n}.ts`);
      fs.writeFileSync(file, text);
      const early = analysis.syntaxDiagnostics(file, text);
      assert.deepEqual(early.map((d) => `${d.code} ${d.message}`), [], body);
    }
  });

  test("FS004 still found early elsewhere in a body with a when", () => {
    const text = HEAD + `export const wf = workflow((params: { kind: string }) => {
  const m = when(params.kind).is("a", () => ({ model: trainLinear({ rows: [] }).model })).end();
  if (params.kind) wants({ n: 1 });
  return evaluate({ model: m.model });
});
`;
    const file = ws.path(`syntax${++n}.ts`);
    fs.writeFileSync(file, text);
    // The if's FS004, and FS010 on the node it runs for nothing (a hint); nothing on the when.
    assert.deepEqual(analysis.syntaxDiagnostics(file, text).map((d) => d.code), ["FS004", "FS010"]);
  });
});

describe("statuses", () => {
  const record = (nodes: { id: string; status: RunRecord["nodes"][number]["status"] }[]): RunRecord => ({
    format: 1, id: "r1", target: "t", paramSets: [{}], config: {}, status: "complete", pid: 1, startedAt: "", nodes: nodes.map((x) => ({ ...x, task: "score", fingerprint: "f", deps: [], attempts: 1 })),
  });

  test("map progress counts the elements ID[i] of the last run", () => {
    const r = record([{ id: "score", status: "complete" }, { id: "score[0]", status: "complete" }, { id: "score[1]", status: "failed" }, { id: "score[2]", status: "complete" }, { id: "score#2[0]", status: "complete" }]);
    assert.deepEqual(mapProgress("score", r), { done: 2, total: 3 });
    assert.equal(mapProgress("other", r), undefined);
  });

  test("a branch node the last run skipped is skipped; an asset whose hash changed makes its reader and downstream stale", () => {
    const state = (node: string, extra: object = {}) => ({ target: "t", node, task: "x", status: "complete" as const, fingerprint: "f", runId: "r1", ...extra });
    const nodes = [
      { id: "a", deps: [], fingerprint: "f", refInputs: {}, branch: { when: "when", label: "x" } },
      { id: "b", deps: [], fingerprint: "f", refInputs: {}, branch: { when: "when", label: "otherwise" } },
      { id: "when", deps: ["a", "b"], fingerprint: "", refInputs: {}, kind: "when" as const },
      { id: "load", deps: [], fingerprint: "f", refInputs: {}, assetInputs: { dir: "/w/data" } },
      { id: "down", deps: ["load"], fingerprint: "f", refInputs: {} },
    ];
    const makeBase = () => new Map([
      ["a", { status: "complete" as const, state: state("a") }],
      ["b", { status: "pending" as const, state: state("b", { status: "skipped" }) }],
      ["when", { status: "complete" as const, state: state("when") }],
      ["load", { status: "complete" as const, state: state("load", { inputHashes: { dir: "old" } }) }],
      ["down", { status: "complete" as const, state: state("down") }],
    ]);
    const r = record([{ id: "a", status: "complete" }, { id: "b", status: "skipped" }, { id: "when", status: "complete" }]);
    const out = dynamicStatuses(nodes, makeBase(), { readRun: () => r, assetHash: () => "new", assetName: () => "data" });
    assert.equal(out.get("a")!.status, "complete");
    assert.equal(out.get("b")!.status, "skipped");
    assert.equal(out.get("b")!.reason, "branch not taken");
    assert.equal(out.get("load")!.status, "stale");
    assert.match(out.get("load")!.reason!, /asset data changed/);
    assert.equal(out.get("down")!.status, "stale");
    const same = dynamicStatuses(nodes, makeBase(), { readRun: () => r, assetHash: () => "old", assetName: () => "data" });
    assert.equal(same.get("load")!.status, "complete");
    assert.equal(same.get("down")!.status, "complete");
  });
});
