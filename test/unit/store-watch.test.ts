/**
 * What the store offers the language server and the editor instead of its paths: a watcher that
 * reports which targets' statuses changed, and a reader of a run's record and node logs.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { Store, type StatusChange } from "../../runtime/src/store/store.ts";
import { readRunLog } from "../../runtime/src/store/runLog.ts";
import type { NodeState, RunRecord } from "@flowsmith/contract";
import { makeWorkspace, runOk, waitFor } from "./helpers/workspace.ts";

const PIPE = "pipeline.ts#pipeline";
const OTHER = "other.ts#other";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-watch-")));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function state(target: string, node: string, extra: Partial<NodeState> = {}): NodeState {
  return { target, node, task: node, status: "complete", fingerprint: "f".repeat(16), runId: "20260101-000000-abcdef", ...extra };
}

/** A watcher of `store` (fast: short debounce and poll), whose reports collect in `changes`. */
function watch(t: { after(fn: () => void): void }, store: Store): StatusChange[] {
  const changes: StatusChange[] = [];
  const watcher = store.watcher((c) => changes.push(c), { debounceMs: 30, pollMs: 100 });
  watcher.start();
  t.after(() => watcher.dispose());
  return changes;
}

/** Wait until a report names `target`; returns every report so far. */
async function reportOf(changes: StatusChange[], target: string): Promise<StatusChange[]> {
  await waitFor(() => changes.some((c) => c.has(target)), `a status change naming ${target}`, 15_000);
  return [...changes];
}

/** Some time for anything still on its way (file system events, a poll) to be reported. */
const settle = () => new Promise((r) => setTimeout(r, 400));

describe("store watcher: which targets' statuses changed", () => {
  test("a Store method writing a target's node states reports that target, and no other", async (t) => {
    const store = new Store(path.join(tempDir(t), ".flowsmith"));
    store.writeNodeState(state(OTHER, "seed")); // the store exists before the watcher starts
    const changes = watch(t, store);
    await settle();
    changes.length = 0;
    store.writeNodeState(state(PIPE, "train"));
    await reportOf(changes, PIPE);
    await settle();
    for (const c of changes) {
      assert.equal(c.all, false, "a journal names its target: not every target");
      assert.equal(c.has(OTHER), false, `${OTHER} was not written`);
    }
    changes.length = 0;
    store.deleteNodeStates(OTHER, ["seed"]); // a reset's tombstones
    const after = await reportOf(changes, OTHER);
    assert.ok(after.every((c) => !c.has(PIPE)), `${PIPE} was not written this time`);
  });

  test("an output removed (a reset, a corrupt output discarded) may change any target: every target is reported", async (t) => {
    const store = new Store(path.join(tempDir(t), ".flowsmith"));
    const key = "ab".padEnd(64, "0");
    store.writeOutput(key, { n: 1 }, { task: "t", fingerprint: "f", createdAt: new Date().toISOString(), runId: "20260101-000000-abcdef", node: "t", durationMs: 1 });
    const changes = watch(t, store);
    await settle();
    assert.equal(changes.some((c) => c.all), false, "writing an output names no target by itself");
    store.deleteOutput(key);
    await waitFor(() => changes.some((c) => c.all), "a report of every target");
    const all = changes.find((c) => c.all)!;
    assert.ok(all.has(PIPE) && all.has(OTHER));
  });

  test("a real run reports its target (and its run record), not another target", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("pipeline.ts");
    await runOk(ws, [PIPE]); // makes the store
    const changes = watch(t, new Store(ws.path(".flowsmith")));
    await settle();
    changes.length = 0;
    await runOk(ws, [PIPE, "--force"]);
    await reportOf(changes, PIPE);
    await waitFor(() => changes.some((c) => c.runs), "a report that run records changed");
    await settle();
    for (const c of changes) {
      assert.equal(c.all, false, "a run writing outputs and states names its target");
      assert.equal(c.has(OTHER), false, `${OTHER} did not run`);
    }
  });

  test("a store created after the watcher started is still watched", async (t) => {
    const store = new Store(path.join(tempDir(t), "later", ".flowsmith"));
    const changes = watch(t, store);
    await settle();
    assert.equal(fs.existsSync(store.dir), false);
    store.writeNodeState(state(PIPE, "train"));
    await reportOf(changes, PIPE);
    store.writeNodeState(state(OTHER, "seed"));
    await reportOf(changes, OTHER);
  });

  test("dispose stops the reports", async (t) => {
    const store = new Store(path.join(tempDir(t), ".flowsmith"));
    store.writeNodeState(state(OTHER, "seed"));
    const changes: StatusChange[] = [];
    const watcher = store.watcher((c) => changes.push(c), { debounceMs: 30, pollMs: 100 });
    watcher.start();
    watcher.dispose();
    store.writeNodeState(state(PIPE, "train"));
    await settle();
    assert.deepEqual(changes, []);
  });
});

describe("run-log reader", () => {
  test("a finished run: its record and each node's log lines, as the CLI wrote them", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("pipeline.ts");
    const { runId } = await runOk(ws, [PIPE, "--config", "train.lr=0.5"]);
    const store = new Store(ws.path(".flowsmith"));
    const read = readRunLog(store.dir, runId);
    assert.ok(read.ok, read.ok ? "" : read.problem);
    assert.deepEqual(read.log.run, store.readRun(runId), "the record as the store reads it");
    assert.equal(read.log.run.status, "complete");
    const train = read.log.run.nodes.find((n) => n.id === "train")!;
    assert.ok(train.log, "train wrote a log");
    const lines = read.log.nodeLines(train);
    assert.deepEqual(lines, fs.readFileSync(store.logPath(runId, train.log!), "utf8").split("\n").filter(Boolean));
    assert.ok(lines.some((l) => l.includes('"lr":0.5')), lines.join("\n"));
    const same = store.readRunLog(runId);
    assert.deepEqual(same.ok && same.log.run, read.log.run, "the Store's own reader reads the same");
  });

  test("what cannot be read is one line naming the run: unknown, not a run id, corrupt", (t) => {
    const dir = path.join(tempDir(t), ".flowsmith");
    const unknown = readRunLog(dir, "20260101-000000-abcdef");
    assert.equal(unknown.ok, false);
    assert.match(unknown.ok ? "" : unknown.problem, /^run 20260101-000000-abcdef has no readable record in .*20260101-000000-abcdef: ENOENT/);
    const bad = readRunLog(dir, "../../etc");
    assert.match(bad.ok ? "" : bad.problem, /is not a run id/);
    const id = "20260101-000000-123456";
    fs.mkdirSync(path.join(dir, "runs", id), { recursive: true });
    fs.writeFileSync(path.join(dir, "runs", id, "run.json"), "{ not json");
    const corrupt = readRunLog(dir, id);
    assert.match(corrupt.ok ? "" : corrupt.problem, new RegExp(`^run ${id} has no readable record in `));
    fs.writeFileSync(path.join(dir, "runs", id, "run.json"), JSON.stringify({ id }));
    const malformed = readRunLog(dir, id);
    assert.match(malformed.ok ? "" : malformed.problem, /malformed/);
  });

  test("a run whose process is gone reads as interrupted; a node's log outside its run is never read", (t) => {
    const store = new Store(path.join(tempDir(t), ".flowsmith"));
    const id = "20260101-000000-654321";
    const run: RunRecord = {
      format: 1, id, target: PIPE, paramSets: [{}], config: {}, status: "running", pid: 2 ** 22 + 12345, startedAt: new Date().toISOString(),
      nodes: [
        { id: "a", task: "a", status: "running", fingerprint: "f", deps: [], attempts: 1, log: "a.log" },
        { id: "b", task: "b", status: "complete", fingerprint: "f", deps: [], attempts: 1, log: "../../secret.log" },
        { id: "c", task: "c", status: "pending", fingerprint: "f", deps: [], attempts: 0 },
      ],
    };
    store.writeRun(run);
    fs.mkdirSync(store.logDir(id), { recursive: true });
    fs.writeFileSync(store.logPath(id, "a.log"), "one\n\ntwo\r\n");
    fs.writeFileSync(path.join(store.dir, "secret.log"), "not a log of this run\n");
    const read = readRunLog(store.dir, id);
    assert.ok(read.ok);
    assert.equal(read.log.run.status, "stopped");
    assert.equal(read.log.run.interrupted, true);
    assert.equal(read.log.run.nodes[0]!.status, "stopped");
    assert.deepEqual(read.log.nodeLines(read.log.run.nodes[0]!), ["one", "two"]);
    assert.deepEqual(read.log.nodeLines(read.log.run.nodes[1]!), []);
    assert.deepEqual(read.log.nodeLines(read.log.run.nodes[2]!), []);
  });
});
