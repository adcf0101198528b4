/**
 * The embedded results database in the packed package: `npm pack` of runtime/ (as built by `npm run
 * build`) installed into a fresh project outside the repository; a result is recorded through the
 * package's own dist/results-db.js (sql.js and pg bundled, sql-wasm.wasm next to it: neither is a
 * dependency npm installs) and listed by the packed CLI, `flowsmith results
 * --flow`, as a table and as JSON. The database is the SQLite file in the project's store: no server,
 * no network (the install uses the npm cache, --prefer-offline, as test/pack/packed-install does).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const RUNTIME = process.env.FLOWSMITH_TEST_RUNTIME ? path.resolve(process.env.FLOWSMITH_TEST_RUNTIME) : path.join(REPO, "runtime");

for (const built of ["dist/cli.js", "dist/results-db.js", "dist/sql-wasm.wasm"]) {
  if (!fs.existsSync(path.join(RUNTIME, built))) throw new Error(`${path.join(RUNTIME, built)} is missing: run \`npm run build\` before this test`);
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === "INIT_CWD" || k.startsWith("NODE_TEST") || k.startsWith("FLOWSMITH_") || k === "NODE_OPTIONS" || k === "NODE_PATH") continue;
    env[k] = v;
  }
  env.NO_COLOR = "1";
  return env;
}

function exec(cmd: string, args: string[], cwd: string, timeout = 60_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: userEnv(), timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (error && code === null ? `\n(${error.message})` : "") });
    });
  });
}

const show = (r: Result) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

let tmp: string;
let project: string;

before(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-pack-results-")));
  const packed = await exec("npm", ["pack", "--json", "--pack-destination", tmp], RUNTIME);
  assert.equal(packed.code, 0, show(packed));
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as { filename: string; files: { path: string }[] }[];
  const files = info!.files.map((f) => f.path);
  for (const needed of ["dist/results-db.js", "dist/sql-wasm.wasm"]) assert.ok(files.includes(needed), `the tarball has no ${needed}`);
  project = path.join(tmp, "project");
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, "package.json"), `${JSON.stringify({ name: "results-project", version: "1.0.0", private: true }, null, 2)}\n`);
  const installed = await exec("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", path.join(tmp, info!.filename), "zod"], project, 150_000);
  assert.equal(installed.code, 0, show(installed));
});

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test("the packed package records a result in its embedded database and `flowsmith results --flow` lists it", async () => {
  // The package carries its own SQLite and PostgreSQL client (dist/results-db.js): npm installs neither.
  for (const dep of ["sql.js", "pg"]) assert.ok(!fs.existsSync(path.join(project, "node_modules", dep)), `node_modules/${dep} is installed with the package`);
  const record = `
const path = require("node:path");
const { openEmbedded } = require(path.resolve("node_modules/flowsmith/dist/results-db.js"));
(async () => {
  const db = await openEmbedded(path.resolve(".flowsmith/results.sqlite"), path.resolve(".flowsmith/results.sqlite.lock"));
  const at = { composition: "pipelines/nightly.flows.yaml#nightly", flow: "ingest", node: "score", cacheKey: "ab".repeat(32) };
  await db.record({ ...at, runId: "20261207-041000-aaaaaa", output: { metrics: { f1: [0.91, 0.87] } } });
  const got = await db.valueAt(at, ["metrics", "f1", 0]);
  await db.close();
  process.stdout.write(JSON.stringify(got) + "\\n");
})().catch((e) => { process.stderr.write(String(e && e.stack || e) + "\\n"); process.exit(1); });
`;
  const recorded = await exec(process.execPath, ["-e", record], project);
  assert.equal(recorded.code, 0, show(recorded));
  assert.equal(recorded.stdout, '{"found":true,"value":0.91}\n');
  assert.ok(fs.existsSync(path.join(project, ".flowsmith/results.sqlite")));

  const table = await exec("npx", ["--no", "--", "flowsmith", "results", "--flow", "ingest", "--node", "score"], project);
  assert.equal(table.code, 0, show(table));
  assert.match(table.stdout, /^RECORDED\s+RUN\s+COMPOSITION\s+FLOW\/NODE\s+OUTPUT\n.*20261207-041000-aaaaaa\s+pipelines\/nightly\.flows\.yaml#nightly\s+ingest\/score\s+\{"metrics":\{"f1":\[0\.91,0\.87\]\}\}\n$/);

  const json = await exec("npx", ["--no", "--", "flowsmith", "results", "--flow", "ingest", "--format", "json"], project);
  assert.equal(json.code, 0, show(json));
  const records = JSON.parse(json.stdout) as { node: string; runId: string; output: unknown }[];
  assert.deepEqual(records.map((r) => [r.node, r.runId, r.output]), [["score", "20261207-041000-aaaaaa", { metrics: { f1: [0.91, 0.87] } }]]);
});
