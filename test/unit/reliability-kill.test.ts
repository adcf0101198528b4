/**
 * Issue 7: kill -9 the runner at random points of a multi-node run, many times. After every kill
 * the store must stay readable and consistent — every output marked complete is whole and matches
 * its hash, every record parses — and the next run completes, re-running only what was not done.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { auditStore } from "../fixtures/reliability/audit.ts";
import { makeWorkspace, waitFor, type Workspace } from "./helpers/workspace.js";

const TRIALS = Number(process.env.FLOWSMITH_KILL_TRIALS ?? 50);
const LANES = 2;
const TARGET = "chain.ts#chain";

async function lane(ws: Workspace, trials: number, seed: number, log: string[]): Promise<number> {
  let corrupt = 0;
  let rnd = seed;
  const next = () => {
    rnd = (rnd * 48271) % 2147483647;
    return rnd / 2147483647;
  };
  for (let i = 0; i < trials; i++) {
    // Sometimes start from scratch, sometimes from a partly complete store.
    if (next() < 0.3) fs.rmSync(ws.path(".flowsmith"), { recursive: true, force: true });
    const run = ws.start(["run", TARGET, "--concurrency", String(1 + Math.floor(next() * 3))]);
    // (A wait for the run to start, not a bound: a loaded machine may take long to start one.)
    await run.waitForLine(/^run \d{8}-\d{6}-[0-9a-f]{6}/, 60_000);
    await new Promise((r) => setTimeout(r, Math.floor(next() * 250)));
    run.child.kill("SIGKILL");
    await run.done;
    const problems = auditStore(ws.path(".flowsmith"));
    if (problems.length) {
      corrupt++;
      log.push(`trial ${i}: ${problems.join("; ")}`);
    }
  }
  return corrupt;
}

test(`kill -9 at random points of a run (${TRIALS} trials): the store stays sound and the next run resumes`, { timeout: 900_000 }, async (t) => {
  const lanes = Array.from({ length: LANES }, () => {
    const ws = makeWorkspace(t);
    ws.fixture("../reliability/chain.ts", "chain.ts");
    return ws;
  });
  const log: string[] = [];
  const per = Math.ceil(TRIALS / LANES);
  const corrupt = (await Promise.all(lanes.map((ws, i) => lane(ws, per, 7919 * (i + 1), log)))).reduce((a, b) => a + b, 0);
  console.log(`kill trials: ${per * LANES}, corrupt stores found: ${corrupt}`);
  assert.equal(corrupt, 0, log.join("\n"));

  for (const ws of lanes) {
    // What is complete now must not run again; everything else must.
    const preview = JSON.parse((await ws.cli(["preview", TARGET, "--format", "json"])).stdout) as { nodes: { id: string; status: string }[] };
    const notDone = preview.nodes.filter((n) => n.status !== "complete").map((n) => n.id).sort();
    const result = await ws.cli(["run", TARGET, "--events", "ndjson"], { timeoutMs: 60_000 });
    assert.equal(result.code, 0, result.stderr);
    const started = new Set<string>();
    const foundComplete = new Set<string>();
    for (const line of result.stdout.split("\n").filter(Boolean)) {
      const e = JSON.parse(line) as { type: string; node?: string; cached?: boolean };
      if (e.type === "node-started" && e.node) started.add(e.node);
      if (e.type === "node-finished" && e.node && e.cached) foundComplete.add(e.node);
    }
    // What was complete does not run again. What was not runs — or is found complete by its key:
    // a node whose output reached the disk while its upstream's did not (it ran with the value in
    // memory) shows pending until its upstream is recomputed, with the same content.
    assert.deepEqual([...started].filter((n) => !notDone.includes(n)), [], "nothing complete ran again");
    assert.deepEqual(notDone.filter((n) => !started.has(n) && !foundComplete.has(n)), [], "every node that was not complete ran or was found complete");
    const after = JSON.parse((await ws.cli(["preview", TARGET, "--format", "json"])).stdout) as { nodes: { status: string }[] };
    assert.ok(after.nodes.every((n) => n.status === "complete"));
    // Settled: the resumed run swept what the killed ones left (output temp files, locks, registrations).
    await waitFor(() => auditStore(ws.path(".flowsmith"), { settled: true }).length === 0, "a sound store after the resumed run", 30_000);
  }
});
