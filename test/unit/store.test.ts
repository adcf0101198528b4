/**
 * The store under `.flowsmith/`: robustness against corrupt records (through the CLI), a killed
 * runner, and pure unit tests of hashing and the Store class.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { canonicalJson, contentHash } from "../../runtime/src/store/hash.ts";
import { Store, isRunId, newRunId, resolveStoreDir, findWorkspaceRoot, shortHash } from "../../runtime/src/store/store.ts";
import { STORE_FORMAT, type NodeState, type RunRecord } from "@flowsmith/contract";
import { readText } from "../../runtime/src/store/files.ts";
import { stateLine } from "../../runtime/src/store/states.ts";
import { StoreWriter } from "../../runtime/src/store/writer.ts";
import {
  assertExit,
  makeWorkspace,
  preview,
  runIdOf,
  runOk,
  runs,
  startedNodes,
  statuses,
  tally,
  waitFor,
  type Workspace,
} from "./helpers/workspace.ts";

const PIPE = "pipeline.ts#pipeline";

/** A stored output: its meta on the first line, then its data. */
function objectFile(ws: Workspace, key: string): string {
  return ws.path(`.flowsmith/objects/${key.slice(0, 2)}/${key}.json`);
}

function warnings(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.startsWith("flowsmith: warning: "));
}

function assertNoCrash(res: { stderr: string; stdout: string }): void {
  assert.doesNotMatch(res.stderr, /internal error|\n\s{4}at /, res.stderr);
}

describe("store robustness (CLI)", { concurrency: 3 }, () => {
  test("garbage or malformed output meta: a warning, the node is PENDING and runs again", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("pipeline.ts");
    await runOk(ws, [PIPE]);
    const nodes = await preview(ws, PIPE);
    const key = nodes.get("get-data")!.cacheKey!;
    fs.writeFileSync(objectFile(ws, key), '{"format": 1, "key": "'); // truncated mid-write

    const res = await ws.cli(["preview", PIPE, "--format", "json"]);
    assertExit(res, 0, "preview");
    assertNoCrash(res);
    assert.ok(warnings(res.stderr).some((w) => w.includes(key) && /treated as missing/.test(w)), res.stderr);
    const after = Object.fromEntries(JSON.parse(res.stdout).nodes.map((n: { id: string; status: string }) => [n.id, n.status]));
    assert.equal(after["get-data"], "pending");
    assert.notEqual(after.train, "complete");

    const again = await ws.cli(["run", PIPE]);
    assertExit(again, 0, "run");
    assertNoCrash(again);
    assert.deepEqual(startedNodes(again.stdout), ["get-data"], "only the node with the broken record re-runs");
    assert.match(again.stdout, /2 complete ones were encountered/);
    assert.deepEqual(tally(ws.counter()), { "get-data": 2, preprocess: 1, train: 1 });
    const clean = await ws.cli(["preview", PIPE]);
    assert.deepEqual(warnings(clean.stderr), [], "the record was repaired");
    assert.deepEqual(await statuses(ws, PIPE), { "get-data": "complete", preprocess: "complete", train: "complete" });

    // Valid JSON of the wrong shape is just as missing.
    const trainFile = objectFile(ws, nodes.get("train")!.cacheKey!);
    const trainData = fs.readFileSync(trainFile, "utf8").split("\n")[1];
    fs.writeFileSync(trainFile, `null\n${trainData}`);
    const shaped = await ws.cli(["preview", PIPE, "--format", "json"]);
    assertExit(shaped, 0);
    assert.ok(warnings(shaped.stderr).some((w) => /malformed/.test(w)), shaped.stderr);
    assert.equal(JSON.parse(shaped.stdout).nodes[2].status, "pending");
  });

  test("a truncated output file: the node is PENDING and runs again", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("pipeline.ts");
    await runOk(ws, [PIPE]);
    const key = (await preview(ws, PIPE)).get("preprocess")!.cacheKey!;
    const out = objectFile(ws, key);
    const whole = fs.readFileSync(out, "utf8");
    fs.writeFileSync(out, whole.slice(0, whole.indexOf("\n") + 3)); // the meta, and the data cut short

    const res = await ws.cli(["preview", PIPE, "--format", "json"]);
    assertExit(res, 0);
    assertNoCrash(res);
    assert.ok(warnings(res.stderr).some((w) => /truncated/.test(w)), res.stderr);
    const status = Object.fromEntries(JSON.parse(res.stdout).nodes.map((n: { id: string; status: string }) => [n.id, n.status]));
    assert.equal(status["get-data"], "complete");
    assert.equal(status.preprocess, "pending");

    const again = await runOk(ws, [PIPE]);
    assert.deepEqual(startedNodes(again.stdout), ["preprocess"]);
  });

  test("a garbage run.json: a warning, `runs` still lists the others, new runs work", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("pipeline.ts");
    const first = await runOk(ws, [PIPE]);
    const second = await runOk(ws, [PIPE]);
    const file = ws.path(`.flowsmith/runs/${first.runId}/run.json`);
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").slice(0, 40));

    const table = await ws.cli(["runs"]);
    assertExit(table, 0, "runs");
    assertNoCrash(table);
    assert.ok(warnings(table.stderr).some((w) => w.includes(first.runId)), table.stderr);
    assert.match(table.stdout, new RegExp(second.runId));
    assert.doesNotMatch(table.stdout, new RegExp(first.runId));

    const json = await ws.cli(["runs", "--format", "json"]);
    assertExit(json, 0);
    assert.deepEqual(JSON.parse(json.stdout).map((r: { id: string }) => r.id), [second.runId]);

    const results = await ws.cli(["results", first.runId]);
    assertExit(results, 2, "results of a corrupt run");
    assertNoCrash(results);
    assert.match(results.stderr, /^flowsmith: error: /m);

    const third = await runOk(ws, [PIPE]);
    assert.match(third.stdout, /3 complete ones were encountered/);
    assert.equal((await runs(ws)).length, 2);
  });

  test("garbage node state: a warning, statuses come from the outputs", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("pipeline.ts");
    await runOk(ws, [PIPE]);
    const stateDir = ws.path(".flowsmith/state");
    const files = fs.readdirSync(stateDir).flatMap((d) => fs.readdirSync(path.join(stateDir, d)).map((f) => path.join(stateDir, d, f)));
    assert.equal(files.length, 1, "one run, one journal of node states");
    const lines = fs.readFileSync(files[0]!, "utf8").split("\n").filter(Boolean);
    assert.ok(lines.length >= 3, `a state line per node: ${lines.length}`);
    fs.writeFileSync(files[0]!, `${lines.map(() => "\u0000garbage").join("\n")}\n`);

    const res = await ws.cli(["preview", PIPE, "--format", "json"]);
    assertExit(res, 0);
    assertNoCrash(res);
    assert.ok(warnings(res.stderr).some((w) => w.includes(path.basename(files[0]!)) && /malformed lines? skipped/.test(w)), res.stderr);
    assert.ok(JSON.parse(res.stdout).nodes.every((n: { status: string }) => n.status === "complete"));
    const again = await runOk(ws, [PIPE]);
    assert.match(again.stdout, /3 complete ones were encountered/);
    // A run that met a damaged journal folds its target's journals when it ends (runs otherwise
    // fold only once journals pile up): the garbage is gone.
    const clean = await ws.cli(["preview", PIPE]);
    assert.deepEqual(warnings(clean.stderr), [], "the journals were folded");
  });

  test("a killed runner: its run shows as stopped (interrupted), its registration is cleared", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("slow.ts");
    const args = ["run", "slow.ts#slow", "--param", "steps=30"];
    const runner = ws.start(args);
    const [, runId] = await runner.waitForLine(/^run (\S+) /);
    await runner.waitForLine(/^\[crunch\] started/);
    // Run records are written in throttled batches: kill once the record shows the node running.
    const runFile = ws.path(`.flowsmith/runs/${runId}/run.json`);
    await waitFor(() => {
      try {
        return (JSON.parse(fs.readFileSync(runFile, "utf8")) as RunRecord).nodes.some((n) => n.id === "crunch" && n.status === "running");
      } catch {
        return false;
      }
    }, "the run record to show crunch running");
    runner.child.kill("SIGKILL");
    await runner.done;

    const record = (await runs(ws)).find((r) => r.id === runId)!;
    assert.equal(record.status, "stopped");
    assert.equal(record.interrupted, true);
    assert.equal(record.nodes.find((n: { id: string }) => n.id === "crunch").status, "stopped");
    const table = await ws.cli(["runs"]);
    assert.match(table.stdout, /stopped \(interrupted\)/);
    const now = await statuses(ws, "slow.ts#slow", ["--param", "steps=30"]);
    assert.equal(now.prepare, "complete");
    assert.ok(now.crunch !== "complete" && now.crunch !== "running", `crunch is ${now.crunch}`);
    assert.deepEqual(fs.readdirSync(ws.path(".flowsmith/active")), [`${runId}.json`], "the dead runner's registration is still there");

    const again = await ws.cli(args, { timeoutMs: 30_000 });
    assertExit(again, 0, "the next run");
    assert.deepEqual(startedNodes(again.stdout), ["crunch"]);
    assert.deepEqual(fs.readdirSync(ws.path(".flowsmith/active")), [], "registrations of dead runs are cleared");
    assert.ok(!fs.existsSync(ws.path(".flowsmith/locks")) || fs.readdirSync(ws.path(".flowsmith/locks")).length === 0, "no lock left");
    assert.notEqual(runIdOf(again.stdout), runId);
  });
});

describe("canonicalJson and content hashes", () => {
  test("key order does not matter, at any depth; array order does", () => {
    const a = { b: 1, a: { d: [1, { y: 2, x: 1 }], c: "s" }, n: null };
    const b = { n: null, a: { c: "s", d: [1, { x: 1, y: 2 }] }, b: 1 };
    assert.equal(canonicalJson(a), canonicalJson(b));
    assert.equal(contentHash(a), contentHash(b));
    assert.equal(canonicalJson(a), '{"a":{"c":"s","d":[1,{"x":1,"y":2}]},"b":1,"n":null}');
    assert.notEqual(contentHash([1, 2]), contentHash([2, 1]));
    assert.notEqual(contentHash({ a: 1 }), contentHash({ a: "1" }));
    assert.match(contentHash({}), /^[0-9a-f]{64}$/);
  });

  test("undefined fields are left out, as JSON does", () => {
    assert.equal(canonicalJson({ a: 1, b: undefined }), canonicalJson({ a: 1 }));
    assert.equal(canonicalJson(Object.create(null)), "{}");
  });

  test("values JSON cannot hold are rejected, naming where they are", () => {
    const bad: [unknown, RegExp][] = [
      [{ a: [1, Number.NaN] }, /\$\.a\[1\] is NaN/],
      [{ x: Infinity }, /\$\.x is Infinity/],
      [{ x: -Infinity }, /\$\.x is -Infinity/],
      [{ big: 1n }, /\$\.big is a bigint/],
      [{ f: () => 1 }, /\$\.f is a function/],
      [{ s: Symbol("s") }, /\$\.s is a symbol/],
      [{ m: new Map() }, /\$\.m is a Map instance/],
      [{ deep: { set: new Set([1]) } }, /\$\.deep\.set is a Set instance/],
      [{ c: new (class Model {})() }, /\$\.c is a Model instance/],
    ];
    for (const [value, message] of bad) {
      assert.throws(() => canonicalJson(value), message);
    }
  });

  test("a Date is not JSON: it would come back from the store as a string", () => {
    // DESIGN.md lists Date among the non-JSON values (FS006); canonicalJson's contract is to reject
    // what JSON cannot represent faithfully. Through toJSON it currently becomes an ISO string.
    assert.throws(() => canonicalJson({ when: new Date(0) }), /\$\.when/);
  });
});

describe("Store", { concurrency: 1 }, () => {
  const tmpStore = (t: { after(fn: () => void): void }) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-store-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    return new Store(path.join(dir, ".flowsmith"));
  };
  const KEY = "ab".repeat(32);
  const meta = { task: "t", fingerprint: "f", createdAt: new Date(0).toISOString(), runId: "r", node: "n", durationMs: 1 };

  test("an output round-trips; its meta has per-field hashes", (t) => {
    const store = tmpStore(t);
    assert.equal(store.readMeta(KEY), undefined);
    const value = { rows: [1, 2], model: { slope: 2 } };
    const written = store.writeOutput(KEY, value, meta);
    assert.equal(written.outputHash, contentHash(value));
    assert.deepEqual(written.fieldHashes, { rows: contentHash([1, 2]), model: contentHash({ slope: 2 }) });
    assert.deepEqual(store.readOutput(KEY)?.value, value);
    assert.ok(store.hasOutput(KEY));
    assert.deepEqual(store.problems, []);
    assert.ok(store.deleteOutput(KEY));
    assert.equal(store.readMeta(KEY), undefined);
    assert.deepEqual(store.problems, [], "a missing output is not a problem");
  });

  test("readText reads what readFileSync(file, 'utf8') reads, and fails as it does", (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-read-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const texts = {
      ascii: `${JSON.stringify({ at: 1, state: { node: "n1", status: "complete" } })}\n`.repeat(5000),
      utf8: `{"node":"étape-ü","error":"échec — 失敗 🚀"}\n`.repeat(3000),
      bom: "\uFEFF{\"a\":1}",
      empty: "",
    };
    for (const [name, text] of Object.entries(texts)) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      assert.equal(readText(file), fs.readFileSync(file, "utf8"), name);
      assert.equal(readText(file), text, name);
    }
    // Invalid UTF-8 decodes to U+FFFD, as readFileSync decodes it.
    const bad = path.join(dir, "bad");
    fs.writeFileSync(bad, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    assert.equal(readText(bad), fs.readFileSync(bad, "utf8"));
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as NodeJS.ErrnoException).code;
      }
      return "no error";
    };
    assert.equal(code(() => readText(path.join(dir, "missing"))), "ENOENT");
    assert.equal(code(() => readText(dir)), code(() => fs.readFileSync(dir, "utf8")));
  });

  test("lookups of a run alone in the store: shard listings answer misses, never hide an output", (t) => {
    const store = tmpStore(t);
    const keys = ["ab", "ac", "cd"].map((p) => p.repeat(32));
    for (const k of keys.slice(0, 2)) store.writeOutput(k, { k }, meta);
    const absent = ["ab", "ef"].map((p) => `${p}${"0".repeat(62)}`);
    store.expectLookups(10_000);
    for (const k of keys.slice(0, 2)) assert.equal(store.readMeta(k)?.key, k, "a listed output is read");
    for (const k of absent) assert.equal(store.readMeta(k), undefined);
    store.stopListing();
    store.writeOutput(keys[2]!, { k: 3 }, meta);
    assert.equal(store.readMeta(keys[2]!)?.key, keys[2], "after stopListing every key is looked up");
    // A store big next to the lookups is not listed: 2,000 lookups, 40 outputs in the first shard.
    const big = tmpStore(t);
    for (let i = 0; i < 40; i++) big.writeOutput(`ab${i.toString(16).padStart(62, "0")}`, { i }, meta);
    big.expectLookups(2_000);
    assert.equal(big.readMeta(`ab${(39).toString(16).padStart(62, "0")}`)?.bytes, 8);
    big.writeOutput(`cd${"1".repeat(62)}`, { i: 1 }, meta);
    assert.ok(big.readMeta(`cd${"1".repeat(62)}`), "listing was given up: a new output is found");
    // A graph already complete: the first 64 lookups all find their output, so the store stops
    // listing shards (and stats nothing); misses and new outputs are still answered right.
    const done = tmpStore(t);
    const doneKeys = Array.from({ length: 100 }, (_, i) => contentHash({ i }));
    for (const k of doneKeys) done.writeOutput(k, { k }, meta);
    done.expectLookups(10_000);
    for (const k of doneKeys) assert.equal(done.readMeta(k)?.key, k);
    assert.equal(done.readMeta(contentHash({ missing: true })), undefined, "a miss after the probe");
    const late = contentHash({ late: true });
    done.writeOutput(late, { late: true }, meta);
    assert.equal(done.readMeta(late)?.key, late, "an output written since is found");
    assert.deepEqual([...store.problems, ...big.problems, ...done.problems], []);
  });

  test("an output whose content no longer matches its hash is treated as missing", (t) => {
    const store = tmpStore(t);
    store.writeOutput(KEY, { v: 1 }, meta);
    const file = path.join(store.dir, "objects", KEY.slice(0, 2), `${KEY}.json`);
    const [header] = fs.readFileSync(file, "utf8").split("\n");
    fs.writeFileSync(file, `${header}\n{"v":2}`); // same size, other content
    assert.equal(store.readOutput(KEY), undefined);
    assert.ok(store.problems.some((p) => /does not match its hash/.test(p)));
    assert.ok(!fs.existsSync(file), "the corrupt output was discarded");
  });

  test("one file per output, meta line first; outputs of stores before 0.1.1 (two files) are still read", (t) => {
    const store = tmpStore(t);
    store.writeOutput(KEY, { big: "x".repeat(100_000) }, meta);
    const shard = path.join(store.dir, "objects", KEY.slice(0, 2));
    assert.deepEqual(fs.readdirSync(shard), [`${KEY}.json`]);
    const text = fs.readFileSync(path.join(shard, `${KEY}.json`), "utf8");
    assert.equal(JSON.parse(text.slice(0, text.indexOf("\n"))).key, KEY);
    assert.equal(store.readMeta(KEY)?.bytes, Buffer.byteLength(text) - text.indexOf("\n") - 1);

    const OLD = "cd".repeat(32);
    const oldShard = path.join(store.dir, "objects", OLD.slice(0, 2));
    fs.mkdirSync(oldShard, { recursive: true });
    const data = '{"n":1}';
    const oldMeta = { format: 1, key: OLD, ...meta, outputHash: contentHash({ n: 1 }), fieldHashes: { n: contentHash(1) }, bytes: data.length };
    fs.writeFileSync(path.join(oldShard, `${OLD}.out.json`), data);
    fs.writeFileSync(path.join(oldShard, `${OLD}.meta.json`), JSON.stringify(oldMeta));
    assert.deepEqual(store.readOutput(OLD)?.value, { n: 1 });
    assert.ok(store.deleteOutput(OLD));
    assert.deepEqual(fs.readdirSync(oldShard), []);
    assert.deepEqual(store.problems, []);
  });

  test("node states: journals, the latest entry wins, tombstones, a torn last line, folding", (t) => {
    const store = tmpStore(t);
    const target = "f.ts#wf";
    const state = (node: string, status: NodeState["status"], runId = "r"): NodeState => ({ target, node, task: "t", status, fingerprint: "f", runId });
    const id = newRunId();
    const journal = store.stateJournalPath(target, id);
    const writer = new StoreWriter();
    writer.append(journal, stateLine(state("a", "running")));
    writer.append(journal, stateLine(state("a", "complete")));
    writer.append(journal, stateLine(state("b", "failed")));
    return writer.close().then(() => {
      assert.equal(store.readNodeState(target, "a")?.status, "complete", "the later entry wins");
      store.writeNodeState(state("b", "stopped"));
      assert.equal(store.readNodeState(target, "b")?.status, "stopped");
      store.deleteNodeState(target, "a");
      assert.equal(store.readNodeState(target, "a"), undefined, "a tombstone hides what came before");
      const dir = path.join(store.dir, "state", shortHash(target));
      fs.appendFileSync(path.join(dir, `${id}.jsonl`), '{"at": 1e99, "state": {"node": "b"'); // a kill mid-append
      assert.equal(store.readNodeState(target, "b")?.status, "stopped");
      assert.deepEqual(store.problems, [], "a torn last line is not a problem");
      assert.equal(fs.readdirSync(dir).length, 3);
      store.compactStates(target);
      assert.equal(fs.readdirSync(dir).length, 1, "folded into one journal");
      assert.equal(store.readNodeState(target, "a"), undefined);
      assert.equal(store.readNodeState(target, "b")?.status, "stopped");
      assert.equal(store.readTargetStates(target).size, 1, "tombstones are dropped once folded");
    });
  });

  test("a journal still being appended to by a live run is not folded", (t) => {
    const store = tmpStore(t);
    const target = "f.ts#wf";
    const live = newRunId();
    store.registerRun(live);
    const writer = new StoreWriter();
    writer.append(store.stateJournalPath(target, live), stateLine({ target, node: "x", task: "t", status: "running", fingerprint: "f", runId: live }));
    return writer.close().then(() => {
      store.writeNodeState({ target, node: "y", task: "t", status: "complete", fingerprint: "f", runId: "other" });
      store.deleteNodeState(target, "z");
      store.compactStates(target);
      const dir = path.join(store.dir, "state", shortHash(target));
      assert.ok(fs.readdirSync(dir).includes(`${live}.jsonl`), "the live run's journal stays");
      assert.equal(store.readNodeState(target, "x")?.status, "running");
      assert.equal(store.readNodeState(target, "y")?.status, "complete");
      store.unregisterRun(live);
    });
  });

  test("live runs: registrations of dead processes are removed; locks of dead processes are swept", (t) => {
    const store = tmpStore(t);
    const mine = newRunId();
    store.registerRun(mine);
    assert.deepEqual(store.otherLiveRuns(mine), []);
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    const gone = newRunId();
    fs.writeFileSync(path.join(store.dir, "active", `${gone}.json`), JSON.stringify({ pid: dead, runId: gone }));
    const other = newRunId();
    fs.writeFileSync(path.join(store.dir, "active", `${other}.json`), JSON.stringify({ pid: process.pid, runId: other }));
    assert.deepEqual(store.otherLiveRuns(mine), [other]);
    assert.ok(!fs.existsSync(path.join(store.dir, "active", `${gone}.json`)), "the dead run's registration was removed");
    store.unregisterRun(other);
    store.unregisterRun(mine);

    fs.mkdirSync(path.join(store.dir, "locks"), { recursive: true });
    fs.writeFileSync(path.join(store.dir, "locks", `${KEY}.lock`), JSON.stringify({ pid: dead, runId: gone }));
    assert.equal(store.sweepLocks(), false);
    assert.deepEqual(fs.readdirSync(path.join(store.dir, "locks")), []);
    assert.ok(store.tryLock(KEY, mine));
    assert.equal(store.sweepLocks(), true, "a live holder is reported");
    store.unlock(KEY);
  });

  test("paths are only ever derived from valid keys and run ids", (t) => {
    const store = tmpStore(t);
    assert.throws(() => store.readMeta("../../etc/passwd"), /invalid cache key/);
    assert.throws(() => store.runDir("../escape"), /not a run id/);
    assert.throws(() => store.tryLock("zz", "r"), /invalid cache key/);
    const id = newRunId(new Date(Date.UTC(2026, 10, 21, 10, 15, 0)));
    assert.match(id, /^20261121-101500-[0-9a-f]{6}$/);
    assert.ok(isRunId(id));
    assert.ok(!isRunId("20261121-101500-a1b2c3/../x"));
  });

  test("a lock is exclusive; one left by a dead process is taken over", (t) => {
    const store = tmpStore(t);
    assert.ok(store.tryLock(KEY, "run-a"));
    assert.ok(!store.tryLock(KEY, "run-b"), "held by a live process (this one)");
    store.unlock(KEY);
    assert.ok(store.tryLock(KEY, "run-b"));
    store.unlock(KEY);

    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    fs.writeFileSync(path.join(store.dir, "locks", `${KEY}.lock`), JSON.stringify({ pid: dead, runId: "gone" }));
    assert.ok(store.tryLock(KEY, "run-c"), "the dead holder's lock is taken over");
    assert.equal(JSON.parse(fs.readFileSync(path.join(store.dir, "locks", `${KEY}.lock`), "utf8")).pid, process.pid);
  });

  test("runs are listed newest first; corrupt ones skipped; dead running ones shown stopped", (t) => {
    const store = tmpStore(t);
    const record = (id: string, startedAt: string, extra: Partial<RunRecord> = {}): RunRecord => ({
      format: STORE_FORMAT,
      id,
      target: "f.ts#wf",
      paramSets: [{}],
      config: {},
      status: "complete",
      pid: process.pid,
      startedAt,
      nodes: [],
      ...extra,
    });
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    store.writeRun(record("20260101-000000-aaaaaa", "2026-01-01T00:00:00.000Z"));
    store.writeRun(record("20260102-000000-bbbbbb", "2026-01-02T00:00:00.000Z", {
      status: "running",
      pid: dead,
      nodes: [{ id: "n", task: "n", status: "running", fingerprint: "f", deps: [], attempts: 1 }],
    }));
    store.writeRun(record("20260103-000000-cccccc", "2026-01-03T00:00:00.000Z"));
    fs.writeFileSync(path.join(store.runDir("20260103-000000-cccccc"), "run.json"), "{");
    const listed = store.listRuns();
    assert.deepEqual(listed.map((r) => r.id), ["20260102-000000-bbbbbb", "20260101-000000-aaaaaa"]);
    assert.equal(listed[0]!.status, "stopped");
    assert.equal(listed[0]!.interrupted, true);
    assert.equal(listed[0]!.nodes[0]!.status, "stopped");
    assert.equal(store.problems.length, 1);
    assert.match(store.problems[0]!, /20260103-000000-cccccc/);
  });

  test("the store lives in the workspace root unless moved", (t) => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-root-")));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, "package.json"), "{}");
    fs.mkdirSync(path.join(dir, "flows", "deep"), { recursive: true });
    assert.equal(findWorkspaceRoot(path.join(dir, "flows", "deep")), dir);
    assert.equal(resolveStoreDir(dir, "elsewhere"), path.join(dir, "elsewhere"));
    const saved = process.env.FLOWSMITH_STORE;
    try {
      delete process.env.FLOWSMITH_STORE;
      assert.equal(resolveStoreDir(dir), path.join(dir, ".flowsmith"));
      process.env.FLOWSMITH_STORE = "/abs/store";
      assert.equal(resolveStoreDir(dir), "/abs/store");
    } finally {
      if (saved === undefined) delete process.env.FLOWSMITH_STORE;
      else process.env.FLOWSMITH_STORE = saved;
    }
  });
});

describe("store writer: group commit", { concurrency: 1 }, () => {
  const setup = (t: { after(fn: () => void): void }) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-writer-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const store = new Store(path.join(dir, ".flowsmith"));
    const key = (i: number) => contentHash({ i }).slice(0, 64);
    return { store, key };
  };
  /** Writes n outputs (each with a state line) through a writer; checks every one is in place, whole. */
  const writeMany = async (t: { after(fn: () => void): void }, n: number, options: ConstructorParameters<typeof StoreWriter>[0]) => {
    const { store, key } = setup(t);
    const writer = new StoreWriter(options);
    const journal = store.stateJournalPath("f.ts#wf", newRunId());
    const outputs = Array.from({ length: n }, (_, i) => store.prepareOutput(key(i), { i }, { task: "t", fingerprint: "f", createdAt: new Date(0).toISOString(), runId: "r", node: `n${i}`, durationMs: 0 }));
    const done = outputs.map((out, i) =>
      store.commitOutput(out, writer, { journal, line: stateLine({ target: "f.ts#wf", node: `n${i}`, task: "t", status: "complete", fingerprint: "f", runId: "r" }) }),
    );
    await Promise.all(done);
    await writer.close();
    for (let i = 0; i < n; i++) assert.deepEqual(store.readOutput(key(i))?.value, { i }, `output ${i} is in place, whole`);
    const left = fs.readdirSync(path.join(store.dir, "objects"), { recursive: true }).map(String).filter((f) => f.endsWith(".tmp"));
    assert.deepEqual(left, [], "no temp file is left");
    assert.equal(fs.readFileSync(journal, "utf8").trim().split("\n").length, n, "one state line per output");
    assert.deepEqual(store.problems, []);
  };

  test("outputs made durable together by one sync of their file system", (t) => writeMany(t, 300, { grouping: "always" }));

  test("a run's first outputs are written on its own thread, the rest by the writer threads", async (t) => {
    await writeMany(t, 5, {}); // all direct: no worker started
    await writeMany(t, 40, {}); // 16 direct, then the workers
    await writeMany(t, 3, { directObjects: 0, syncCommand: null }); // all through a worker
  });

  test("where the sync program fails or is missing, each output is fdatasynced instead", async (t) => {
    await writeMany(t, 100, { grouping: "always", syncCommand: "/bin/false" });
    await writeMany(t, 100, { grouping: "always", syncCommand: "/nonexistent/sync" });
    await writeMany(t, 40, { syncCommand: null });
  });

  test("an output that cannot be written fails alone; its state line is not written", async (t) => {
    const { store, key } = setup(t);
    const writer = new StoreWriter({ grouping: "always", directObjects: 0 });
    const journal = store.stateJournalPath("f.ts#wf", newRunId());
    const line = (node: string) => stateLine({ target: "f.ts#wf", node, task: "t", status: "complete", fingerprint: "f", runId: "r" });
    const good = store.prepareOutput(key(1), { i: 1 }, meta0("a"));
    const bad = store.prepareOutput(key(2), { i: 2 }, meta0("b"));
    // Its shard is a file, not a directory: the temp file cannot be made.
    fs.mkdirSync(path.join(store.dir, "objects"), { recursive: true });
    fs.writeFileSync(path.join(store.dir, "objects", key(2).slice(0, 2)), "in the way");
    const results = await Promise.allSettled([store.commitOutput(good, writer, { journal, line: line("a") }), store.commitOutput(bad, writer, { journal, line: line("b") })]);
    await writer.close();
    assert.equal(results[0].status, "fulfilled");
    assert.equal(results[1].status, "rejected");
    assert.equal(writer.charsInFlight, 0, "stored or failed, neither is in flight any more");
    assert.deepEqual(store.readOutput(key(1))?.value, { i: 1 });
    const nodes = fs.readFileSync(journal, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { state: NodeState }).state.node);
    assert.deepEqual(nodes, ["a"], "only the stored output's state");
  });

  test("when the writer thread dies, what waits for it fails and none of it stays counted in flight", async (t) => {
    const { store, key } = setup(t);
    // A sync that takes 5 s: the outputs are still waiting for it when the thread is ended.
    const slowSync = path.join(store.dir, "..", "slow-sync.sh");
    fs.writeFileSync(slowSync, "#!/bin/sh\nsleep 5\n", { mode: 0o755 });
    const writer = new StoreWriter({ grouping: "always", directObjects: 0, syncCommand: slowSync });
    const out = store.prepareOutput(key(1), { i: 1 }, meta0("a"));
    const pending = store.commitOutput(out, writer);
    writer.flush();
    assert.ok(writer.charsInFlight > 0, "the output is in flight");
    await new Promise((r) => setTimeout(r, 300));
    const worker = (writer as unknown as { workers: ({ terminate(): Promise<number> } | undefined)[] }).workers[0];
    assert.ok(worker, "a worker took the output");
    await worker.terminate();
    await assert.rejects(pending, /store writer stopped/);
    assert.equal(writer.charsInFlight, 0, "the engine would otherwise hold new tasks back for good");
    assert.equal(store.readOutput(key(1)), undefined, "nothing incomplete looks complete");
    // What is asked afterwards is written by a new thread, not left waiting on the dead one.
    const again = store.prepareOutput(key(3), { i: 3 }, meta0("c"));
    const stored = store.commitOutput(again, writer);
    writer.flush();
    await Promise.race([stored, new Promise((_, reject) => setTimeout(() => reject(new Error("never answered")), 30_000).unref())]);
    await writer.close();
    assert.deepEqual(store.readOutput(key(3))?.value, { i: 3 });
  });
  const meta0 = (node: string) => ({ task: "t", fingerprint: "f", createdAt: new Date(0).toISOString(), runId: "r", node, durationMs: 0 });
});

test("a run killed while writing its registration: the next run's sweep removes that temp file, a live writer's stays", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-sweep-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const store = new Store(dir);
  const active = path.join(dir, "active");
  fs.mkdirSync(active, { recursive: true });
  // A pid that is not running: a child that has exited.
  const gone = spawnSync(process.execPath, ["-e", ""]).pid;
  const dead = `${newRunId()}.json.${gone}.1.tmp`;
  const live = `${newRunId()}.json.${process.pid}.1.tmp`;
  fs.writeFileSync(path.join(active, dead), "{\"pid\":");
  fs.writeFileSync(path.join(active, live), "{\"pid\":");
  store.sweepTemp();
  assert.deepEqual(fs.readdirSync(active).sort(), [live]);
});

test("a run's registration is written through tmp/ (named by its pid, swept when it is gone) and renamed into active/", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-register-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const store = new Store(dir);
  const runId = newRunId();
  store.registerRun(runId);
  assert.deepEqual(fs.readdirSync(path.join(dir, "active")), [`${runId}.json`]);
  assert.deepEqual(fs.readdirSync(path.join(dir, "tmp")), [], "no temp file left");
  assert.deepEqual(store.liveRuns(), [runId]);
  // What a kill between the write and the rename leaves: a temp file in tmp/ that names a dead pid.
  const gone = spawnSync(process.execPath, ["-e", ""]).pid;
  fs.writeFileSync(path.join(dir, "tmp", `${gone}.${newRunId()}.active.tmp`), "{\"pid\":");
  store.sweepTemp();
  assert.deepEqual(fs.readdirSync(path.join(dir, "tmp")), []);
  store.unregisterRun(runId);
});
