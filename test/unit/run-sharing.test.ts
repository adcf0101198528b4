/**
 * Runs sharing a store wait for each other's acknowledgement, not for a fixed time: a run that
 * joins a store where another run computes starts nothing until that run has said it locks what it
 * computes (or is gone). On a busy machine the other run's poll may come late; the newcomer waits.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { newRunId, Store } from "../../runtime/src/store/store.ts";
import { assertExit, makeWorkspace, ndjson } from "./helpers/workspace.ts";

test("a newcomer starts no node before a live run in the store has acknowledged it, then runs", async (t) => {
  const ws = makeWorkspace(t);
  ws.fixture("pipeline.ts");
  const store = new Store(ws.path(".flowsmith"));
  // A live run (this test's process) that has not yet switched to locking what it computes.
  const other = newRunId();
  store.registerRun(other);
  const run = ws.start(["run", "--no-check", "pipeline.ts#pipeline", "--events", "ndjson"]);
  await run.waitForLine(/"type":"run-started"/);
  // Whatever the machine's speed, nothing may start before the acknowledgement below.
  await new Promise((r) => setTimeout(r, 1500));
  const before = ndjson(run.stdout).filter((e) => e.type === "node-started");
  assert.deepEqual(before, [], "no node started while another live run had not acknowledged");
  assert.deepEqual(ws.counter(), []);
  store.registerRun(other, true);
  const res = await run.done;
  assertExit(res, 0, "run after the acknowledgement");
  const events = ndjson(res.stdout);
  assert.equal(events.at(-1)!.status, "complete");
  assert.deepEqual(ws.counter().sort(), ["get-data", "preprocess", "train"]);
  store.unregisterRun(other);
});

test("a registration whose process is gone is not waited for", async (t) => {
  const ws = makeWorkspace(t);
  ws.fixture("pipeline.ts");
  const store = new Store(ws.path(".flowsmith"));
  const ghost = newRunId();
  store.registerRun(ghost);
  // Rewrite it as a process that has exited (pid 2^22 + 1 is above Linux's pid_max default range).
  const file = ws.path(`.flowsmith/active/${ghost}.json`);
  ws.write(`.flowsmith/active/${ghost}.json`, `${JSON.stringify({ pid: 4194305, runId: ghost })}\n`);
  assert.ok(file);
  const res = await ws.cli(["run", "--no-check", "pipeline.ts#pipeline"]);
  assertExit(res, 0, "run beside a dead registration");
  assert.deepEqual(ws.counter().sort(), ["get-data", "preprocess", "train"]);
});
