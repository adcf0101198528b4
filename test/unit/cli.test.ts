/**
 * The `flowsmith` CLI: bad input (one clear line, exit 2, no stack trace) and stopping runs
 * (`flowsmith stop RUN`, Ctrl-C, `stop --all`).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, test } from "node:test";
import {
  assertCleanError,
  assertExit,
  makeWorkspace,
  runs,
  statuses,
  type CliResult,
  type RunningCli,
  type Workspace,
} from "./helpers/workspace.ts";

const PIPE = "pipeline.ts#pipeline";

describe("bad input: one line on stderr, exit 2, no stack trace", { concurrency: 4 }, () => {
  const files: Record<string, string> = {
    "syntax.ts": `import { task, workflow } from "flowsmith";
export const a = task(async () => ({ n: 1 }));
export const wf = workflow(() => {
  const x = a(;
  return {};
});
`,
    "throws.ts": `import { workflow } from "flowsmith";
throw new Error("boom at import");
export const wf = workflow(() => ({}));
`,
    "missing-import.ts": `import { workflow } from "flowsmith";
import { helper } from "./lib/helper";
export const wf = workflow(() => ({ h: helper }));
`,
    "zod-at-import.ts": `import { workflow } from "flowsmith";
import { z } from "zod";
export const limits = z.object({ n: z.number() }).parse({ n: "x" });
export const wf = workflow(() => ({}));
`,
    "required.ts": `import { workflow } from "flowsmith";
import { z } from "zod";
export const wf = workflow({ params: z.object({ url: z.string() }) }, ({ url }) => ({ url }));
`,
  };

  const cases: [string, string[], RegExp][] = [
    ["unknown file", ["run", "nope.ts#pipeline"], /no such flow file: nope\.ts/],
    ["unknown workflow, with did-you-mean", ["run", "pipeline.ts#pipelin"], /no exported workflow "pipelin".*did you mean "pipeline"/],
    ["unknown node", ["run", `${PIPE}:trian`], /no node "trian".*did you mean "train"/],
    ["unknown node (preview)", ["preview", `${PIPE}:nothing-like-it`], /no node "nothing-like-it".*get-data, preprocess, train/],
    ["unknown --param key", ["run", PIPE, "--param", "epoch=3"], /no param "epoch".*did you mean "epochs"/],
    ["--param of the wrong type (number)", ["run", PIPE, "--param", "epochs=abc"], /epochs.*expected number/],
    ["--param of the wrong type (boolean)", ["preview", PIPE, "--param", "doPreprocess=maybe"], /doPreprocess.*expected boolean/],
    ["--param without =", ["run", PIPE, "--param", "epochs"], /key=value/],
    ["a missing required param", ["run", "required.ts#wf"], /needs param "url"/],
    ["a syntax error names file:line", ["run", "syntax.ts#wf"], /syntax\.ts:4:\d+: syntax error/],
    ["a flow file that throws at import", ["run", "throws.ts#wf"], /throws\.ts.*boom at import.*throws\.ts:2/],
    ["a flow file importing a missing module", ["preview", "missing-import.ts#wf"], /missing-import\.ts.*Cannot find module '\.\/lib\/helper'/],
    ["a flow file whose import-time error has several lines", ["run", "zod-at-import.ts#wf"], /zod-at-import\.ts could not be loaded/],
    ["an unknown option", ["run", PIPE, "--nope"], /unknown option '--nope'/],
    ["an unknown option close to a real one", ["run", PIPE, "--forse"], /unknown option '--forse'.*--force/],
    ["an unknown command", ["bogus"], /unknown command 'bogus'/],
    ["a bad --concurrency", ["run", PIPE, "--concurrency", "0"], /--concurrency/],
    ["a malformed --config", ["run", PIPE, "--config", "lr=1"], /node\.key=value/],
    ["stop with a malformed run id", ["stop", "nonsense"], /"nonsense" is not a run id/],
    ["stop with an unknown run id", ["stop", "20200101-000000-abcdef"], /no run 20200101-000000-abcdef/],
    ["results with a malformed run id", ["results", "../../etc"], /is not a run id/],
    ["results with an unknown run id", ["results", "20200101-000000-abcdef"], /no run 20200101-000000-abcdef/],
  ];

  for (const [name, args, pattern] of cases) {
    test(name, async (t) => {
      const ws = makeWorkspace(t);
      ws.fixture("pipeline.ts");
      for (const [file, text] of Object.entries(files)) ws.write(file, text);
      const res = await ws.cli(args);
      assertCleanError(res, pattern);
      assert.deepEqual(ws.counter(), [], "nothing ran");
    });
  }
});

/** Start a long run and wait until its long node has started; returns the runner and its run id. */
async function startSlow(ws: Workspace, extra: string[] = []): Promise<{ runner: RunningCli; runId: string }> {
  const runner = ws.start(["run", "slow.ts#slow", ...extra]);
  const [, runId] = await runner.waitForLine(/^run (\d{8}-\d{6}-[0-9a-f]{6}) /);
  await runner.waitForLine(/^\[crunch\] started/);
  // Wait for a step so the task is really under way.
  await runner.waitForLine(/^\[crunch\] step 1\//);
  return { runner, runId: runId! };
}

/** What every stopped slow run must look like afterwards. */
async function assertStopped(ws: Workspace, res: CliResult, runId: string, extra: string[] = [], exactState = true): Promise<void> {
  assertExit(res, 130, "the stopped runner");
  assert.match(res.stdout, /===== Flowsmith Execution Summary =====/, "the summary was printed");
  assert.match(res.stdout, /\* 1 were stopped:\n\s+- crunch/);
  assert.match(res.stdout, /looks :\| because the run was stopped/);
  assert.match(res.stdout, new RegExp(`run ${runId} STOPPED`));
  assert.doesNotMatch(res.stderr, /\n\s{4}at |internal error/);
  const record = (await runs(ws)).find((r) => r.id === runId);
  assert.ok(record, "the run is listed");
  assert.equal(record.status, "stopped");
  assert.equal(record.interrupted, undefined, "the runner finished its own record");
  const nodes = Object.fromEntries(record.nodes.map((n: { id: string; status: string }) => [n.id, n.status]));
  assert.deepEqual(nodes, { prepare: "complete", crunch: "stopped" });
  const now = await statuses(ws, "slow.ts#slow", extra);
  assert.equal(now.prepare, "complete");
  assert.notEqual(now.crunch, "complete", "nothing of the stopped node is complete");
  // (Node state is kept per target and node id, not per param set: with two runs of other params,
  // the last one written is what preview can show.)
  if (exactState) assert.equal(now.crunch, "stopped");
  const locks = ws.path(".flowsmith/locks");
  assert.deepEqual(fs.existsSync(locks) ? fs.readdirSync(locks) : [], [], "no lock is left behind");
}

describe("stopping a run", { concurrency: 3 }, () => {
  test("flowsmith stop RUN_ID from another process", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("slow.ts");
    const { runner, runId } = await startSlow(ws);
    const live = (await runs(ws)).find((r) => r.id === runId);
    assert.equal(live?.status, "running");
    const stop = await ws.cli(["stop", runId]);
    assertExit(stop, 0, "stop");
    assert.match(stop.stdout, new RegExp(`stopped run ${runId}`));
    const res = await runner.done;
    await assertStopped(ws, res, runId);
    // Stopping it again is harmless.
    const again = await ws.cli(["stop", runId]);
    assertExit(again, 0, "stop again");
    assert.match(again.stdout, /is not running \(stopped\)/);
  });

  test("Ctrl-C (SIGINT) to the runner", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("slow.ts");
    const { runner, runId } = await startSlow(ws);
    runner.child.kill("SIGINT");
    const res = await runner.done;
    assert.match(res.stderr, /Ctrl-C: stopping the run/);
    await assertStopped(ws, res, runId);
  });

  test("stop --all stops every running run of the store", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("slow.ts");
    const [a, b] = await Promise.all([startSlow(ws, ["--param", "steps=500"]), startSlow(ws, ["--param", "steps=501"])]);
    const stop = await ws.cli(["stop", "--all"]);
    assertExit(stop, 0, "stop --all");
    assert.match(stop.stdout, new RegExp(`stopped run ${a.runId}`));
    assert.match(stop.stdout, new RegExp(`stopped run ${b.runId}`));
    const [ra, rb] = await Promise.all([a.runner.done, b.runner.done]);
    await assertStopped(ws, ra, a.runId, ["--param", "steps=500"], false);
    await assertStopped(ws, rb, b.runId, ["--param", "steps=501"], false);
    const none = await ws.cli(["stop", "--all"]);
    assertExit(none, 0);
    assert.match(none.stdout, /no running runs/);
  });
});
