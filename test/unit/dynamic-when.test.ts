/**
 * `when(subject).is(test, branch)….otherwise(branch)` / `.end()` through the built CLI: a param
 * subject and a reference subject, the branch not taken `skipped` with "branch not taken" in the
 * run record, the events and preview (before and after a run), the when node's output, comparisons
 * and `{ in: [...] }`, no matching branch, nested whens, misuse lines, and `--workers 2`.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, test } from "node:test";
import { assertCleanError, assertExit, makeWorkspace, ndjson, type Workspace } from "./helpers/workspace.ts";

const T = { timeout: 180_000 };

const FLOW = `import { task, workflow, when } from "flowsmith";
import * as fs from "node:fs";
import { z } from "zod";

const log = (line: string) => fs.appendFileSync("counter.log", line + "\\n");

export const load = task(async ({ n }: { n: number }) => ({ rows: Array.from({ length: n }, (_, i) => i), score: n / 10 }));
export const trainLinear = task(async ({ rows }: { rows: number[] }, ctx) => { log(ctx.node); return { model: "linear", score: rows.length }; });
export const trainForest = task(async ({ rows }: { rows: number[] }, ctx) => { log(ctx.node); return { model: "forest", score: rows.length * 2 }; });
export const trainBaseline = task(async ({ rows }: { rows: number[] }, ctx) => { log(ctx.node); return { model: "baseline", score: 0 }; });
export const evaluate = task(async ({ model, score }: { model: string; score: number }, ctx) => { log(ctx.node); return { report: model + ":" + score }; });

export const choose = workflow({ params: z.object({ kind: z.string().default("linear"), n: z.number().default(4) }) }, ({ kind, n }) => {
  const data = load({ n });
  const m = when(kind)
    .is("linear", () => { const t = trainLinear({ rows: data.rows }); return { model: t.model, score: t.score }; })
    .is({ in: ["forest", "boost"] }, () => { const t = trainForest({ rows: data.rows }); return { model: t.model, score: t.score }; })
    .otherwise(() => { const t = trainBaseline({ rows: data.rows }); return { model: t.model, score: t.score }; });
  const e = evaluate({ model: m.model, score: m.score });
  return { report: e.report };
});

export const onRef = workflow({ params: z.object({ n: z.number().default(4) }) }, ({ n }) => {
  const data = load({ n });
  const m = when(data.score, { as: "gate" })
    .is({ gt: 0.5 }, () => { const t = trainForest({ rows: data.rows }); return { model: t.model, score: t.score }; })
    .otherwise(() => { const t = trainLinear({ rows: data.rows }); return { model: t.model, score: t.score }; });
  return { model: m.model };
});

export const noDefault = workflow({ params: z.object({ kind: z.string().default("x") }) }, ({ kind }) => {
  const data = load({ n: 1 });
  const m = when(kind).is("linear", () => ({ model: trainLinear({ rows: data.rows }).model })).end();
  return { model: m.model };
});

export const nested = workflow({ params: z.object({ a: z.boolean().default(true), b: z.number().default(1) }) }, ({ a, b }) => {
  const data = load({ n: 2 });
  const outer = when(a)
    .is(true, () => {
      const inner = when(b)
        .is({ lte: 1 }, () => ({ model: trainLinear({ rows: data.rows }).model }))
        .otherwise(() => ({ model: trainForest({ rows: data.rows }).model }));
      return { model: inner.model };
    })
    .otherwise(() => ({ model: trainBaseline({ rows: data.rows }).model }));
  return { model: outer.model };
});
`;

function workspace(t: { after(fn: () => void): void }): Workspace {
  const ws = makeWorkspace(t);
  ws.write("flow.ts", FLOW);
  return ws;
}

async function run(ws: Workspace, target: string, args: string[] = []) {
  const res = await ws.cli(["run", `flow.ts#${target}`, "--no-check", "--events", "ndjson", ...args]);
  const events = ndjson(res.stdout);
  const runId = events[0]?.runId as string;
  const record = JSON.parse(ws.read(path.join(".flowsmith/runs", runId, "run.json"))) as Record<string, any>;
  const node = (id: string) => (record.nodes as Record<string, any>[]).find((n) => n.id === id);
  const finished = (id: string) => events.find((e) => e.type === "node-finished" && e.node === id);
  return { res, events, record, node, finished };
}

describe("when()", () => {
  test("on a param: one branch runs, the others are skipped with 'branch not taken' (record, events, preview)", T, async (t) => {
    const ws = workspace(t);
    // Before anything runs, preview already knows the branch a param chooses.
    const before = await ws.cli(["preview", "flow.ts#choose", "--param", "kind=boost"]);
    assertExit(before, 0);
    assert.match(before.stdout, /\[trainLinear \(SKIPPED\): branch not taken\]/);
    assert.match(before.stdout, /\[trainBaseline \(SKIPPED\): branch not taken\]/);
    assert.match(before.stdout, /\[trainForest \(PENDING\)\]/);

    const r = await run(ws, "choose", ["--param", "kind=boost"]);
    assertExit(r.res, 0);
    assert.equal(r.record.status, "complete");
    assert.deepEqual(r.record.outputs[0], { report: "forest:8" });
    assert.deepEqual(ws.counter(), ["trainForest", "evaluate"]);
    for (const id of ["trainLinear", "trainBaseline"]) {
      assert.equal(r.node(id)?.status, "skipped");
      assert.equal(r.node(id)?.error, "branch not taken");
      assert.equal(r.finished(id)?.status, "skipped");
      assert.equal(r.finished(id)?.error, "branch not taken");
    }
    assert.deepEqual(r.node("trainForest")?.branch, { when: "when", label: "in [forest, boost]" });
    assert.deepEqual(r.node("trainLinear")?.branch, { when: "when", label: '"linear"' });
    assert.equal(r.node("when")?.kind, "when");
    assert.equal(r.node("when")?.chosen, "in [forest, boost]");
    assert.equal(r.record.summary.leftPending, 0);

    const after = await ws.cli(["preview", "flow.ts#choose", "--param", "kind=boost"]);
    assert.match(after.stdout, /\[evaluate \(COMPLETE\)\]/);
    assert.match(after.stdout, /\[when \(COMPLETE\) → in \[forest, boost\]\]/);
    assert.match(after.stdout, /\[trainLinear \(SKIPPED\): branch not taken\]/);

    // The default branch, then back: the chosen branch's output was cached.
    const other = await run(ws, "choose", ["--param", "kind=svm"]);
    assertExit(other.res, 0);
    assert.deepEqual(other.record.outputs[0], { report: "baseline:0" });
    const back = await run(ws, "choose", ["--param", "kind=forest"]);
    assert.deepEqual(back.record.outputs[0], { report: "forest:8" });
    assert.equal(back.node("trainForest")?.cached, true);
    assert.equal(back.node("evaluate")?.cached, true);
  });

  test("on a reference: chosen when its node completes; a comparison test", T, async (t) => {
    const ws = workspace(t);
    const small = await run(ws, "onRef", ["--param", "n=3"]);
    assertExit(small.res, 0);
    assert.deepEqual(small.record.outputs[0], { model: "linear" });
    assert.equal(small.node("trainForest")?.error, "branch not taken");
    assert.deepEqual(small.node("trainForest")?.branch, { when: "gate", label: "> 0.5" });
    const big = await run(ws, "onRef", ["--param", "n=8"]);
    assert.deepEqual(big.record.outputs[0], { model: "forest" });
    assert.equal(big.node("trainLinear")?.status, "skipped");
    // Preview: the subject's node is complete, so the branch is known.
    const preview = await ws.cli(["preview", "flow.ts#onRef", "--param", "n=8"]);
    assert.match(preview.stdout, /\[gate \(when\) \(COMPLETE\) → > 0\.5\]/);
    assert.match(preview.stdout, /\[trainLinear \(SKIPPED\): branch not taken\]/);
  });

  test("no matching branch without .otherwise(): the when node fails with a clear message", T, async (t) => {
    const ws = workspace(t);
    const r = await run(ws, "noDefault");
    assertExit(r.res, 1);
    assert.equal(r.node("when")?.status, "failed");
    assert.match(r.node("when")?.error, /no branch matches "x" \(branches: "linear"\); add \.otherwise/);
    assert.equal(r.node("trainLinear")?.error, "branch not taken");
  });

  test("nested whens: the inner branches are skipped when the outer one is not taken", T, async (t) => {
    const ws = workspace(t);
    const a = await run(ws, "nested", ["--param", "b=5"]);
    assertExit(a.res, 0);
    assert.deepEqual(a.record.outputs[0], { model: "forest" });
    const b = await run(ws, "nested", ["--param", "a=false"]);
    assertExit(b.res, 0);
    assert.deepEqual(b.record.outputs[0], { model: "baseline" });
    for (const id of ["when#2", "trainLinear", "trainForest"]) assert.equal(b.node(id)?.error, "branch not taken", id);
  });

  test("under --workers 2", T, async (t) => {
    const ws = workspace(t);
    const r = await run(ws, "choose", ["--param", "kind=linear", "--workers", "2"]);
    assertExit(r.res, 0);
    assert.deepEqual(r.record.outputs[0], { report: "linear:4" });
    assert.ok(r.node("trainLinear")?.worker);
    assert.equal(r.node("trainForest")?.error, "branch not taken");
  });

  test("misuse is one line, exit 2", T, async (t) => {
    const ws = workspace(t);
    ws.write(
      "bad.ts",
      `import { task, workflow, when } from "flowsmith";
export const mk = task(async () => ({ v: 1 }));
export const refTest = workflow(() => { const m = mk(); when(m.v).is(m.v as any, () => ({ a: 1 })).end(); });
export const names = workflow(() => { const m = mk(); when(m.v).is(1, () => ({ a: 1 })).otherwise(() => ({ b: 1 }) as any); });
export const after = workflow(() => { const m = mk(); (when(m.v).otherwise(() => ({ a: 1 })) as any).is(2, () => ({ a: 2 })); });
export const open = workflow(() => { const m = mk(); when(m.v).is(1, () => ({ a: 1 })); });
`,
    );
    assertCleanError(await ws.cli(["preview", "bad.ts#refTest"]), /FS014: when\(\) when: a test must be a constant.*the reference mk\.v/);
    assertCleanError(await ws.cli(["preview", "bad.ts#names"]), /FS014: .*branch otherwise yields b but the first branch yields a/);
    assertCleanError(await ws.cli(["preview", "bad.ts#after"]), /FS014: .*\.is\(\) after the chain was closed/);
    assertCleanError(await ws.cli(["run", "bad.ts#open", "--no-check"]), /FS014: when\(\) when is not closed/);
  });
});
