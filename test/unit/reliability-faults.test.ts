/**
 * Issue 7, faults in runs (kill -9 is in reliability-kill.test.ts, corrupt store records in
 * reliability-records.test.ts): a task that throws, one that hangs past its timeout, one that
 * ignores its abort signal on stop, one that blocks the event loop (which `flowsmith stop` kills
 * after its grace period), one that writes huge logs, runs of one workflow at once, and a full disk
 * (a small tmpfs as the store). After every scenario the store is audited: nothing partial is
 * marked complete, every record parses, no temp file or lock is left behind.
 *
 * Prints "fault scenarios: N, corrupt stores found: M".
 *
 * Runs pass --no-check: what is measured is the engine under faults (time bounds, the runner's
 * memory), not the pre-run check (run-check.test.ts).
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { Store } from "../../runtime/src/store/store.ts";
import type { RunRecord } from "@flowsmith/contract";
import { auditStore, objectFile } from "../fixtures/reliability/audit.ts";
import {
  CLI,
  waitFor,
  assertExit,
  makeWorkspace,
  ndjson,
  preview,
  runIdOf,
  runOk,
  runs,
  startedNodes,
  statuses,
  tally,
  type CliResult,
  type Workspace,
} from "./helpers/workspace.ts";

const FAULTS = "faults.ts";
/** throws, hangs, ignores its signal, blocks the event loop, 3 × huge logs, a slow reader, concurrent runs, 2 × full disk. */
const SCENARIOS = 11;
const GRACE_MS = 1000; // the engine's grace for a task that ignores its signal (docs/decisions.md)
const STOP_GRACE_MS = 5000; // `flowsmith stop`'s wait before it kills a runner (README)

// ---- bookkeeping ---------------------------------------------------------------------------------

/** Scenarios that started, with what the audits of their stores found. */
const scenarios = new Map<string, string[]>();
const skipped: string[] = [];

/** Record a scenario's audit; fails the test when the store is not sound. */
function recordAudit(name: string, problems: string[]): void {
  scenarios.set(name, [...(scenarios.get(name) ?? []), ...problems]);
  assert.deepEqual(problems, [], `${name}: the store is not sound`);
}

// ---- helpers -------------------------------------------------------------------------------------

function faultsWorkspace(t: { after(fn: () => void): void }): Workspace {
  const ws = makeWorkspace(t);
  ws.fixture("../reliability/faults.ts", FAULTS);
  return ws;
}

/** No crash: no internal error, no stack trace. */
function assertNoCrash(res: CliResult, what: string): void {
  assert.doesNotMatch(res.stderr, /internal error/, `${what}: ${res.stderr}`);
  assert.doesNotMatch(res.stderr + res.stdout, /\n\s{4}at /, `${what}: a stack trace\n${res.stderr}`);
  assert.equal(res.signal, null, `${what}: killed by ${res.signal}`);
}

function runRecord(ws: Workspace, runId: string, storeDir = ws.path(".flowsmith")): RunRecord {
  return JSON.parse(fs.readFileSync(path.join(storeDir, "runs", runId, "run.json"), "utf8")) as RunRecord;
}

function nodeRecord(run: RunRecord, id: string) {
  const n = run.nodes.find((x) => x.id === id);
  assert.ok(n, `run ${run.id} has no node ${id}`);
  return n;
}

/** Peak resident memory of a process so far (VmHWM, in MB), or undefined once it is gone. */
function peakRssMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

// ---- scenarios -----------------------------------------------------------------------------------

describe("issue 7: faults in runs", { concurrency: true }, () => {
  describe("tasks that misbehave, runs that collide", { concurrency: 4 }, () => {
    test("a task that throws: it fails, its downstream is skipped, its sibling completes, the store is sound", async (t) => {
      const ws = faultsWorkspace(t);
      const target = `${FAULTS}#throwing`;
      const res = await ws.cli(["run", "--no-check", target]);
      assertExit(res, 1, "the failed run");
      assertNoCrash(res, "run");
      assert.match(res.stdout, /^\[boom\] FAILED.*task exploded with n=1/m);
      assert.match(res.stdout, /^\[after-boom\] SKIPPED/m);
      assert.match(res.stdout, /^\[sibling\] COMPLETE/m);
      assert.deepEqual(tally(ws.read("ran.log").split("\n").filter(Boolean)), { start: 1, boom: 1, sibling: 1 }, "after-boom never ran");

      const run = runRecord(ws, runIdOf(res.stdout));
      assert.equal(run.status, "failed");
      assert.equal(nodeRecord(run, "boom").status, "failed");
      assert.match(nodeRecord(run, "boom").error ?? "", /task exploded with n=1/);
      assert.equal(nodeRecord(run, "after-boom").status, "skipped");
      assert.equal(nodeRecord(run, "sibling").status, "complete");
      assert.equal(run.outputs, undefined, "a failed run has no workflow outputs");

      const nodes = await preview(ws, target);
      assert.equal(nodes.get("boom")!.status, "failed");
      assert.equal(nodes.get("after-boom")!.status, "pending");
      assert.ok(!fs.existsSync(objectFile(ws.path(".flowsmith"), nodes.get("boom")!.cacheKey!)), "no output of the failed node");
      recordAudit("task throws", auditStore(ws.path(".flowsmith"), { settled: true }));

      // A failure is not cached: the next run tries boom again, and only boom.
      const again = await ws.cli(["run", "--no-check", target]);
      assertExit(again, 1);
      assert.deepEqual(startedNodes(again.stdout), ["boom"]);
    });

    test("a task that hangs past its timeoutMs (ignoring its signal): failed 'timed out' after timeout + grace, and the runner leaves", async (t) => {
      const ws = faultsWorkspace(t);
      // What a quick run of this workspace takes on this machine now (a busy machine stretches
      // every run alike): the bounds below are wide multiples of it, not fixed times.
      const baseline = await ws.cli(["run", "--no-check", `${FAULTS}#throwing`], { timeoutMs: 60_000 });
      assertExit(baseline, 1, "the baseline run");
      const target = `${FAULTS}#hanging`;
      // The task never settles (and keeps the event loop busy): a runner that waited for it would
      // be killed here, and fail the exit check.
      const res = await ws.cli(["run", "--no-check", target], { timeoutMs: 60_000 });
      assertExit(res, 1, "the timed-out run");
      assertNoCrash(res, "run");
      assert.match(res.stdout, /^\[hang\] FAILED.*timed out after 300 ms/m);
      assert.match(res.stdout, /^\[after-hang\] SKIPPED/m);
      const run = runRecord(ws, runIdOf(res.stdout));
      const hang = nodeRecord(run, "hang");
      assert.equal(hang.status, "failed");
      assert.match(hang.error ?? "", /timed out/);
      assert.equal(nodeRecord(run, "after-hang").status, "skipped");
      assert.equal((await statuses(ws, target)).hang, "failed");
      recordAudit("task hangs past its timeout", auditStore(ws.path(".flowsmith"), { settled: true }));
      // It was given up on once its timeout and the grace period had passed, not before (less a
      // few ms: timers round to the millisecond).
      assert.ok(hang.durationMs! >= 300 + GRACE_MS - 10, `hang failed after ${hang.durationMs} ms, before its timeout and grace period`);
      // …and not much later: a few quick runs' time at most (a grace period far longer than
      // GRACE_MS, or a wait for the task, would show here).
      const room = 5 * baseline.durationMs;
      assert.ok(hang.durationMs! < 300 + GRACE_MS + room, `hang failed after ${hang.durationMs} ms: more than timeout + grace + ${room} ms (5 × a quick run)`);
      // The runner does not wait for the hung task: it leaves once the run is recorded.
      assert.ok(res.durationMs < hang.durationMs! + room, `the runner took ${res.durationMs} ms, its hung node ${hang.durationMs} ms, a quick run ${baseline.durationMs} ms`);
    });

    test("a task that ignores its abort signal on stop: the run still ends, recorded stopped; a rerun completes", async (t) => {
      const ws = faultsWorkspace(t);
      const target = `${FAULTS}#stubborn`;
      ws.write("release.flag", "");
      const runner = ws.start(["run", "--no-check", target]);
      const [, runId] = await runner.waitForLine(/^run (\d{8}-\d{6}-[0-9a-f]{6}) /);
      await runner.waitForLine(/^\[stubborn\] stubborn: working/);
      const stopAt = Date.now();
      const stop = await ws.cli(["stop", runId!]);
      assertExit(stop, 0, "stop");
      assert.match(stop.stdout, new RegExp(`stopped run ${runId}`));
      const res = await runner.done;
      const took = Date.now() - stopAt;
      assertExit(res, 130, "the stopped runner");
      assertNoCrash(res, "runner");
      assert.match(res.stdout, new RegExp(`run ${runId} STOPPED`));

      const run = runRecord(ws, runId!);
      assert.equal(run.status, "stopped");
      assert.equal(run.interrupted, undefined, "the runner recorded its own stop");
      assert.equal(nodeRecord(run, "stubborn").status, "stopped");
      assert.equal(nodeRecord(run, "after-stubborn").status, "pending");
      const nodes = await preview(ws, target);
      assert.equal(nodes.get("stubborn")!.status, "stopped");
      assert.equal(nodes.get("after-stubborn")!.status, "pending");
      assert.ok(!fs.existsSync(objectFile(ws.path(".flowsmith"), nodes.get("stubborn")!.cacheKey!)), "nothing of the stopped node is complete");
      recordAudit("task ignores its abort signal", auditStore(ws.path(".flowsmith"), { settled: true }));

      fs.rmSync(ws.path("release.flag"));
      const again = await runOk(ws, [target]);
      assert.deepEqual(startedNodes(again.stdout), ["stubborn", "after-stubborn"]);
      assert.deepEqual(await statuses(ws, target), { start: "complete", stubborn: "complete", "after-stubborn": "complete" });

      // Without the grace period the run would never end (the task waited for release.flag, which
      // was still there): `stop` saw it recorded stopped (not killed, above), and the runner left
      // soon after — within a wide multiple of what the stop call itself took on this machine.
      // (Last: the outcomes and the audit above stand whatever the machine's speed.)
      assert.ok(took - stop.durationMs < GRACE_MS + 5 * stop.durationMs, `the run ended ${took} ms after the stop (the stop call took ${stop.durationMs} ms, grace ${GRACE_MS} ms)`);
    });

    test("a task that blocks the event loop: `flowsmith stop` kills it after its grace period and repairs the records", async (t) => {
      const ws = faultsWorkspace(t);
      const target = `${FAULTS}#blocking`;
      ws.write("block.flag", "");
      const runner = ws.start(["run", "--no-check", target]);
      const [, runId] = await runner.waitForLine(/^run (\d{8}-\d{6}-[0-9a-f]{6}) /);
      await runner.waitForLine(/^\[blocker\] blocker: blocking the event loop/);
      // What a quick CLI call takes on this machine now, beside the blocked runner: the baseline
      // for how long `stop` may take beyond its grace period.
      const quick = await ws.cli(["runs", "--format", "json"]);
      assertExit(quick, 0, "runs");
      const stop = await ws.cli(["stop", runId!], { timeoutMs: STOP_GRACE_MS + 60_000 });
      assertExit(stop, 0, "stop");
      assertNoCrash(stop, "stop");
      assert.match(stop.stdout, new RegExp(`killed run ${runId} \\(it did not stop within 5 s\\)`));
      const res = await runner.done;
      assert.equal(res.signal, "SIGKILL", `the runner was killed (exit ${res.code}, signal ${res.signal})`);

      const run = runRecord(ws, runId!);
      assert.equal(run.status, "stopped");
      assert.equal(run.interrupted, true);
      assert.ok(run.finishedAt, "the repaired record has an end");
      const nodes = await preview(ws, target);
      assert.equal(nodes.get("start")!.status, "complete");
      assert.equal(nodes.get("blocker")!.status, "stopped", "the node state was repaired");
      assert.equal(nodes.get("after-blocker")!.status, "pending");
      assert.ok(!fs.existsSync(objectFile(ws.path(".flowsmith"), nodes.get("blocker")!.cacheKey!)), "nothing of the killed node is complete");
      const listed = (await runs(ws)).find((r) => r.id === runId);
      assert.equal(listed?.status, "stopped");
      // The dead runner's lock may stay until the next run takes it over.
      const killed = auditStore(ws.path(".flowsmith"));

      fs.rmSync(ws.path("block.flag"));
      const again = await runOk(ws, [target]);
      assert.deepEqual(startedNodes(again.stdout), ["blocker", "after-blocker"]);
      // The dead runner's lock was taken over and released by the rerun.
      recordAudit("task blocks the event loop, killed by stop", [...killed, ...auditStore(ws.path(".flowsmith"), { settled: true }).map((p) => `after the rerun: ${p}`)]);

      // The killed run's record should say what happened to the node that was running: the
      // Runs view and `flowsmith runs` show it from this record.
      assert.equal(
        nodeRecord(run, "blocker").status,
        "stopped",
        "the node that was running when `stop` killed the runner is recorded stopped in the run record (it was left " +
          `"${nodeRecord(run, "blocker").status}": the record is written in throttled batches and stop only repairs nodes the record shows running)`,
      );
      // `stop` waited out its grace period, then killed the runner rather than waiting on: a wide
      // multiple of a quick CLI call beside the blocked runner, on top of the grace period.
      assert.ok(stop.durationMs >= STOP_GRACE_MS, `stop took ${stop.durationMs} ms: less than its grace period`);
      assert.ok(stop.durationMs < STOP_GRACE_MS + 10 * quick.durationMs, `stop took ${stop.durationMs} ms (a quick CLI call ${quick.durationMs} ms)`);
    });

    describe("a task that writes huge logs", { concurrency: 3 }, () => {
      const LIMIT = 10 * 1024 * 1024;
      const cases: [string, string, number][] = [
        ["50 MB of ASCII lines", "ascii", 50],
        ["30 MB of multibyte (UTF-8) lines", "multibyte", 30],
        ["one 20 MB line", "one-line", 20],
      ];
      for (const [name, text, mb] of cases) {
        test(`${name}: the log is capped at 10 MB with one truncation line, the run completes, memory stays bounded`, async (t) => {
          const ws = faultsWorkspace(t);
          const runner = ws.start(["run", "--no-check", `${FAULTS}#noisy`, "--param", `mb=${mb}`, "--param", `text=${text}`, "--events", "ndjson"]);
          let peak = 0;
          const sampler = setInterval(() => {
            peak = Math.max(peak, peakRssMb(runner.child.pid!) ?? 0);
          }, 10);
          const res = await runner.done;
          clearInterval(sampler);
          assertExit(res, 0, "the noisy run");
          assertNoCrash(res, "run");
          // Parse what can be parsed first: the stream's completeness is asserted below.
          const lines = res.stdout.split("\n").filter((l) => l.trim() !== "");
          const events: Record<string, any>[] = [];
          let broken = 0;
          for (const line of lines) {
            try {
              events.push(JSON.parse(line) as Record<string, any>);
            } catch {
              broken++;
            }
          }
          const runId = (events.find((e) => e.type === "run-started")?.runId as string | undefined) ?? fs.readdirSync(ws.path(".flowsmith/runs"))[0]!;
          const run = runRecord(ws, runId);
          assert.equal(run.status, "complete", "the run completes");
          const logName = nodeRecord(run, "chatter").log;
          assert.ok(logName, "chatter has a log");
          const logFile = ws.path(`.flowsmith/runs/${runId}/logs/${logName}`);
          const size = fs.statSync(logFile).size;
          const log = fs.readFileSync(logFile, "utf8");
          const truncations = log.split("\n").filter((l) => /log truncated/.test(l));
          recordAudit(`huge logs (${text})`, auditStore(ws.path(".flowsmith"), { settled: true }));
          console.log(`huge logs (${text}): ${mb} MB logged, log file ${(size / 1024 / 1024).toFixed(1)} MB, ${truncations.length} truncation line(s), stdout ${(res.stdout.length / 1024 / 1024).toFixed(1)} MB, peak RSS ${peak.toFixed(0)} MB`);
          // Every broken promise is collected, so one report shows all of them.
          const failures: string[] = [];
          const check = (ok: boolean, message: string) => ok || failures.push(message);
          check(peak > 0, "the runner's memory was sampled");
          check(peak < 300, `the runner's peak memory was ${peak.toFixed(0)} MB`);
          check(size <= LIMIT + 100, `the log file holds ${size} bytes: more than the 10 MB cap (the cap counts UTF-16 code units, not bytes?)`);
          check(truncations.length === 1, `one truncation line, got ${truncations.length}`);
          check(/log truncated/.test(log.trimEnd().split("\n").at(-1)!), "the truncation line ends the log");
          // The event stream is what the editor reads: it must arrive whole, up to run-finished.
          check(broken === 0, `${broken} event line(s) arrived cut off: the runner exited before its stdout was flushed`);
          check(events.at(-1)?.type === "run-finished", `the event stream ends with run-finished, not ${events.at(-1)?.type}: the runner exited before its stdout was flushed`);
          // The event stream (what the editor's Output channel shows) is capped like the log file.
          const streamed = events.filter((e) => e.type === "node-log").reduce((n, e) => n + Buffer.byteLength(String(e.line)) + 1, 0);
          check(streamed <= LIMIT + 100, `node-log events carried ${streamed} bytes of log: more than the 10 MB cap`);
          assert.deepEqual(failures, [], `huge logs (${text})`);
        });
      }
    });

    test("a slow reader of a big event stream still gets every event, up to run-finished", async (t) => {
      const ws = faultsWorkspace(t);
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
      for (const k of ["NODE_OPTIONS", "NODE_TEST_CONTEXT", "FLOWSMITH_STORE", "FLOWSMITH_DEBUG", "FLOWSMITH_TEST_CLI"]) delete env[k];
      // 2 MB of log lines through --events ndjson, read only once the run itself has finished (an
      // editor busy elsewhere, a pager): the runner must wait for its reader, and everything it
      // wrote must still arrive. (A pipe holds 64 KB: a runner that exits before its reader has
      // read would lose the rest.)
      const child = spawn(process.execPath, [CLI, "run", "--no-check", `${FAULTS}#noisy`, "--param", "mb=2", "--events", "ndjson"], { cwd: ws.dir, env, stdio: ["ignore", "pipe", "pipe"] });
      t.after(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"));
      child.stdout.pause();
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const chunks: Buffer[] = [];
      await waitFor(() => {
        const runs = ws.path(".flowsmith/runs");
        const id = fs.existsSync(runs) ? fs.readdirSync(runs)[0] : undefined;
        return id !== undefined && fs.existsSync(ws.path(`.flowsmith/runs/${id}/run.json`)) && runRecord(ws, id).status === "complete";
      }, "the run to finish while nobody reads its events", 60_000);
      child.stdout.on("data", (c: Buffer) => chunks.push(c));
      child.stdout.resume();
      const code = await exited;
      await new Promise((resolve) => (child.stdout.readableEnded ? resolve(undefined) : child.stdout.on("end", resolve)));
      assert.equal(code, 0, "the run completes");
      const runId = fs.readdirSync(ws.path(".flowsmith/runs"))[0]!;
      assert.equal(runRecord(ws, runId).status, "complete");
      recordAudit("slow reader of the event stream", auditStore(ws.path(".flowsmith"), { settled: true }));
      const lines = Buffer.concat(chunks).toString("utf8").split("\n").filter(Boolean);
      // What the runner wrote: one node-log event per log line, and run-started, 2 × node-started, 2 × node-finished, run-finished.
      const record = runRecord(ws, runId);
      const logLines = fs.readFileSync(ws.path(`.flowsmith/runs/${runId}/logs/${nodeRecord(record, "chatter").log}`), "utf8").split("\n").filter(Boolean).length;
      const written = logLines + 6;
      const last = lines.at(-1) ?? "";
      assert.ok(
        lines.length === written && last.startsWith('{"type":"run-finished"'),
        `the reader got ${lines.length} of the ${written} event lines the runner wrote, the last one cut: ${JSON.stringify(last.slice(0, 70))}… — the runner calls process.exit before its piped stdout is flushed`,
      );
    });

    test("three runs of the same workflow at once: every record parses, each node is computed once", async (t) => {
      const ws = makeWorkspace(t);
      ws.fixture("../reliability/chain.ts", "chain.ts");
      const target = "chain.ts#chain";
      const runners = [1, 2, 3].map(() => ws.start(["run", "--no-check", target, "--events", "ndjson", "--concurrency", "2"]));
      const results = await Promise.all(runners.map((r) => r.done));
      const started: string[] = [];
      const ids: string[] = [];
      for (const [i, res] of results.entries()) {
        assertExit(res, 0, `run ${i + 1}`);
        assertNoCrash(res, `run ${i + 1}`);
        const events = ndjson(res.stdout); // every line is one whole JSON object: nothing interleaved
        assert.equal(events[0]!.type, "run-started");
        assert.equal(events.at(-1)!.type, "run-finished");
        assert.equal(events.at(-1)!.status, "complete");
        ids.push(events[0]!.runId as string);
        started.push(...events.filter((e) => e.type === "node-started").map((e) => e.node as string));
        const finished = events.filter((e) => e.type === "node-finished");
        assert.equal(finished.length, 6, `run ${i + 1} finished every node once`);
        assert.ok(finished.every((e) => e.status === "complete"));
      }
      assert.deepEqual(tally(started), { source: 1, "shard-a": 1, "shard-b": 1, "shard-c": 1, merge: 1, report: 1 }, "each node computed once across the runs");
      const records = await runs(ws);
      assert.deepEqual(records.map((r) => r.id).sort(), [...ids].sort());
      assert.ok(records.every((r) => r.status === "complete" && r.summary.scheduled === 6));
      const outputs = await Promise.all(ids.map((id) => ws.cli(["results", id])));
      for (const o of outputs) assertExit(o, 0, "results");
      assert.equal(new Set(outputs.map((o) => o.stdout)).size, 1, "the runs agree on the workflow's outputs");
      assert.ok(Object.values(await statuses(ws, target)).every((s) => s === "complete"));
      recordAudit("concurrent runs of one workflow", auditStore(ws.path(".flowsmith"), { settled: true }));
    });
  });

  // ---- a full disk ---------------------------------------------------------------------------------

  /** Mount a tmpfs of `size` at a fresh directory; returns it, or why it could not. */
  function mountTmpfs(size: string): { dir: string } | { reason: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-tmpfs-"));
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "pipe" });
      return { dir };
    } catch (error) {
      fs.rmSync(dir, { recursive: true, force: true });
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      return { reason: `mount -t tmpfs is not permitted here (${stderr || (error as Error).message})` };
    }
  }

  function unmount(dir: string): void {
    try {
      execFileSync("umount", [dir], { stdio: "pipe" });
    } catch {
      execFileSync("umount", ["-l", dir], { stdio: "pipe" });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }

  function freeBytes(dir: string): number {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  }

  describe("a full disk (a 2 MB tmpfs as the store)", { concurrency: 2 }, () => {
    test("outputs overflow the store: the run fails naming ENOSPC, nothing partial is complete, a rerun after freeing space completes", async (t) => {
      const mounted = mountTmpfs("2m");
      if ("reason" in mounted) {
        console.log(`full disk: skipped: ${mounted.reason}`);
        skipped.push(mounted.reason);
        t.skip(mounted.reason);
        return;
      }
      t.after(() => unmount(mounted.dir));
      const ws = faultsWorkspace(t);
      const storeDir = path.join(mounted.dir, "store");
      const filler = path.join(mounted.dir, "filler");
      // Leave room for one 400 KB output and the records, not for three.
      fs.writeFileSync(filler, Buffer.alloc(Math.max(0, freeBytes(mounted.dir) - 700 * 1024)));
      const target = `${FAULTS}#bulky`;
      const res = await ws.cli(["run", "--no-check", target, "--store", storeDir]);
      assertNoCrash(res, "the run on a full disk");
      assertExit(res, 1, "the run on a full disk");
      const all = `${res.stdout}\n${res.stderr}`;
      assert.match(all, /ENOSPC|no space left on device/, "the disk problem is named");
      assert.match(res.stdout, /^\[fill-[abc]\] FAILED.*(ENOSPC|no space left)/m);
      const record = runRecord(ws, runIdOf(res.stdout), storeDir);
      assert.equal(record.status, "failed");
      assert.equal(nodeRecord(record, "total").status, "skipped");
      const problems = auditStore(storeDir, { settled: true });
      // Every node the run calls complete has its whole output in the store.
      for (const n of record.nodes) {
        if (n.status === "complete") assert.ok(new Store(storeDir).readOutput(n.cacheKey!), `${n.id} is complete and whole`);
      }
      const ranBefore = record.nodes.filter((n) => n.status === "complete").map((n) => n.id);

      fs.rmSync(filler);
      const again = await ws.cli(["run", "--no-check", target, "--store", storeDir]);
      assertExit(again, 0, "the rerun after freeing space");
      // What did not complete runs again — except that `total` may be found complete by its key:
      // it ran with its upstream's values in memory and its own output was stored (by content).
      const rerun = startedNodes(again.stdout).sort();
      const fills = ["fill-a", "fill-b", "fill-c"].filter((n) => !ranBefore.includes(n));
      assert.deepEqual(rerun.filter((n) => n !== "total"), fills);
      assert.ok(!ranBefore.includes("total") || !rerun.includes("total"), `total ran again though complete: ${rerun.join(", ")}`);
      const pv = await ws.cli(["preview", target, "--format", "json", "--store", storeDir]);
      assert.ok((JSON.parse(pv.stdout) as { nodes: { status: string }[] }).nodes.every((n) => n.status === "complete"));
      recordAudit("full disk: outputs overflow", [...problems, ...auditStore(storeDir, { settled: true }).map((p) => `after the rerun: ${p}`)]);
    });

    test("a store that is already full: one clear line naming ENOSPC, then a rerun after freeing space completes", async (t) => {
      const mounted = mountTmpfs("2m");
      if ("reason" in mounted) {
        console.log(`full disk: skipped: ${mounted.reason}`);
        skipped.push(mounted.reason);
        t.skip(mounted.reason);
        return;
      }
      t.after(() => unmount(mounted.dir));
      const ws = faultsWorkspace(t);
      const storeDir = path.join(mounted.dir, "store");
      fs.mkdirSync(storeDir);
      const filler = path.join(mounted.dir, "filler");
      try {
        fs.writeFileSync(filler, Buffer.alloc(freeBytes(mounted.dir) + 4096));
      } catch {
        /* full, as wanted */
      }
      assert.ok(freeBytes(mounted.dir) < 4096, "the tmpfs is full");
      const target = `${FAULTS}#bulky`;
      const res = await ws.cli(["run", "--no-check", target, "--param", "kb=1"], { env: { FLOWSMITH_STORE: storeDir } });
      const problems = auditStore(storeDir, { settled: true });

      fs.rmSync(filler);
      const again = await ws.cli(["run", "--no-check", target, "--param", "kb=1"], { env: { FLOWSMITH_STORE: storeDir } });
      assertExit(again, 0, "the rerun after freeing space");
      recordAudit("full disk: full before the run", [...problems, ...auditStore(storeDir, { settled: true }).map((p) => `after the rerun: ${p}`)]);

      // What the full disk looked like to the user.
      assert.notEqual(res.code, 0, "the run cannot succeed");
      assert.doesNotMatch(res.stderr + res.stdout, /\n\s{4}at /, "no stack trace");
      const lines = res.stderr.split("\n").filter((l) => l.trim() !== "");
      assert.equal(lines.length, 1, `one line on stderr, got:\n${res.stderr}`);
      assert.match(lines[0]!, /ENOSPC|no space left on device/, "it names the disk problem");
      assert.match(lines[0]!, /^flowsmith: error: /, `a full disk is the user's to fix, not an internal error (exit ${res.code})`);
    });
  });

});

test("count", () => {
  const corrupt = [...scenarios].filter(([, problems]) => problems.length > 0);
  console.log(`fault scenarios: ${scenarios.size}, corrupt stores found: ${corrupt.length}${skipped.length ? ` (${skipped.length} skipped: ${skipped[0]})` : ""}`);
  for (const [name, problems] of corrupt) console.log(`  ${name}: ${problems.join("; ")}`);
  assert.equal(scenarios.size, SCENARIOS - skipped.length, "every scenario ran to its audit");
  assert.equal(corrupt.length, 0);
});
