/**
 * Deployments (Malevich's prepare / run / stop, DESIGN.md "Running beyond one process"): deploy a
 * workflow with its local imports, list, run it any number of times with params and config on a real
 * `flowsmith worker`, cache keys shared with runs of the source, re-deploy, suspension and
 * re-activation, undeploy, and the failures (artifact missing or corrupt, code that throws at load,
 * unknown name, Redis unreachable) — each one line, exit 2, nothing recorded. A real redis-server on a
 * free port; every wait bounded; the worker and the server are stopped at the end.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { freePort, redisAvailable, startRedis, type RedisServer } from "../helpers/redis.ts";
import { assertCleanError, assertExit, makeWorkspace, REPO, waitFor, type RunningCli, type Workspace } from "./helpers/workspace.ts";

interface Listed {
  name: string;
  hash: string;
  target: string;
  state: string;
  runs: number;
  lastRunAt?: string;
  params: Record<string, string>;
}

describe("deploy, deployments, run deploy:NAME, undeploy", { skip: !redisAvailable() && "redis-server is not installed", concurrency: 1 }, () => {
  let redis: RedisServer;
  let ws: Workspace;
  let worker: RunningCli;
  const cluster = () => ["--cluster", redis.url];

  const deployments = async (): Promise<Listed[]> => {
    const res = await ws.cli(["deployments", "--format", "json", ...cluster()]);
    assertExit(res, 0, "deployments");
    return JSON.parse(res.stdout) as Listed[];
  };
  const listed = async (name: string) => (await deployments()).find((d) => d.name === name);
  const artifact = (hash: string) => ws.path(`.flowsmith/deployments/${hash}.cjs`);
  const runTargets = async () => {
    const res = await ws.cli(["runs", "--format", "json", "--limit", "100"]);
    assertExit(res, 0, "runs");
    return (JSON.parse(res.stdout) as { target: string; status: string }[]).map((r) => `${r.target} ${r.status}`);
  };

  before(async () => {
    redis = await startRedis();
    ws = makeWorkspace();
    fs.cpSync(path.join(REPO, "test/fixtures/deploy"), ws.dir, { recursive: true });
    worker = ws.start(["worker", ...cluster(), "--concurrency", "2"]);
    await waitFor(() => /worker \S+ · cluster/.test(worker.stderr) || undefined, "the worker to start", 30_000);
  });

  after(async () => {
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill("SIGTERM");
      const quit = setTimeout(() => worker.child.kill("SIGKILL"), 10_000);
      await worker.done.catch(() => undefined);
      clearTimeout(quit);
    }
    await redis?.stop();
    ws?.cleanup();
  });

  let firstHash = "";

  test("deploy bundles the flow and its local imports into the store and registers the workflow's name", async () => {
    const res = await ws.cli(["deploy", "flow.ts#report", ...cluster()]);
    assertExit(res, 0, "deploy");
    const m = /^deployed report: flow\.ts#report as ([0-9a-f]{12}) /m.exec(res.stdout);
    assert.ok(m, res.stdout);
    assert.match(res.stdout, /unused for 24 h is suspended \(workers drop its code\); its next run re-activates it/);
    const [d] = await deployments();
    assert.equal(d?.name, "report");
    assert.equal(d?.target, "flow.ts#report");
    assert.equal(d?.state, "active");
    assert.equal(d?.runs, 0);
    assert.equal(d?.hash.slice(0, 12), m![1]);
    assert.deepEqual(d?.params, { n: "number = 3", label: 'string = "total"' });
    firstHash = d!.hash;
    // Content-addressed, with its manifest; the local modules are in it (no checkout needed).
    const code = fs.readFileSync(artifact(firstHash), "utf8");
    assert.match(code, /function scale\(/);
    const manifest = JSON.parse(fs.readFileSync(ws.path(`.flowsmith/deployments/${firstHash}.json`), "utf8"));
    assert.deepEqual(Object.keys(manifest.fingerprints).sort(), ["double", "source", "sum-up"]);
    const table = await ws.cli(["deployments", ...cluster()]);
    assertExit(table, 0, "deployments");
    assert.match(table.stdout, /^report\s+flow\.ts#report\s+[0-9a-f]{12}\s+just now\s+never\s+0\s+active$/m);
  });

  test("the same code deployed again is a no-op, said in one line", async () => {
    const res = await ws.cli(["deploy", "flow.ts#report", "--no-check", ...cluster()]);
    assertExit(res, 0, "deploy");
    assert.match(res.stdout, /^deployment report is up to date: flow\.ts#report has not changed/m);
    assert.equal((await listed("report"))?.hash, firstHash);
  });

  test("a deployment runs any number of times on the cluster's workers, with params and config", async () => {
    const one = await ws.cli(["run", "deploy:report", "--param", "n=2", ...cluster()]);
    assertExit(one, 0, "first run");
    assert.match(one.stdout, /^run \S+ · deploy:report$/m);
    assert.deepEqual(ws.counter().sort(), ["double", "source", "sum-up"]);
    const two = await ws.cli(["run", "deploy:report", "--param", "n=4", "--param", "label=four", "--config", "sum-up.k=7", ...cluster()]);
    assertExit(two, 0, "second run");
    assert.match(two.stdout, /\[sum-up\] config \{"k":7\}/);
    assert.equal(ws.counter().length, 6);
    const d = await listed("report");
    assert.equal(d?.runs, 2);
    assert.ok(d?.lastRunAt);
    assert.deepEqual((await runTargets()).filter((r) => r.startsWith("deploy:report")), ["deploy:report complete", "deploy:report complete"]);
    // On the worker, which has no checkout: it loaded the artifact by its hash from the store.
    const workerId = /worker (\S+) · cluster/.exec(worker.stderr)![1];
    const records = JSON.parse((await ws.cli(["runs", "--format", "json"])).stdout) as { target: string; nodes: { id: string; worker?: string; cached?: boolean }[] }[];
    const ran = records.filter((r) => r.target === "deploy:report").flatMap((r) => r.nodes.filter((n) => !n.cached));
    assert.equal(ran.length, 6);
    assert.deepEqual([...new Set(ran.map((n) => n.worker))], [workerId]);
  });

  test("cache keys are the source's: a node complete from either is complete for the other", async () => {
    const local = await ws.cli(["run", "flow.ts#report", "--param", "n=4", "--param", "label=four", "--no-check"]);
    assertExit(local, 0, "local run of what the deployment computed");
    assert.match(local.stdout, /3 complete ones were encountered/);
    assert.equal(ws.counter().length, 6);
    const fresh = await ws.cli(["run", "flow.ts#report", "--param", "n=9", "--no-check"]);
    assertExit(fresh, 0, "a local run of new params");
    assert.equal(ws.counter().length, 9);
    const deployed = await ws.cli(["run", "deploy:report", "--param", "n=9", ...cluster()]);
    assertExit(deployed, 0, "the deployment on what the local run computed");
    assert.match(deployed.stdout, /3 complete ones were encountered/);
    assert.equal(ws.counter().length, 9);
  });

  test("new code replaces the version: only the nodes whose code changed run again", async () => {
    ws.edit("lib/helpers.ts", "FACTOR = 2", "FACTOR = 3");
    const res = await ws.cli(["deploy", "flow.ts#report", "--no-check", ...cluster()]);
    assertExit(res, 0, "re-deploy");
    assert.match(res.stdout, new RegExp(`replacing ${firstHash.slice(0, 12)} deployed`));
    const d = await listed("report");
    assert.notEqual(d?.hash, firstHash);
    assert.equal(d?.runs, 0);
    const before = ws.counter().length;
    const run = await ws.cli(["run", "deploy:report", "--param", "n=9", ...cluster()]);
    assertExit(run, 0, "run of the new version");
    assert.deepEqual(ws.counter().slice(before).sort(), ["double", "sum-up"]);
    assert.ok(fs.existsSync(artifact(firstHash)), "the old version's artifact stays in the store");
  });

  test("a deployment unused for --suspend-after is suspended (workers drop its code), and its next run re-activates it in one line", async () => {
    const res = await ws.cli(["deploy", "flow.ts#report", "--name", "brief", "--suspend-after", "1s", "--no-check", ...cluster()]);
    assertExit(res, 0, "deploy --suspend-after");
    assert.match(res.stdout, /unused for 1\.0 s is suspended/);
    const loads = await ws.cli(["run", "deploy:brief", "--param", "n=13", ...cluster()]);
    assertExit(loads, 0, "a run that has the worker load brief's code");
    await waitFor(async () => (await listed("brief"))?.state === "suspended" || undefined, "brief to be suspended", 15_000, 200);
    await waitFor(() => /deployment brief is suspended: its code is unloaded/.test(worker.stderr) || undefined, "the worker to drop brief's code", 15_000);
    const run = await ws.cli(["run", "deploy:brief", "--param", "n=2", ...cluster()]);
    assertExit(run, 0, "run of a suspended deployment");
    assert.equal(run.stdout.split("\n").filter((l) => /re-activates/.test(l)).length, 1);
    assert.match(run.stdout, /^deployment brief was suspended \(unused for .+\); this run re-activates it/m);
    const d = await listed("brief");
    assert.equal(d?.runs, 2);
    // Active again (it may be suspended anew a second later: a state read at once is active, or it was run).
    assert.ok(d?.state === "active" || Date.now() - Date.parse(d!.lastRunAt!) >= 1000);
  });

  test("a deployment whose code no longer loads is one line naming it, exit 2, and nothing runs", async () => {
    const hash = (await listed("report"))!.hash;
    const file = artifact(hash);
    const good = fs.readFileSync(file);
    const runsBefore = (await runTargets()).length;
    try {
      fs.appendFileSync(file, "\n// changed\n");
      const corrupt = await ws.cli(["run", "deploy:report", ...cluster()]);
      assertExit(corrupt, 2, "corrupt artifact");
      assertCleanError(corrupt, /deployment report \([0-9a-f]{12}, from flow\.ts#report\) cannot run: its artifact is corrupt/);
      fs.rmSync(file);
      const missing = await ws.cli(["run", "deploy:report", ...cluster()]);
      assertExit(missing, 2, "missing artifact");
      assertCleanError(missing, /deployment report .* cannot run: its artifact is missing from the store.*deploy it again: flowsmith deploy flow\.ts#report --name report/);
    } finally {
      fs.writeFileSync(file, good);
    }
    const deployed = await ws.cli(["deploy", "throws.ts#fragile", "--no-check", ...cluster()], { env: { DEPLOY_OK: "1" } });
    assertExit(deployed, 0, "deploy of code that loads only with DEPLOY_OK=1");
    const throws = await ws.cli(["run", "deploy:fragile", ...cluster()]);
    assertExit(throws, 2, "code throwing at load");
    assertCleanError(throws, /deployment fragile \([0-9a-f]{12}, from throws\.ts#fragile\) no longer loads: .*the flow refuses to load here/);
    assert.equal((await runTargets()).length, runsBefore, "no run recorded");
    assert.equal((await listed("fragile"))?.runs, 0);
  });

  test("unknown names: one line with did-you-mean, exit 2", async () => {
    for (const args of [["run", "deploy:reprot"], ["undeploy", "reprot"]]) {
      const res = await ws.cli([...args, ...cluster()]);
      assertExit(res, 2, args.join(" "));
      assertCleanError(res, /no deployment "reprot" on redis:\/\/127\.0\.0\.1:\d+ \(did you mean "report"\?\)/);
    }
  });

  test("undeploy removes the name; the artifact stays", async () => {
    const hash = (await listed("report"))!.hash;
    const res = await ws.cli(["undeploy", "report", ...cluster()]);
    assertExit(res, 0, "undeploy");
    assert.match(res.stdout, /^undeployed report \(/m);
    assert.equal(await listed("report"), undefined);
    assert.ok(fs.existsSync(artifact(hash)));
    const run = await ws.cli(["run", "deploy:report", ...cluster()]);
    assertExit(run, 2, "run of an undeployed name");
    assertCleanError(run, /no deployment "report"/);
  });

  test("Redis unreachable: one line naming it, exit 2", async () => {
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    for (const args of [["deploy", "flow.ts#report", "--no-check"], ["deployments"], ["undeploy", "brief"], ["run", "deploy:brief"]]) {
      const res = await ws.cli([...args, "--cluster", nobody]);
      assertExit(res, 2, args.join(" "));
      assertCleanError(res, new RegExp(`cannot reach the cluster's Redis at ${nobody.replace(/[/.]/g, "\\$&")}`));
    }
    const none = await ws.cli(["deployments"], { env: { FLOWSMITH_CLUSTER: "" } });
    assertExit(none, 2, "no cluster named");
    assertCleanError(none, /deployments needs a cluster: pass --cluster/);
  });
});
