/**
 * `flowsmith run --workers N` (engine/executors/processPool.ts, worker/child.ts): nodes' tasks in
 * N worker processes. A task that exits, throws outside its promise, runs out of memory or is
 * killed fails only its own node with one line, and the run goes on; retries recover a flaky one;
 * stop and timeouts reach tasks across the boundary, and one that ignores them loses its process;
 * the context crosses (log, progress, config, ids) and stdout stays the events'; outputs are
 * stored exactly as a run in one process stores them (same cache keys, either way round).
 * Real processes throughout, through the built CLI; outcomes and order, never wall-clock bounds.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { assertCleanError, assertExit, makeWorkspace, ndjson, REPO, waitFor, type Workspace } from "./helpers/workspace.ts";

const FIXTURE = path.join(REPO, "test/fixtures/workers/workers.ts");
const T = { timeout: 180_000 };

function workspace(t: { after(fn: () => void): void }): Workspace {
  const ws = makeWorkspace(t);
  ws.write("workers.ts", fs.readFileSync(FIXTURE, "utf8"));
  return ws;
}

/** A run with --events ndjson (no static check: these flows fail on purpose). */
async function run(ws: Workspace, target: string, args: string[], env?: NodeJS.ProcessEnv) {
  const res = await ws.cli(["run", `workers.ts#${target}`, "--no-check", "--events", "ndjson", ...args], env ? { env } : {});
  const events = ndjson(res.stdout);
  const finished = new Map<string, Record<string, any>>();
  for (const e of events) if (e.type === "node-finished") finished.set(e.variant === undefined ? e.node : `${e.node}@${e.variant}`, e);
  const runId = events[0]?.runId as string;
  const record = JSON.parse(ws.read(path.join(".flowsmith/runs", runId, "run.json"))) as Record<string, any>;
  return { res, events, finished, record, runId };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function logOf(ws: Workspace, runId: string, record: Record<string, any>, node: string): string {
  const n = (record.nodes as Record<string, any>[]).find((x) => x.id === node)!;
  return ws.read(path.join(".flowsmith/runs", runId, "logs", n.log));
}

describe("run --workers N", () => {
  test("a bad --workers value is one line, exit 2", async (t) => {
    const ws = workspace(t);
    for (const bad of ["0", "-1", "1.5", "two", ""]) {
      const res = await ws.cli(["run", "workers.ts#pids", "--no-check", "--workers", bad]);
      assertCleanError(res, /--workers must be a whole number ≥ 1/);
    }
  });

  test("the tasks run in exactly N processes, none of them the run's", T, async (t) => {
    const ws = workspace(t);
    for (const n of [2, 3]) {
      const { res, events, record } = await run(ws, "pids", ["--workers", String(n), "--concurrency", "6", "--force-all"]);
      assertExit(res, 0);
      const runner = events[0]!.pid as number;
      const seen = new Set<number>(record.outputs[0].all);
      assert.equal(seen.size, n, `${n} workers: pids ${[...seen]}`);
      assert.ok(!seen.has(runner), "not in the run's own process");
      for (const node of record.nodes) assert.match(node.worker, /^local:\d+$/, `${node.id} records where it ran`);
      assert.deepEqual(new Set(record.nodes.map((x: { worker: string }) => Number(x.worker.slice(6)))), seen);
    }
  });

  test("exit, a throw, an uncaught error: each fails only its node with one line; neighbours complete; retries recover", T, async (t) => {
    const ws = workspace(t);
    const { res, finished, record, runId } = await run(ws, "crashes", ["--workers", "2", "--concurrency", "8"]);
    assertExit(res, 1);
    const error = (node: string) => finished.get(node)?.error as string;
    assert.equal(finished.get("exits")?.status, "failed");
    assert.match(error("exits"), /^worker process \d+ exited with code 3 while running exits \(the task called process\.exit\)$/);
    assert.equal(finished.get("throws")?.status, "failed");
    assert.match(error("throws"), /^boom from a task \(at workers\.ts:\d+\)$/, "a thrown error reads as in one process");
    assert.equal(finished.get("late")?.status, "failed");
    assert.match(error("late"), /^worker process \d+ crashed while running late: uncaught late boom \(at workers\.ts:\d+\)$/);
    assert.equal(finished.get("flaky")?.status, "complete");
    assert.equal(finished.get("flaky")?.attempts, 2);
    assert.match(logOf(ws, runId, record, "flaky"), /^attempt 1 failed: worker process \d+ exited with code 4 while running flaky \(the task called process\.exit\)\nretrying \(1\/1\)\n/);
    for (const id of ["calm", "calm#2", "calm#3"]) assert.equal(finished.get(id)?.status, "complete", `${id}: ${error(id)}`);
    assert.deepEqual(record.nodes.filter((n: { status: string }) => n.status === "failed").map((n: { id: string }) => n.id).sort(), ["exits", "late", "throws"]);
    // Neighbours that shared a process with a crash were run again elsewhere, and said so.
    for (const id of ["calm", "calm#2", "calm#3"]) {
      const log = logOf(ws, runId, record, id);
      if (log) assert.match(log, /^(worker process \d+ .*: running calm(#\d)? again in another worker process\n)+$/);
    }
    assert.doesNotMatch(res.stderr, /internal error|\n\s{4}at /);
  });

  test("out of memory and kill -9 fail only their node; the process is replaced and the run goes on", T, async (t) => {
    const ws = workspace(t);
    const cli = ws.start(["run", "workers.ts#hard", "--no-check", "--events", "ndjson", "--workers", "2", "--concurrency", "2"], {
      env: { FLOWSMITH_WORKER_MAX_OLD_SPACE_MB: "48" },
    });
    const victim = Number(await waitFor(() => fs.existsSync(ws.path("victim.pid")) && ws.read("victim.pid"), "the victim's pid"));
    process.kill(victim, "SIGKILL");
    const res = await cli.done;
    assertExit(res, 1);
    const events = ndjson(res.stdout);
    const finished = new Map(events.filter((e) => e.type === "node-finished").map((e) => [e.node, e]));
    assert.match(finished.get("hog")?.error, /^worker process \d+ ran out of memory \(heap limit 48 MB\) while running hog$/);
    assert.equal(finished.get("victim")?.error, `worker process ${victim} was killed by SIGKILL while running victim`);
    assert.equal(finished.get("calm")?.status, "complete");
    assert.equal(finished.get("afterwards")?.status, "complete");
    const runner = events[0]!.pid as number;
    const record = JSON.parse(ws.read(path.join(".flowsmith/runs", events[0]!.runId, "run.json")));
    const ranOn = new Set(record.nodes.map((n: { worker: string }) => n.worker));
    assert.ok(!ranOn.has(`local:${runner}`));
    assert.ok(!ranOn.has(`local:${victim}`) || record.nodes.find((n: { id: string }) => n.id === "victim").worker === `local:${victim}`);
    assert.notEqual(record.nodes.find((n: { id: string }) => n.id === "afterwards").worker, `local:${victim}`, "a new process took the killed one's place");
  });

  test("stop reaches tasks across the boundary; a CPU-bound task that ignores it loses its process", T, async (t) => {
    const ws = workspace(t);
    const cli = ws.start(["run", "workers.ts#stoppable", "--no-check", "--events", "ndjson", "--workers", "2"]);
    const spinner = Number(await waitFor(() => fs.existsSync(ws.path("spinner.pid")) && ws.read("spinner.pid"), "the spinner's pid"));
    await cli.waitForLine(/"node-started".*"node":"polite"/);
    assert.ok(alive(spinner));
    cli.child.kill("SIGINT");
    const res = await cli.done;
    assertExit(res, 130);
    const events = ndjson(res.stdout);
    const finished = new Map(events.filter((e) => e.type === "node-finished").map((e) => [e.node, e]));
    assert.equal(finished.get("spinner")?.status, "stopped");
    assert.equal(finished.get("polite")?.status, "stopped");
    assert.ok(events.some((e) => e.type === "node-log" && e.node === "polite" && e.line === "aborted: the run was stopped"), "ctx.signal fired in the worker with the run's reason");
    await waitFor(() => !alive(spinner), `worker process ${spinner} to be gone`, 10_000);
  });

  test("a timeout aborts the task; one that ignores it loses its process past the grace period; the run goes on", T, async (t) => {
    const ws = workspace(t);
    const { res, finished } = await run(ws, "timeouts", ["--workers", "2"]);
    assertExit(res, 1);
    assert.equal(finished.get("slowpoke")?.error, "timed out after 1500 ms");
    assert.equal(finished.get("afterwards")?.status, "complete");
    const pid = Number(ws.read("slowpoke.pid"));
    await waitFor(() => !alive(pid), `worker process ${pid} to be gone`, 10_000);
  });

  test("log, progress, config and ids cross the boundary; the workers' own output goes to stderr, never into the events", T, async (t) => {
    const ws = workspace(t);
    const { res, events, record, runId } = await run(ws, "context", ["--workers", "1", "--config", "chatty.key=v"]);
    assertExit(res, 0);
    const mine = events.filter((e) => e.node === "chatty");
    assert.deepEqual(
      mine.map((e) => e.type),
      ["node-started", "node-log", "node-progress", "node-progress", "node-finished"],
    );
    assert.equal(mine[1]!.line, 'config {"key":"v"} node chatty attempt 1');
    assert.deepEqual(mine.filter((e) => e.type === "node-progress").map((e) => e.fraction), [0.25, 0.75]);
    assert.deepEqual(record.outputs[0].c, { n: 7, runId, key: "v" });
    assert.equal(logOf(ws, runId, record, "chatty"), 'config {"key":"v"} node chatty attempt 1\n');
    assert.match(res.stderr, /^\[worker \d+\] console noise from chatty$/m);
    assert.match(res.stderr, /^\[worker \d+\] stderr noise from chatty$/m);
  });

  test("outputs and cache keys are the same in worker processes and in one process, either way round", T, async (t) => {
    const a = workspace(t);
    const b = workspace(t);
    const inWorkers = await run(a, "values", ["--workers", "2"]);
    assertExit(inWorkers.res, 0);
    const thenHere = await run(a, "values", []);
    assertExit(thenHere.res, 0);
    assert.equal(thenHere.record.summary.completeEncountered, 2, "complete without --workers");
    const here = await run(b, "values", []);
    assertExit(here.res, 0);
    const thenInWorkers = await run(b, "values", ["--workers", "2"]);
    assertExit(thenInWorkers.res, 0);
    assert.equal(thenInWorkers.record.summary.completeEncountered, 2, "complete with --workers");
    assert.deepEqual(inWorkers.record.outputs, here.record.outputs);
    const keys = (r: Record<string, any>) => r.nodes.map((n: { id: string; cacheKey: string }) => `${n.id}=${n.cacheKey}`);
    assert.deepEqual(keys(inWorkers.record), keys(here.record));
    for (const n of inWorkers.record.nodes) {
      const file = (ws: Workspace) => fs.readdirSync(ws.path(".flowsmith/objects"), { recursive: true }).map(String).find((f) => f.includes(n.cacheKey))!;
      const data = (ws: Workspace) => ws.read(path.join(".flowsmith/objects", file(ws))).split("\n")[1];
      assert.equal(data(a), data(b), `${n.id}: the same stored data`);
    }
    // Refused outputs: the same message as in one process.
    const refusedHere = await run(b, "refused", []);
    const refusedThere = await run(a, "refused", ["--workers", "2"]);
    for (const node of ["bad42", "badDate", "badFn", "badNaN"]) {
      assert.equal(refusedThere.finished.get(node)?.status, "failed");
      assert.equal(refusedThere.finished.get(node)?.error, refusedHere.finished.get(node)?.error, node);
    }
  });

  test("a matrix runs its variants across the workers", T, async (t) => {
    const ws = workspace(t);
    const { res, record, events } = await run(ws, "squares", ["--workers", "2", "--matrix", "n=1,2,3,4"]);
    assertExit(res, 0);
    assert.deepEqual(record.outputs, [{ sq: 1 }, { sq: 4 }, { sq: 9 }, { sq: 16 }]);
    const runner = events[0]!.pid as number;
    for (const n of record.nodes) assert.notEqual(n.worker, `local:${runner}`);
  });
});
