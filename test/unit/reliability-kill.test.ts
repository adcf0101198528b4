/**
 * Issue 7: kill -9 the runner at random points of a multi-node run, many times. After every kill
 * the store must stay readable and consistent — every output marked complete is whole and matches
 * its hash, every record parses — and the next run completes, re-running only what was not done.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { Store } from "../../runtime/src/store/store.js";
import type { NodeState } from "../../runtime/src/store/records.js";
import { makeWorkspace, waitFor, type Workspace } from "./helpers/workspace.js";

const TRIALS = Number(process.env.FLOWSMITH_KILL_TRIALS ?? 50);
const LANES = 2;
const TARGET = "chain.ts#chain";

/** Everything a reader of the store could trip over; returns a list of problems (empty = sound). */
function auditStore(dir: string): string[] {
  const problems: string[] = [];
  const store = new Store(path.join(dir, ".flowsmith"));
  const objects = path.join(dir, ".flowsmith", "objects");
  for (const shard of fs.existsSync(objects) ? fs.readdirSync(objects) : []) {
    for (const name of fs.readdirSync(path.join(objects, shard))) {
      if (!name.endsWith(".meta.json")) continue;
      const key = name.slice(0, -".meta.json".length);
      // A meta file means "complete": the output must be whole and match its hash.
      if (!store.readOutput(key)) problems.push(`output ${key} is marked complete but is not readable`);
    }
  }
  const stateRoot = path.join(dir, ".flowsmith", "state");
  for (const t of fs.existsSync(stateRoot) ? fs.readdirSync(stateRoot) : []) {
    for (const f of fs.readdirSync(path.join(stateRoot, t))) {
      if (f.endsWith(".tmp")) continue;
      let state: NodeState;
      try {
        state = JSON.parse(fs.readFileSync(path.join(stateRoot, t, f), "utf8")) as NodeState;
      } catch (error) {
        problems.push(`node state ${t}/${f} does not parse: ${(error as Error).message}`);
        continue;
      }
      if (state.status === "complete" && state.cacheKey && !store.readMeta(state.cacheKey)) {
        problems.push(`node ${state.node} is recorded complete but its output ${state.cacheKey.slice(0, 12)} is missing`);
      }
    }
  }
  store.listRuns();
  problems.push(...store.problems);
  return problems;
}

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
    await run.waitForLine(/^run \d{8}-\d{6}-[0-9a-f]{6}/, 15_000);
    await new Promise((r) => setTimeout(r, Math.floor(next() * 250)));
    run.child.kill("SIGKILL");
    await run.done;
    const problems = auditStore(ws.dir);
    if (problems.length) {
      corrupt++;
      log.push(`trial ${i}: ${problems.join("; ")}`);
    }
  }
  return corrupt;
}

test(`kill -9 at random points of a run (${TRIALS} trials): the store stays sound and the next run resumes`, { timeout: 240_000 }, async (t) => {
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
    for (const line of result.stdout.split("\n").filter(Boolean)) {
      const e = JSON.parse(line) as { type: string; node?: string };
      if (e.type === "node-started" && e.node) started.add(e.node);
    }
    assert.deepEqual([...started].sort(), notDone, "the resumed run re-ran exactly the nodes that were not complete");
    const after = JSON.parse((await ws.cli(["preview", TARGET, "--format", "json"])).stdout) as { nodes: { status: string }[] };
    assert.ok(after.nodes.every((n) => n.status === "complete"));
    await waitFor(() => auditStore(ws.dir).length === 0, "a sound store after the resumed run");
  }
});
