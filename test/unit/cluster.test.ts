/**
 * Issue 20, the cluster: a real redis-server (test/helpers/redis.ts, a free port of 127.0.0.1) and
 * real `flowsmith worker` processes. Runs go through the cluster with the outputs and cache keys of
 * a local run; stop reaches a running node on its worker; two runs sharing a node compute it once;
 * a worker killed with -9 mid-node loses nothing (20 trials); an unreachable Redis is one line,
 * exit 2; a Redis restart mid-run ends the run within a bound; `workers` lists the live workers.
 * Outcomes are asserted, never times; every wait is bounded.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { WorkerInfo } from "@flowsmith/contract";
import { auditStore } from "../fixtures/reliability/audit.ts";
import { freePort, redisAvailable, startRedis, type RedisServer } from "../helpers/redis.ts";
import { assertCleanError, assertExit, makeWorkspace, ndjson, REPO, tally, waitFor, type CliResult, type RunningCli, type Workspace } from "./helpers/workspace.ts";

const TRIALS = Number(process.env.FLOWSMITH_CLUSTER_KILL_TRIALS ?? 20);
/** Workers' job locks: a killed worker's node is run again after about this long. */
const WORKER_ENV = { FLOWSMITH_CLUSTER_LOCK_MS: "1200" };
const FLOWS = fs.readFileSync(path.join(REPO, "test/fixtures/cluster/flows.ts"), "utf8");

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

const alive = (c: RunningCli) => c.child.exitCode === null && c.child.signalCode === null;

describe("cluster: BullMQ on a real Redis, with worker processes", { skip: !redisAvailable() && "redis-server is not installed (.ci/run installs it)" }, () => {
  let redis: RedisServer;
  let ws: Workspace;
  const workers: RunningCli[] = [];

  const startWorker = () => {
    const w = ws.start(["worker", "--cluster", redis.url, "--concurrency", "2"], { env: WORKER_ENV });
    workers.push(w);
    return w;
  };
  const live = () => workers.filter(alive);
  const listWorkers = async (): Promise<WorkerInfo[]> => {
    const res = await ws.cli(["workers", "--cluster", redis.url, "--format", "json"]);
    assertExit(res, 0, "workers");
    return JSON.parse(res.stdout) as WorkerInfo[];
  };
  /** Until every live worker process has its heartbeat in Redis. */
  const workersUp = () =>
    waitFor(async () => {
      const pids = new Set((await listWorkers()).map((w) => w.pid));
      return live().every((w) => pids.has(w.child.pid!));
    }, "every worker's heartbeat", 60_000, 300);
  const run = (args: string[], env?: NodeJS.ProcessEnv) => ws.cli(["run", ...args, "--cluster", redis.url, "--no-check"], { timeoutMs: 120_000, ...(env ? { env } : {}) });

  before(async () => {
    redis = await startRedis();
    ws = makeWorkspace();
    ws.write("flows.ts", FLOWS);
    for (let i = 0; i < 3; i++) startWorker();
    await workersUp();
  });

  after(async () => {
    for (const w of workers) if (alive(w)) w.child.kill("SIGKILL");
    await Promise.all(workers.map((w) => within(w.done, 10_000, "a worker's exit").catch(() => {})));
    await redis?.stop();
    ws?.cleanup();
  });

  test("a run through the cluster completes with the outputs and cache keys of a local run; retries, logs, progress and workers flow back", async () => {
    const local = await ws.cli(["run", "flows.ts#basic", "--store", "local", "--config", "describe.k=v", "--no-check"]);
    assertExit(local, 0, "local run");
    const res = await run(["flows.ts#basic", "--store", "clustered", "--config", "describe.k=v", "--events", "ndjson"]);
    assertExit(res, 0, "cluster run");
    const events = ndjson(res.stdout);
    const record = async (store: string) => {
      const r = await ws.cli(["runs", "--format", "json", "--store", store]);
      assertExit(r, 0, "runs");
      return (JSON.parse(r.stdout) as any[])[0];
    };
    const [a, b] = [await record("local"), await record("clustered")];
    assert.equal(b.status, "complete");
    assert.deepEqual(b.outputs, a.outputs, "the same outputs");
    assert.deepEqual(b.outputs, [{ line: "5 rows, total 30", attempt: 2 }]);
    const keys = (r: any) => Object.fromEntries(r.nodes.map((n: any) => [n.id, n.cacheKey]));
    assert.deepEqual(keys(b), keys(a), "the same cache keys");
    const pids = new Set(live().map((w) => w.child.pid));
    for (const n of b.nodes) assert.ok(n.worker && pids.has(Number(n.worker.split(":")[1])), `${n.id} ran on a worker: ${n.worker}`);
    const started = events.filter((e) => e.type === "node-started");
    assert.ok(started.every((e) => typeof e.worker === "string"), "node-started names the worker");
    assert.deepEqual(started.filter((e) => e.node === "flaky").map((e) => e.attempt), [1, 2], "the retry is an attempt of the same job");
    const logs = events.filter((e) => e.type === "node-log").map((e) => `${e.node}: ${e.line}`);
    assert.ok(logs.includes("load: loading 5"), logs.join("\n"));
    assert.ok(logs.some((l) => /^flaky: attempt 1 failed: the first try fails/.test(l)), logs.join("\n"));
    assert.ok(logs.includes("flaky: retrying (1/2)"), logs.join("\n"));
    assert.ok(events.some((e) => e.type === "node-progress" && e.node === "load" && e.fraction === 0.5));
    const loadLog = b.nodes.find((n: any) => n.id === "load").log;
    assert.ok(fs.readFileSync(ws.path(`clustered/runs/${b.id}/logs/${loadLog}`), "utf8").includes("loading 5"), "the node's log is in the store");
    // Complete in the cluster's store: nothing runs again.
    const again = await run(["flows.ts#basic", "--store", "clustered", "--events", "ndjson"]);
    assertExit(again, 0, "second run");
    assert.equal(ndjson(again.stdout).filter((e) => e.type === "node-started").length, 0);
  });

  test("workers --format json lists the live workers with their running nodes; stop reaches a running node on its worker", async () => {
    fs.rmSync(ws.path("aborted.txt"), { force: true });
    const running = ws.start(["run", "flows.ts#stoppable", "-p", "tag=stop1", "--cluster", redis.url, "--no-check", "--events", "ndjson"]);
    const [, worker] = await running.waitForLine(/"type":"node-started".*"node":"forever".*"worker":"([^"]+)"/, 60_000);
    const listed = await waitFor(async () => (await listWorkers()).find((w) => w.running.some((r) => r.node === "forever")), "the worker's heartbeat showing its node", 30_000, 300);
    assert.equal(listed.id, worker);
    assert.ok(live().some((w) => w.child.pid === listed.pid));
    assert.equal(listed.concurrency, 2);
    assert.equal(listed.running[0]!.task, "forever");
    assert.match(listed.store, /\.flowsmith$/);
    running.child.kill("SIGINT");
    const res = await within(running.done, 60_000, "the stopped run's exit");
    assert.equal(res.code, 130, res.stderr);
    assert.match(ws.read("aborted.txt"), /^stop1: /, "the task's ctx.signal fired on its worker");
    const finished = ndjson(res.stdout).find((e) => e.type === "node-finished" && e.node === "forever");
    assert.equal(finished?.status, "stopped");
    await waitFor(async () => (await listWorkers()).every((w) => w.running.length === 0), "no node running any more", 30_000, 300);
  });

  test("two concurrent runs sharing a node compute it once (its job id is its cache key)", async () => {
    fs.rmSync(ws.path("go"), { force: true });
    fs.rmSync(ws.path("go2"), { force: true });
    const names = () => tally(ws.counter().map((l) => l.split(" ")[0]!));
    const before = names();
    // Two stores: nothing but the job id keeps the second run from computing a node again. Each node
    // is held open until both runs have joined its job (a finished job is removed, so a run that
    // came after it had finished would queue it anew: that is not what this test is about).
    const one = ws.start(["run", "flows.ts#sharedHeld", "-p", "seed=7", "--store", "s1", "--cluster", redis.url, "--no-check"]);
    const two = ws.start(["run", "flows.ts#sharedHeld", "-p", "seed=7", "--store", "s2", "--cluster", redis.url, "--no-check"]);
    await one.waitForLine(/^\[gated\] started/, 60_000);
    await two.waitForLine(/^\[gated\] started/, 60_000);
    ws.write("go", "");
    await one.waitForLine(/^\[after-gated\] started/, 60_000);
    await two.waitForLine(/^\[after-gated\] started/, 60_000);
    ws.write("go2", "");
    const [r1, r2] = await within(Promise.all([one.done, two.done]), 90_000, "both runs");
    assertExit(r1 as CliResult, 0, "first run");
    assertExit(r2 as CliResult, 0, "second run");
    const now = names();
    assert.equal((now.gated7 ?? 0) - (before.gated7 ?? 0), 1, "the shared gated node ran once");
    assert.equal((now["after-gated"] ?? 0) - (before["after-gated"] ?? 0), 1, "its downstream node ran once");
  });

  test(`a worker killed with -9 mid-node loses nothing (${TRIALS} trials): the node runs again elsewhere, its output is committed once`, { timeout: 900_000 }, async () => {
    const problems: string[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const seed = 1000 + i;
      const store = `kill${i}`;
      const running = ws.start(["run", "flows.ts#chain", "-p", `seed=${seed}`, "--store", store, "--cluster", redis.url, "--no-check", "--events", "ndjson"]);
      const victim = i % 2 === 0 ? "source" : "part-[abc]";
      const [, node, worker] = await running.waitForLine(new RegExp(`"type":"node-started".*"node":"(${victim})".*"worker":"([^"]+)"`), 60_000);
      const pid = Number(worker!.split(":")[1]);
      const w = workers.find((x) => x.child.pid === pid);
      assert.ok(w && alive(w), `trial ${i}: ${node} runs on a worker of this test (${worker})`);
      w.child.kill("SIGKILL");
      startWorker();
      const res = await within(running.done, 120_000, `trial ${i}: the run after the kill`);
      const events = ndjson(res.stdout);
      const finished = events.filter((e) => e.type === "node-finished");
      const done = tally(finished.filter((e) => e.status === "complete").map((e) => e.node));
      const expected = { source: 1, "part-a": 1, "part-b": 1, "part-c": 1, merge: 1 };
      if (res.code !== 0 || finished.length !== 5 || Object.keys(expected).some((k) => done[k] !== 1)) {
        problems.push(`trial ${i}: exit ${res.code}, finished ${JSON.stringify(finished.map((e) => [e.node, e.status]))}\n${res.stderr}`);
        continue;
      }
      const again = events.filter((e) => e.type === "node-started" && e.node === node);
      if (!again.some((e) => e.worker !== worker)) problems.push(`trial ${i}: ${node} was not run again on another worker: ${JSON.stringify(again)}`);
      // One output per node in the store, every state complete, nothing half-written.
      const audit = auditStore(ws.path(store), { settled: true });
      if (audit.length) problems.push(`trial ${i}: ${audit.join("; ")}`);
      const objects = fs.readdirSync(ws.path(`${store}/objects`), { recursive: true }).filter((f) => String(f).endsWith(".json"));
      if (objects.length !== 5) problems.push(`trial ${i}: ${objects.length} outputs in the store, not 5`);
      const r = JSON.parse((await ws.cli(["runs", "--format", "json", "--store", store])).stdout) as any[];
      if (r.length !== 1 || r[0].status !== "complete" || r[0].nodes.some((n: any) => n.status !== "complete")) problems.push(`trial ${i}: run record ${JSON.stringify(r[0]?.nodes?.map((n: any) => n.status))}`);
      // The killed worker's heartbeat goes on its own; keep three live workers with a heartbeat.
      await workersUp();
    }
    assert.deepEqual(problems, []);
  });

  test("an unreachable cluster is one line naming it, exit 2, for run and workers (and FLOWSMITH_CLUSTER)", async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const named = new RegExp(url.replace(/[/.]/g, "\\$&"));
    assertCleanError(await ws.cli(["run", "flows.ts#basic", "--cluster", url, "--no-check"]), named);
    assertCleanError(await ws.cli(["run", "flows.ts#basic", "--no-check"], { env: { FLOWSMITH_CLUSTER: url } }), named);
    assertCleanError(await ws.cli(["workers", "--cluster", url]), named);
    assertCleanError(await ws.cli(["workers"]), /needs a cluster/);
  });

  test("Redis restarted mid-run: the run still ends, complete or with a clear failure, and the workers carry on", async () => {
    fs.rmSync(ws.path("go"), { force: true });
    const running = ws.start(["run", "flows.ts#shared", "-p", "seed=99", "--store", "restart", "--cluster", redis.url, "--no-check", "--events", "ndjson"], {
      env: { FLOWSMITH_CLUSTER_LOST_MS: "20000" },
    });
    await running.waitForLine(/"type":"node-started".*"node":"gated"/, 60_000);
    await redis.restart();
    ws.write("go", "");
    const res = await within(running.done, 90_000, "the run after a Redis restart");
    const end = ndjson(res.stdout).find((e) => e.type === "run-finished");
    assert.ok(end, `the run finished:\n${res.stdout}\n${res.stderr}`);
    if (end.status === "complete") assertExit(res, 0, "run after the restart");
    else assert.match(res.stdout + res.stderr, /Redis|cluster/, "a failure says why");
    assert.equal(live().length, 3, "no worker exited");
    for (const w of live()) assert.ok(w.stderr.split("\n").filter((l) => /cannot reach the cluster's Redis/.test(l)).length <= 1, `one line per outage:\n${w.stderr}`);
    // The workers reconnected: a new run goes through.
    await workersUp();
    const next = await run(["flows.ts#shared", "-p", "seed=100", "--store", "restart"]);
    assertExit(next, 0, "a run after the restart");
  });
});
