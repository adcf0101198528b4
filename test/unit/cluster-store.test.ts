/**
 * A cluster worker that cannot use its store (issue 20 item 4) says so in one line, takes no node
 * while it cannot, and takes nodes once the store is usable — against a real redis-server and a
 * real `flowsmith worker`. Outcomes only; every wait is bounded.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { redisAvailable, startRedis, type RedisServer } from "../helpers/redis.ts";
import { assertExit, makeWorkspace, ndjson, REPO, waitFor, type RunningCli, type Workspace } from "./helpers/workspace.ts";

const FLOWS = fs.readFileSync(path.join(REPO, "test/fixtures/cluster/flows.ts"), "utf8");
let redis: RedisServer | undefined;
let ws: Workspace;
let worker: RunningCli | undefined;

before(async () => {
  if (!redisAvailable()) return;
  redis = await startRedis();
  ws = makeWorkspace();
  ws.write("flows.ts", FLOWS);
});

after(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill("SIGKILL");
    await worker.done;
  }
  await redis?.stop();
  ws?.cleanup();
});

test("a worker whose store is unusable says so once, takes no node, and works once the store is back", { skip: !redisAvailable() && "redis-server is not installed (.ci/run installs it)", timeout: 180_000 }, async () => {
  // A file where the store directory should be: nothing can be made inside it.
  ws.write("shared-store", "not a directory\n");
  const store = ws.path("shared-store");
  worker = ws.start(["worker", "--cluster", redis!.url, "--store", store, "--concurrency", "2"]);
  await waitFor(() => /cannot use the store at .*shared-store/.test(worker!.stderr), "the worker's line about its store", 60_000);
  // Several retries later, still one line.
  await new Promise((r) => setTimeout(r, 5000));
  assert.equal(worker.stderr.split("\n").filter((l) => /cannot use the store/.test(l)).length, 1, worker.stderr);
  assert.equal(worker.child.exitCode, null, "the worker keeps trying rather than exiting");

  fs.rmSync(store);
  const res = await ws.cli(["run", "--no-check", "flows.ts#basic", "--cluster", redis!.url, "--store", store, "--events", "ndjson"], { timeoutMs: 120_000 });
  assertExit(res, 0, "a run once the store is usable");
  const events = ndjson(res.stdout);
  assert.equal(events.at(-1)!.status, "complete");
  const started = events.filter((e) => e.type === "node-started");
  assert.ok(started.length > 0 && started.every((e) => typeof e.worker === "string" && e.worker.includes(`:${worker!.child.pid}:`)), JSON.stringify(started));
  assert.ok(fs.statSync(store).isDirectory());
});
