/**
 * What a new user tripped on in their first hour with the CLI (issue 24 items 1, 4, 5):
 * - the `flowsmith` bin must exist on a fresh clone, before any build (npm links it at `npm ci`);
 *   without a build it says to run `npm run build`, with one it is the CLI;
 * - `reset` with no terminal refuses without `--yes`; it resets one param variant (`--param`) or
 *   every one (`--all-variants`), and its help says so, each default once;
 * - a task returning something other than an object of named outputs fails its node, naming it.
 * The CLI runs as a child process without a TTY (helpers/workspace.ts).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { assertCleanError, assertExit, makeWorkspace, REPO, runOk, startedNodes, statuses } from "./helpers/workspace.ts";

const PIPE = "pipeline.ts#pipeline";
const ALL_COMPLETE = { "get-data": "complete", preprocess: "complete", train: "complete" };
const FALSE = ["--param", "doPreprocess=false"];

/** The environment of a user's shell, without the test runner's (as the workspace helper's cli()). */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const k of ["NODE_OPTIONS", "NODE_TEST_CONTEXT", "FLOWSMITH_STORE", "FLOWSMITH_DEBUG", "FLOWSMITH_TEST_CLI"]) delete env[k];
  return env;
}

const runtimePackage = () => JSON.parse(fs.readFileSync(path.join(REPO, "runtime/package.json"), "utf8")) as { bin: Record<string, string>; files: string[] };

describe("the flowsmith bin on a fresh clone", () => {
  test("the bin runtime/package.json names is tracked, executable and ships in the package; the lockfile names the same", () => {
    const bin = runtimePackage().bin.flowsmith!;
    assert.ok(bin, "runtime/package.json has no bin flowsmith");
    // Tracked in git with the executable bit: it exists right after `git clone`, before a build.
    const staged = execFileSync("git", ["ls-files", "-s", "--", `runtime/${bin}`], { cwd: REPO, encoding: "utf8" }).trim();
    assert.match(staged, /^100755 /, `runtime/${bin} is not a tracked executable file (git ls-files -s: ${JSON.stringify(staged)})`);
    assert.match(fs.readFileSync(path.join(REPO, "runtime", bin), "utf8"), /^#!\/usr\/bin\/env node\n/);
    assert.ok(runtimePackage().files.includes(bin), `runtime/package.json "files" does not ship ${bin}`);
    // `npm ci` links a workspace package's bins from the lockfile's record of it.
    const lock = JSON.parse(fs.readFileSync(path.join(REPO, "package-lock.json"), "utf8")) as { packages: Record<string, { bin?: Record<string, string> }> };
    assert.deepEqual(lock.packages.runtime?.bin, { flowsmith: bin });
  });

  test("without a build the bin prints one line saying to run npm run build and exits 2; with one it is the CLI", async (t) => {
    const bin = runtimePackage().bin.flowsmith!;
    // The package as a fresh clone has it: the tracked files, no dist/.
    const pkg = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-nobuild-"));
    t.after(() => fs.rmSync(pkg, { recursive: true, force: true }));
    fs.mkdirSync(path.dirname(path.join(pkg, bin)), { recursive: true });
    fs.copyFileSync(path.join(REPO, "runtime", bin), path.join(pkg, bin));
    for (const args of [["--version"], ["preview", "examples/pipeline/flow.ts#pipeline"]]) {
      const res = spawnSync(process.execPath, [path.join(pkg, bin), ...args], { cwd: pkg, encoding: "utf8", env: userEnv() });
      assert.equal(res.status, 2, `exit ${res.status}\n${res.stdout}\n${res.stderr}`);
      assert.equal(res.stderr, "flowsmith: runtime/dist/cli.js is missing: run `npm run build`\n");
      assert.equal(res.stdout, "");
    }

    // The repository's, built: it runs the CLI (which starts when loaded), output and exit codes.
    const ws = makeWorkspace(t);
    ws.fixture("pipeline.ts");
    const call = (args: string[]) => spawnSync(process.execPath, [path.join(REPO, "runtime", bin), ...args], { cwd: ws.dir, encoding: "utf8", env: userEnv() });
    const version = call(["--version"]);
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), JSON.parse(fs.readFileSync(path.join(REPO, "runtime/package.json"), "utf8")).version);
    const run = call(["run", PIPE]);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /3 ran successfully/);
    const bad = call(["run", "pipeline.ts#nope"]);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /^flowsmith: error: .*nope/);
  });
});

describe("reset", { concurrency: 3 }, () => {
  test("with no terminal and no --yes it refuses: one line saying to pass --yes, exit 2, nothing deleted", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("pipeline.ts");
    await runOk(ws, [PIPE]);
    for (const args of [[PIPE], [`${PIPE}:preprocess`, "--downstream"]]) {
      assertCleanError(await ws.cli(["reset", ...args]), /pass --yes/);
      assert.deepEqual(await statuses(ws, PIPE), ALL_COMPLETE);
    }
    const again = await runOk(ws, [PIPE]);
    assert.deepEqual(startedNodes(again.stdout), []);
  });

  test("--help documents --param and --all-variants, and no option shows two defaults", async (t) => {
    const ws = makeWorkspace(t);
    const res = await ws.cli(["reset", "--help"]);
    assertExit(res, 0, "reset --help");
    assert.match(res.stdout, /-p, --param <key=value>/);
    assert.match(res.stdout, /--all-variants/);
    assert.match(res.stdout, /--yes/);
    // Each option's description (its first line and the wrapped lines under it).
    const options = res.stdout.slice(res.stdout.indexOf("Options:")).split(/\n(?=\s{2}-)/);
    assert.ok(options.length > 5, res.stdout);
    for (const option of options) assert.ok((option.match(/\(default/g) ?? []).length <= 1, `two defaults in:\n${option}`);
    assert.doesNotMatch(res.stdout, /default: \[\]/);
  });

  test("the README's CLI reference documents reset's --param and --all-variants", () => {
    const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
    const line = readme.split("\n").find((l) => l.startsWith("| `flowsmith reset "));
    assert.ok(line, "no reset line in the README's CLI reference");
    assert.match(line, /--param k=v/);
    assert.match(line, /--all-variants/);
  });

  test("--param resets that variant only: the defaults' stay COMPLETE, and the line says another variant kept its outputs", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("pipeline.ts");
    await runOk(ws, [PIPE, "--matrix", "doPreprocess=true,false"]);
    const res = await ws.cli(["reset", `${PIPE}:preprocess`, ...FALSE, "--yes"]);
    assertExit(res, 0, "reset");
    assert.match(res.stdout, /^reset 1 node of pipeline\.ts#pipeline \(1 output deleted\): preprocess; 1 other param variant keeps its outputs \(--all-variants resets them\)$/m);
    assert.deepEqual(await statuses(ws, PIPE), ALL_COMPLETE);
    assert.deepEqual(await statuses(ws, PIPE, FALSE), { "get-data": "complete", preprocess: "pending", train: "pending" });
    // The same the other way round (the defaults): the doPreprocess=false variant keeps its outputs.
    await runOk(ws, [PIPE, ...FALSE]);
    assertExit(await ws.cli(["reset", `${PIPE}:preprocess`, "--yes"]), 0, "reset");
    assert.deepEqual(await statuses(ws, PIPE, FALSE), ALL_COMPLETE);
    assert.deepEqual(await statuses(ws, PIPE), { "get-data": "complete", preprocess: "pending", train: "pending" });
  });

  test("--all-variants resets the nodes in every variant the workflow ran with, and says how many variants and outputs", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("pipeline.ts");
    await runOk(ws, [PIPE, "--matrix", "doPreprocess=true,false"]);
    await runOk(ws, [PIPE, "--param", "count=4"]);
    const before = ws.counter().length;
    const res = await ws.cli(["reset", `${PIPE}:preprocess`, "--downstream", "--all-variants", "--yes"]);
    assertExit(res, 0, "reset --all-variants");
    // Three variants (the defaults, doPreprocess=false, count=4), preprocess and train in each.
    assert.match(res.stdout, /^reset 2 nodes of pipeline\.ts#pipeline in 3 param variants \(6 outputs deleted\): preprocess, train$/m);
    const pendingAfterData = { "get-data": "complete", preprocess: "pending", train: "pending" };
    assert.deepEqual(await statuses(ws, PIPE), pendingAfterData);
    assert.deepEqual(await statuses(ws, PIPE, FALSE), pendingAfterData);
    assert.deepEqual(await statuses(ws, PIPE, ["--param", "count=4"]), pendingAfterData);
    // Each variant runs preprocess and train again, and only those.
    await runOk(ws, [PIPE, "--matrix", "doPreprocess=true,false"]);
    assert.deepEqual(ws.counter().slice(before).sort(), ["preprocess", "preprocess", "train", "train"]);
    // --param picks one variant: it cannot go with --all-variants.
    assertCleanError(await ws.cli(["reset", PIPE, "--all-variants", "--param", "count=4", "--yes"]), /--all-variants.*--param|--param.*--all-variants/);
  });

  test("a node no variant has is refused with one line, even with --all-variants", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("pipeline.ts");
    await runOk(ws, [PIPE, "--matrix", "doPreprocess=true,false"]);
    assertCleanError(await ws.cli(["reset", `${PIPE}:trian`, "--all-variants", "--yes"]), /no node "trian" \(did you mean "train"\?\)/);
    assert.deepEqual(await statuses(ws, PIPE, FALSE), ALL_COMPLETE);
  });
});

const RETURNS = `import { appendFileSync } from "node:fs";
import { task, workflow } from "flowsmith";

const tally = (what: string) => appendFileSync("counter.log", what + "\\n");

export const total = task(async ({ xs }: { xs: number[] }) => xs.reduce((a, b) => a + b, 0));
export const list = task(async () => [1, 2, 3]);
export const nothing = task(async () => { tally("nothing"); });
export const none = task(async () => null);
export const text = task(async () => "hello");
export const empty = task(async () => ({}));
export const flaky = task({ retries: 2 }, async (_: {}, ctx) => { tally("flaky " + ctx.attempt); return 7; });

export const sum = workflow(() => {
  const t = total({ xs: [40, 2] });
  return { t };
});
export const shapes = workflow(() => {
  list();
  none();
  text();
  nothing();
  empty();
  return {};
});
export const retried = workflow(() => {
  flaky();
  return {};
});
`;

describe("what a task returns", { concurrency: 3 }, () => {
  test("a number fails the node with a message naming the task and the value", async (t) => {
    const ws = makeWorkspace(t);
    ws.write("returns.ts", RETURNS);
    const res = await ws.cli(["run", "returns.ts#sum"]);
    assertExit(res, 1, "run returns.ts#sum");
    const message = "task total returned 42 (a number); a task returns an object of named outputs, e.g. { result: 42 }";
    assert.ok(res.stdout.includes(`[total] FAILED in `) && res.stdout.includes(message), res.stdout);
    assert.match(res.stdout, /1 failed:\n\s+- total: task total returned 42 \(a number\)/);
    assert.deepEqual(await statuses(ws, "returns.ts#sum"), { total: "failed" });
  });

  test("an array, null or a string fail too; nothing (undefined) and an object without fields complete", async (t) => {
    const ws = makeWorkspace(t);
    ws.write("returns.ts", RETURNS);
    const res = await ws.cli(["run", "returns.ts#shapes"]);
    assertExit(res, 1, "run returns.ts#shapes");
    assert.ok(res.stdout.includes("task list returned [1,2,3] (an array); a task returns an object of named outputs"), res.stdout);
    assert.ok(res.stdout.includes("task none returned null; a task returns an object of named outputs"), res.stdout);
    assert.ok(res.stdout.includes('task text returned "hello" (a string); a task returns an object of named outputs'), res.stdout);
    assert.deepEqual(await statuses(ws, "returns.ts#shapes"), { list: "failed", none: "failed", text: "failed", nothing: "complete", empty: "complete" });
    assert.deepEqual(ws.counter(), ["nothing"]);
  });

  test("it is a failed attempt like a thrown error: retries apply, each attempt says why", async (t) => {
    const ws = makeWorkspace(t);
    ws.write("returns.ts", RETURNS);
    const res = await ws.cli(["run", "returns.ts#retried"]);
    assertExit(res, 1, "run returns.ts#retried");
    assert.deepEqual(ws.counter(), ["flaky 1", "flaky 2", "flaky 3"]);
    for (const attempt of [1, 2, 3]) assert.ok(res.stdout.includes(`[flaky] attempt ${attempt} failed: task flaky returned 7 (a number)`), res.stdout);
  });
});
