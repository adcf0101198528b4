/**
 * Compositions in the runtime (issue 21 items 3, 4): `run`, `preview`, `reset` on FILE#NAME of a
 * `*.flows.yaml` through the built CLI, on temp workspaces — raw, file and db mappings end to end,
 * cache keys carried over from a standalone run of a composing flow, FLOW/NODE targets, reset of
 * one node, `--param FLOW.param`, two concurrent runs, and every bad input as one located line.
 *
 * Needs `npm run build` (runtime/dist/cli.js, runtime/dist/results-db.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { assertCleanError, assertExit, makeWorkspace, preview, runOk, startedNodes, statuses, tally, type Workspace } from "./helpers/workspace.ts";
import { compositionWorkspace as workspace, NIGHTLY, TARGET } from "./helpers/composition.ts";

async function nodeOutput(ws: Workspace, runId: string, node: string): Promise<any> {
  const res = await ws.cli(["results", runId, "--node", node]);
  assertExit(res, 0, `results --node ${node}`);
  return JSON.parse(res.stdout);
}

test("a composition runs end to end with raw, file and db mappings; a standalone run's nodes are complete in it", async (t) => {
  const ws = workspace(t);
  // A standalone run of the composing flow first, with the params the composition gives it.
  const alone = await runOk(ws, ["flows/pipelines/ingest.ts#ingest", "--param", "n=8"]);
  assert.deepEqual(startedNodes(alone.stdout).sort(), ["clean", "inspect", "load", "save-report", "score"]);
  const before = await preview(ws, TARGET);
  assert.deepEqual(
    Object.fromEntries([...before].map(([id, n]) => [id, n.status])),
    {
      "ingest/load": "complete",
      "ingest/clean": "complete",
      "ingest/score": "complete",
      "ingest/save-report": "complete",
      "ingest/inspect": "complete",
      "db.train.best": "pending",
      "train/fit": "pending",
    },
    "the standalone run's outputs are the composition's: same cache keys",
  );
  const standaloneKeys = await preview(ws, "flows/pipelines/ingest.ts#ingest", ["--param", "n=8"]);
  for (const id of ["load", "clean", "score", "save-report", "inspect"]) {
    assert.equal(before.get(`ingest/${id}`)!.cacheKey, standaloneKeys.get(id)!.cacheKey, `${id}: one cache key standalone and composed`);
  }

  const counterBefore = ws.counter().length;
  const run = await runOk(ws, [TARGET]);
  assert.deepEqual(startedNodes(run.stdout).sort(), ["db.train.best", "train/fit"], "only what the standalone run did not make");
  assert.deepEqual(ws.counter().slice(counterBefore), ["train/fit"]);
  assert.match(run.stdout, new RegExp(`^run ${run.runId} · flows/nightly\\.flows\\.yaml#nightly$`, "m"));

  const fit = await nodeOutput(ws, run.runId, "train/fit");
  assert.equal(fit.model.epochs, 3, "a constant param");
  assert.equal(fit.model.n, 6, "raw mapping: the clean rows");
  assert.equal(fit.model.sum, 1 + 2 + 3 + 5 + 6 + 7);
  assert.equal(fit.model.best, 0.75, "db mapping: metrics.f1 read from the results database");
  assert.equal(fit.model.text, "rows=6\n", "file mapping: a readable path");
  const storeFiles = fs.realpathSync(ws.path(".flowsmith/files"));
  assert.ok(fit.model.report.startsWith(storeFiles + path.sep), `the path is in the store: ${fit.model.report}`);
  assert.match(path.basename(fit.model.report), /^[0-9a-f]{64}\.txt$/, "named by its content's sha256");
  assert.equal(fs.statSync(fit.model.report).mode & 0o777, 0o444, "stored files are read-only");

  // The file output: recorded by content, shown with its store path; a downstream input got a FlowFile.
  const saved = await nodeOutput(ws, alone.runId, "save-report");
  assert.equal(saved.report.name, "report.txt");
  assert.equal(saved.report.size, 7);
  assert.equal(saved.report.path, fit.model.report, "results shows the stored file's path");
  const inspected = await nodeOutput(ws, alone.runId, "inspect");
  assert.deepEqual(
    { name: inspected.name, size: inspected.size, text: inspected.text, mode: inspected.mode, isFlowFile: inspected.isFlowFile, path: inspected.path },
    { name: "report.txt", size: 7, text: "rows=6\n", mode: "444", isFlowFile: "FlowFile", path: fit.model.report },
  );

  // After the run: everything complete; a second run computes nothing.
  assert.ok(Object.values(await statuses(ws, TARGET)).every((s) => s === "complete"));
  const again = await runOk(ws, [TARGET]);
  assert.deepEqual(startedNodes(again.stdout), []);

  // The db mapping's parent is recorded in the results database for each run that found it complete.
  const recorded = await ws.cli(["results", "--flow", "ingest", "--node", "score", "--format", "json"]);
  assertExit(recorded, 0, "results --flow ingest --node score");
  const records = JSON.parse(recorded.stdout) as { runId: string; composition: string; output: any; cacheKey: string }[];
  assert.deepEqual(records.map((r) => r.runId).sort(), [run.runId, again.runId].sort());
  for (const r of records) {
    assert.equal(r.composition, TARGET);
    assert.equal(r.output.metrics.f1, 0.75);
    assert.equal(r.cacheKey, before.get("ingest/score")!.cacheKey);
  }

  // The composition's params: --param FLOW.param overrides a constant; only train/fit runs again.
  const more = await runOk(ws, [TARGET, "--param", "train.epochs=5"]);
  assert.deepEqual(startedNodes(more.stdout), ["train/fit"]);
  assert.equal((await nodeOutput(ws, more.runId, "train/fit")).model.epochs, 5);
});

test("FILE#NAME:FLOW/NODE runs one node with its upstream; reset of FLOW/NODE --downstream", async (t) => {
  const ws = workspace(t);
  const one = await runOk(ws, [`${TARGET}:ingest/score`]);
  assert.deepEqual(startedNodes(one.stdout), ["ingest/load", "ingest/clean", "ingest/score"]);
  await runOk(ws, [TARGET]);
  const reset = await ws.cli(["reset", `${TARGET}:ingest/clean`, "--downstream", "--yes"]);
  assertExit(reset, 0, "reset");
  assert.match(reset.stdout, /^reset 6 nodes of flows\/nightly\.flows\.yaml#nightly/m);
  const after = await statuses(ws, TARGET);
  assert.equal(after["ingest/load"], "complete", "upstream of the reset node is kept");
  for (const id of ["ingest/clean", "ingest/score", "ingest/save-report", "ingest/inspect", "db.train.best", "train/fit"]) assert.equal(after[id], "pending", id);
  const rerun = await runOk(ws, [TARGET]);
  assert.deepEqual(startedNodes(rerun.stdout).sort(), ["db.train.best", "ingest/clean", "ingest/inspect", "ingest/save-report", "ingest/score", "train/fit"]);
  // An unknown node of the composition: did-you-mean, exit 2.
  assertCleanError(await ws.cli(["run", `${TARGET}:ingest/clen`]), /has no node "ingest\/clen" \(did you mean "ingest\/clean"\?\)/);
});

test("two concurrent runs of one composition compute each node once and corrupt nothing", async (t) => {
  const ws = workspace(t);
  const a = ws.start(["run", TARGET]);
  const b = ws.start(["run", TARGET]);
  const [ra, rb] = await Promise.all([a.done, b.done]);
  assertExit(ra, 0, "first run");
  assertExit(rb, 0, "second run");
  const counts = tally(ws.counter());
  for (const [node, n] of Object.entries(counts)) assert.equal(n, 1, `${node} ran ${n} times`);
  assert.deepEqual(Object.keys(counts).sort(), ["clean", "fit", "inspect", "load", "save-report", "score"].map((id) => (id === "fit" ? "train/fit" : `ingest/${id}`)).sort());
  assert.ok(Object.values(await statuses(ws, TARGET)).every((s) => s === "complete"));
  for (const r of [ra, rb]) {
    const runId = /^run (\S+) /m.exec(r.stdout)![1]!;
    assert.equal((await nodeOutput(ws, runId, "train/fit")).model.best, 0.75);
  }
  const leftovers = fs.readdirSync(ws.path(".flowsmith/files/tmp"));
  assert.deepEqual(leftovers, [], "no half-copied file left");
});

test("a file mapping of an output that is not a file, and an unknown output, fail the node in flow words", async (t) => {
  const ws = workspace(t);
  ws.edit("flows/nightly.flows.yaml", "parent_task_name: save-report, output: report, map_type: file", "parent_task_name: score, output: metrics, map_type: file");
  const notFile = await ws.cli(["run", TARGET]);
  assertExit(notFile, 1, "run with a file mapping of a non-file");
  assert.match(notFile.stdout, /\[train\/fit\] FAILED.*a file mapping needs a file, but ingest\/score\.metrics is \{/);
  ws.write("flows/nightly.flows.yaml", NIGHTLY.replace("output: rows", "output: rowz"));
  const unknown = await ws.cli(["run", TARGET]);
  assertExit(unknown, 1, "run with an unknown output");
  assert.match(unknown.stdout, /ingest\/clean has no output "rowz" \(did you mean "rows"\?\)/);
  // db mappings: a path that leads nowhere, and a value the param's schema refuses.
  ws.write("flows/nightly.flows.yaml", NIGHTLY.replace("attribute_index: [f1]", "attribute_index: [f2]"));
  const nowhere = await ws.cli(["run", TARGET]);
  assertExit(nowhere, 1, "run with a db mapping to nothing");
  assert.match(nowhere.stdout, /\[db\.train\.best\] FAILED.*param train\.best: ingest\/score's output has nothing at \.metrics\.f2/);
  assert.match(nowhere.stdout, /train\/fit/, "its downstream is named in the summary");
  ws.write("flows/nightly.flows.yaml", NIGHTLY.replace("attribute_index: [f1]", "attribute_index: [nested, 0]"));
  const misfit = await ws.cli(["run", TARGET]);
  assertExit(misfit, 1, "run with a db-mapped value the schema refuses");
  assert.match(misfit.stdout, /\[db\.train\.best\] FAILED.*FS003: param train\.best: the value from the results database, \{"k":7\}, does not fit its schema: .*number/i);
});

test("bad compositions: one located line each, exit 2, no stack trace", async (t) => {
  const ws = workspace(t);
  // [replace, with, the text the error points at (its first occurrence in the edited file), the message after "FILE:L:C: "]
  const cases: [string, string, string, RegExp][] = [
    ["flow: pipelines/ingest.ts#ingest", "flow: pipelines/ingset.ts#ingest", "pipelines/ingset.ts#ingest", /^FS011 composing flow "ingest": no flow file pipelines\/ingset\.ts \(did you mean "ingest\.ts"\?\)/],
    ["flow: pipelines/ingest.ts#ingest", "flow: pipelines/ingest.ts#ingst", "pipelines/ingest.ts#ingst", /^FS011 pipelines\/ingest\.ts has no exported workflow "ingst" \(did you mean "ingest"\?\)/],
    ["parent_task_name: clean,", "parent_task_name: clen,", "clen", /^FS011 composing flow "ingest" has no node "clen" \(did you mean "clean"\?\); its nodes are load, clean, score, save-report, inspect$/],
    ["parent_flow_name: ingest, parent_task_name: clean", "parent_flow_name: ingets, parent_task_name: clean", "ingets", /^FS011 mapped param "rows": no composing flow "ingets" \(did you mean "ingest"\?\)/],
    ["parameters: { epochs: 3 }", "parameters: { epoch: 3 }", "epoch", /^FS011 composing flow "train" has no param "epoch" \(did you mean "epochs"\?\)/],
    ["parameters: { epochs: 3 }", "parameters: { epochs: three }", "three", /^FS003 composing flow "train" param "epochs": .*number/i],
    ["      best:", "      bst:", "bst", /^FS011 composing flow "train" has no param "bst" \(did you mean "best"\?\)/],
    ["parameters: { n: 8 }", "parameters: { tag: y }", "ingest\n", /^FS002 composing flow "ingest" needs param "n"/],
    ["map_type: file", "map_type: fiel", "fiel", /^FS013 map_type "fiel" is not raw, file or db \(did you mean "file"\?\)/],
    ["name: nightly", "nme: nightly", "nme", /^FS013 /],
    ["    parameters: { n: 8 }\n", "    parameters: { n: 8 }\n    mapped_parameters:\n      tag: { parent_flow_name: train, parent_task_name: fit, output: model }\n", "ingest, parent_task_name: clean", /^FS008 cycle of mapped parameters: (ingest → train → ingest|train → ingest → train)/],
  ];
  for (const [from, to, at, expected] of cases) {
    const text = NIGHTLY.replace(from, to);
    assert.notEqual(text, NIGHTLY, `the case edits the file: ${from}`);
    ws.write("flows/nightly.flows.yaml", text);
    const offset = text.indexOf(at);
    const before = text.slice(0, offset).split("\n");
    const where = `flows/nightly.flows.yaml:${before.length}:${before.at(-1)!.length + 1}: `;
    for (const command of ["run", "preview"]) {
      const res = await ws.cli([command, TARGET]);
      assertCleanError(res);
      const line = res.stderr.trim().replace(/^flowsmith: error: /, "");
      assert.ok(line.startsWith(where), `${command} after "${to.trim()}": expected ${where}…, got ${line}`);
      assert.match(line.slice(where.length), expected);
    }
  }
  ws.write("flows/nightly.flows.yaml", NIGHTLY);
  assertCleanError(await ws.cli(["run", "flows/nightly.flows.yaml#nighty"]), /flows\/nightly\.flows\.yaml has no composition "nighty" \(did you mean "nightly"\?\)/);
  assertCleanError(await ws.cli(["run", "flows/nope.flows.yaml#nightly"]), /no such composition file: flows\/nope\.flows\.yaml/);
  assertCleanError(await ws.cli(["run", TARGET, "--param", "train.epoch=4"]), /workflow nightly has no param "train\.epoch" \(did you mean "train\.epochs"\?\)/);
  assertCleanError(await ws.cli(["run", TARGET, "--param", "train.epochs=many"]), /bad param train\.epochs="many"/);
  assertCleanError(await ws.cli(["run", TARGET, "--results-db", "mysql://x"]), /is not a results database URL/);
  assertCleanError(await ws.cli(["run", TARGET, "--workers", "2"]), /is a composition: it runs in this process/);
  assert.ok(!fs.existsSync(ws.path(".flowsmith/runs")) || fs.readdirSync(ws.path(".flowsmith/runs")).length === 0, "nothing ran");
});

test("run checks every composing flow first, as a run of that flow would; --no-check skips it", async (t) => {
  const ws = workspace(t);
  // A mistake in the train flow's body that only the check sees (an input the task does not declare).
  ws.edit("flows/pipelines/train.ts", "({ model: fit({ rows, epochs, report, best }).model })", "({ model: fit({ rows, epochs, report, best, extra: 1 }).model })");
  const refused = await ws.cli(["run", TARGET]);
  assertExit(refused, 2, "run of a composition with a broken flow");
  assert.match(refused.stderr, /error FS001 /);
  assert.match(refused.stderr, /flowsmith: error: flows\/pipelines\/train\.ts#train not run: flowsmith check finds 1 error in flows\/pipelines\/train\.ts/);
  assert.deepEqual(ws.counter(), [], "nothing ran");
  assertExit(await ws.cli(["run", TARGET, "--no-check"]), 0, "--no-check");
});

test("composing flows that share a module share its tasks (one task, one cache key)", async (t) => {
  const ws = makeWorkspace(t);
  ws.write("common.ts", `import { task } from "flowsmith";
export const double = task(async ({ xs }: { xs: number[] }) => ({ xs: xs.map((x) => x * 2) }));
`);
  ws.write("a.ts", `import { task, workflow } from "flowsmith";
import { z } from "zod";
import { double } from "./common";
export const make = task(async ({ n }: { n: number }) => ({ xs: Array.from({ length: n }, (_, i) => i) }));
export const a = workflow({ params: z.object({ n: z.number() }) }, ({ n }) => ({ xs: double({ xs: make({ n }).xs }).xs }));
`);
  ws.write("b.ts", `import { task, workflow } from "flowsmith";
import { z } from "zod";
import { double } from "./common";
export const total = task(async ({ xs }: { xs: number[] }) => ({ sum: xs.reduce((s, x) => s + x, 0) }));
export const b = workflow({ params: z.object({ xs: z.array(z.number()) }) }, ({ xs }) => ({ sum: total({ xs: double({ xs }).xs }).sum }));
`);
  ws.write("both.flows.yaml", `name: both
composing_flows:
  - { name: a, flow: a.ts#a, parameters: { n: 4 } }
  - name: b
    flow: b.ts#b
    mapped_parameters: { xs: { parent_flow_name: a, parent_task_name: double, output: xs } }
`);
  const run = await runOk(ws, ["both.flows.yaml"]);
  assert.deepEqual(startedNodes(run.stdout), ["a/make", "a/double", "b/double", "b/total"]);
  assert.deepEqual(JSON.parse((await ws.cli(["results", run.runId, "--node", "b/total"])).stdout), { sum: 24 });
});
