/**
 * `map(task, { x: each(list) }, options)` through the built CLI: one element node `ID[i]` per list
 * element, each cached under the task's ordinary key (a list with one more element runs exactly
 * one element), `concurrency` respected (the tasks count themselves), `minSuccessRatio` passing
 * with `null`s and failing below it, element events and records, preview's done/total, misuse
 * lines, and the same under `--workers 2`. Outcomes only, never wall-clock bounds.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, test } from "node:test";
import { redisAvailable, startRedis } from "../helpers/redis.ts";
import { assertCleanError, assertExit, makeWorkspace, ndjson, waitFor, type Workspace } from "./helpers/workspace.ts";

const T = { timeout: 240_000 };

const FLOW = `import { task, workflow, map, each } from "flowsmith";
import * as fs from "node:fs";
import { z } from "zod";

const log = (line: string) => fs.appendFileSync("counter.log", line + "\\n");

export const range = task(async ({ n }: { n: number }) => ({ items: Array.from({ length: n }, (_, i) => i) }));
export const square = task(async ({ x, offset }: { x: number; offset: number }, ctx) => {
  log(ctx.node);
  return { y: x * x + offset, who: ctx.node };
});
export const sum = task(async ({ ys }: { ys: (number | null)[] }) => ({ total: ys.reduce<number>((a, b) => a + (b ?? 0), 0) }));

export const squares = workflow({ params: z.object({ n: z.number().int().default(5), offset: z.number().default(0) }) }, ({ n, offset }) => {
  const r = range({ n });
  const sq = map(square, { x: each(r.items), offset });
  const s = sum({ ys: sq.y });
  return { total: s.total, ys: sq.y };
});

let inFlight = 0;
let maxInFlight = 0;
export const slow = task(async ({ x }: { x: number; tag?: number }) => {
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  await new Promise((r) => setTimeout(r, 15));
  inFlight--;
  return { x, max: maxInFlight };
});
export const limited = workflow({ params: z.object({ limit: z.number().int().default(3) }) }, () => {
  const r = range({ n: 24 });
  const out = map(slow, { x: each(r.items) }, { concurrency: 3 });
  return { max: out.max };
});

export const twoMaps = workflow(() => {
  const r = range({ n: 16 });
  const a = map(slow, { x: each(r.items), tag: 1 }, { concurrency: 4, as: "a" });
  const b = map(slow, { x: each(r.items), tag: 2 }, { concurrency: 4, as: "b" });
  return { a: a.max, b: b.max };
});

export const flaky = task(async ({ x, bad }: { x: number; bad: number[] }) => {
  if (bad.includes(x)) throw new Error("element " + x + " is bad");
  return { y: x * 10 };
});
export const ratio = workflow({ params: z.object({ bad: z.array(z.number()).default([]) }) }, ({ bad }) => {
  const r = range({ n: 10 });
  const out = map(flaky, { x: each(r.items), bad }, { minSuccessRatio: 0.8, as: "scores" });
  return { ys: out.y };
});

export const constList = workflow(() => {
  const out = map(square, { x: each([3, 4]), offset: 1 }, { as: "consts" });
  return { ys: out.y };
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
  return { res, events, record, node };
}

const squareLines = (ws: Workspace) => ws.counter().filter((l) => l.startsWith("square["));

describe("map()", () => {
  test("a 1,000-element map, then one more element: exactly that element runs", T, async (t) => {
    const ws = workspace(t);
    const first = await run(ws, "squares", ["--param", "n=1000"]);
    assertExit(first.res, 0);
    assert.equal(squareLines(ws).length, 1000);
    assert.equal(first.record.outputs[0].total, (999 * 1000 * 1999) / 6);
    const mapRecord = first.node("square")!;
    assert.equal(mapRecord.kind, "map");
    assert.deepEqual(mapRecord.map, { done: 1000, total: 1000 });
    assert.equal(first.node("square[999]")?.status, "complete");
    // Element events, and the map node's own.
    const started = new Set(first.events.filter((e) => e.type === "node-started").map((e) => e.node));
    assert.ok(started.has("square[0]") && started.has("square[999]"));
    assert.ok(first.events.some((e) => e.type === "node-finished" && e.node === "square" && e.status === "complete"));

    const second = await run(ws, "squares", ["--param", "n=1001"]);
    assertExit(second.res, 0);
    const lines = squareLines(ws);
    assert.equal(lines.length, 1001, "exactly one more element ran");
    assert.equal(lines.at(-1), "square[1000]");
    assert.equal(second.node("square[3]")?.cached, true);
    assert.equal(second.node("square[1000]")?.cached, undefined);
    assert.equal(second.record.outputs[0].ys.length, 1001);

    // Fully cached: nothing runs; preview shows the map complete with its count, elements collapsed.
    const third = await run(ws, "squares", ["--param", "n=1001"]);
    assertExit(third.res, 0);
    assert.equal(squareLines(ws).length, 1001);
    assert.equal(third.node("square")?.cached, true);
    const preview = await ws.cli(["preview", "flow.ts#squares", "--param", "n=1001"]);
    assertExit(preview, 0);
    assert.match(preview.stdout, /\[square \(COMPLETE 1001\/1001\)\]/);
    assert.match(preview.stdout, /\[square\[0\] \(COMPLETE\)\]/);
    assert.match(preview.stdout, /… and 981 more elements/);
    // Another shared input changes every element's key: preview knows before anything runs.
    const changed = await ws.cli(["preview", "flow.ts#squares", "--param", "n=1001", "--param", "offset=1", "--format", "json"]);
    const map = JSON.parse(changed.stdout).nodes.find((n: any) => n.id === "square");
    assert.deepEqual(map.map, { done: 0, total: 1001 });
    assert.equal(map.status, "pending");
  });

  test("concurrency: at most 3 elements in flight (counted by the task itself)", T, async (t) => {
    const ws = workspace(t);
    const r = await run(ws, "limited", ["--concurrency", "8"]);
    assertExit(r.res, 0);
    const max = Math.max(...(r.record.outputs[0].max as number[]));
    assert.equal(max, 3, `max in flight was ${max}`);
    // Within the run's --concurrency too.
    const ws2 = workspace(t);
    const r2 = await run(ws2, "limited", ["--concurrency", "2"]);
    assertExit(r2.res, 0);
    assert.equal(Math.max(...(r2.record.outputs[0].max as number[])), 2);
  });

  test("two maps at once stay within the run's --concurrency together", T, async (t) => {
    const ws = workspace(t);
    const r = await run(ws, "twoMaps", ["--concurrency", "4"]);
    assertExit(r.res, 0);
    const max = Math.max(...(r.record.outputs[0].a as number[]), ...(r.record.outputs[0].b as number[]));
    assert.ok(max <= 4, `at most 4 tasks in flight across both maps, saw ${max}`);
    assert.ok(max >= 2, `the maps' elements ran side by side (saw ${max})`);
  });

  test("minSuccessRatio: failed elements give null and the map completes; below the ratio it fails", T, async (t) => {
    const ws = workspace(t);
    const ok = await run(ws, "ratio", ["--param", "bad=[2,7]"]);
    assertExit(ok.res, 0);
    assert.equal(ok.record.status, "complete");
    assert.deepEqual(ok.record.outputs[0].ys, [0, 10, null, 30, 40, 50, 60, null, 80, 90]);
    assert.equal(ok.node("scores[2]")?.status, "failed");
    assert.match(ok.node("scores[2]")?.error, /element 2 is bad/);
    assert.deepEqual(ok.node("scores")?.map, { done: 8, total: 10 });
    const preview = await ws.cli(["preview", "flow.ts#ratio", "--param", "bad=[2,7]"]);
    assert.match(preview.stdout, /\[scores \(flaky\) \(COMPLETE 8\/10\)\]/);
    assert.match(preview.stdout, /\[scores\[2\] \(FAILED\)\]/);

    const failing = await run(ws, "ratio", ["--param", "bad=[1,2,3]"]);
    assertExit(failing.res, 1);
    assert.equal(failing.node("scores")?.status, "failed");
    assert.match(failing.node("scores")?.error, /3 of 10 elements failed; minSuccessRatio 0\.8 needs 8 to succeed/);
  });

  test("a literal list, aliased; elements are ordinary cached nodes of the task", T, async (t) => {
    const ws = workspace(t);
    const r = await run(ws, "constList");
    assertExit(r.res, 0);
    assert.deepEqual(r.record.outputs[0].ys, [10, 17]);
    assert.deepEqual(ws.counter().sort(), ["consts[0]", "consts[1]"]);
    // Resetting the map node resets its elements: they run again.
    const reset = await ws.cli(["reset", "flow.ts#constList:consts", "--yes"]);
    assertExit(reset, 0);
    assert.match(reset.stdout, /3 outputs deleted/);
    const again = await run(ws, "constList");
    assertExit(again.res, 0);
    assert.deepEqual(ws.counter().sort(), ["consts[0]", "consts[0]", "consts[1]", "consts[1]"]);
  });

  test("under --workers 2: the same outputs, elements run in the worker processes", T, async (t) => {
    const ws = workspace(t);
    const r = await run(ws, "squares", ["--param", "n=12", "--workers", "2"]);
    assertExit(r.res, 0);
    assert.equal(r.record.outputs[0].total, 506);
    assert.ok(r.node("square[11]")?.worker, "element ran on a worker");
    const again = await run(ws, "squares", ["--param", "n=13"]);
    assertExit(again.res, 0);
    assert.equal(squareLines(ws).length, 13, "in-process run reuses the workers' element outputs");
  });

  test("on a cluster (a real Redis, one worker): elements are the worker's jobs, the outputs the same", { ...T, skip: !redisAvailable() && "redis-server is not installed" }, async (t) => {
    const ws = workspace(t);
    const redis = await startRedis();
    const worker = ws.start(["worker", "--cluster", redis.url, "--concurrency", "2"]);
    t.after(async () => {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGKILL");
      await worker.done.catch(() => {});
      await redis.stop();
    });
    await waitFor(async () => {
      const res = await ws.cli(["workers", "--cluster", redis.url, "--format", "json"]);
      return res.code === 0 && (JSON.parse(res.stdout) as { pid: number }[]).some((w) => w.pid === worker.child.pid);
    }, "the worker's heartbeat", 60_000, 300);
    const r = await run(ws, "squares", ["--param", "n=6", "--cluster", redis.url]);
    assertExit(r.res, 0);
    assert.equal(r.record.outputs[0].total, 55);
    assert.ok(r.node("square[5]")?.worker, "an element ran on the cluster's worker");
    const local = await run(ws, "squares", ["--param", "n=7"]);
    assertExit(local.res, 0);
    assert.equal(local.node("square[5]")?.cached, true, "the cluster's element outputs are this store's");
  });

  test("misuse is one line, exit 2", T, async (t) => {
    const ws = workspace(t);
    ws.write(
      "bad.ts",
      `import { task, workflow, map, each } from "flowsmith";
export const sq = task(async ({ x, k }: { x: number; k: number }) => ({ y: x * k }));
export const none = workflow(() => { map(sq, { x: 1, k: 2 } as any); });
export const two = workflow(() => { map(sq, { x: each([1]), k: each([2]) } as any); });
export const notList = workflow(() => { map(sq, { x: each(3 as any), k: 1 }); });
export const badRatio = workflow(() => { map(sq, { x: each([1]), k: 1 }, { minSuccessRatio: 2 }); });
`,
    );
    assertCleanError(await ws.cli(["preview", "bad.ts#none"]), /FS014: map\(sq, …\) needs exactly one input wrapped in each\(\).*none/);
    assertCleanError(await ws.cli(["preview", "bad.ts#two"]), /FS014: .*it has x, k/);
    assertCleanError(await ws.cli(["run", "bad.ts#notList", "--no-check"]), /FS014: .*each\(\) over input "x" must be given a list; it is number/);
    assertCleanError(await ws.cli(["run", "bad.ts#badRatio", "--no-check"]), /minSuccessRatio must be a number from 0 to 1/);
  });
});
