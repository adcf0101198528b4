/**
 * The embedded results database (runtime/src/results): a SQLite file in the store written through
 * sql.js. record / valueAt / list, idempotency, values extracted by SQL JSON paths (keys that look
 * like paths or SQL are just keys), two processes recording at once (all rows there, the file a valid
 * database), stale and held locks, a corrupt file left alone, and `flowsmith results --flow` (the
 * CLI cases need `npm run build`: runtime/dist/cli.js and runtime/dist/results-db.js).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import initSqlJs from "sql.js";
import { checkAttributeIndex, openResultsDb, redactUrl, resultsDbUrl, type ResultsDb } from "../../runtime/src/results/index.ts";
import { withFileLock } from "../../runtime/src/results/lock.ts";
import { sqlitePath, postgresPath } from "../../runtime/src/results/paths.ts";
import { StoreLayout } from "../../runtime/src/store/layout.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = path.join(REPO, "runtime/dist/cli.js");
const COMP = "pipelines/nightly.flows.yaml#nightly";

function tempStore(t: { after(fn: () => void): void }): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-results-")));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, ".flowsmith");
}

async function open(t: { after(fn: () => void): void }, storeDir = tempStore(t)): Promise<ResultsDb> {
  const db = await openResultsDb({ storeDir });
  t.after(() => void db.close());
  return db;
}

const metrics = { metrics: { f1: [0.91, 0.87], auc: 0.95 }, rows: 1200, note: null };
const at = { composition: COMP, flow: "ingest", node: "score", cacheKey: "a".repeat(64) };

/** The rows in the file as the `sqlite3` CLI (when installed) or a fresh sql.js sees them. */
async function countRows(file: string): Promise<{ count: number; integrity: string }> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(fs.readFileSync(file));
  try {
    const integrity = String(db.exec("PRAGMA integrity_check")[0]!.values[0]![0]);
    const count = Number(db.exec("SELECT count(*) FROM results")[0]!.values[0]![0]);
    return { count, integrity };
  } finally {
    db.close();
  }
}

describe("the embedded results database", () => {
  test("records an output and reads values at attribute indexes, extracted by SQLite; a genuine SQLite file in the store", async (t) => {
    const storeDir = tempStore(t);
    const db = await open(t, storeDir);
    assert.equal(db.kind, "embedded");
    assert.equal(db.location, new StoreLayout(storeDir).resultsDb);
    assert.deepEqual(await db.valueAt(at, ["metrics"]), { found: false }, "nothing recorded yet (and no file)");
    assert.deepEqual(await db.list({}), []);
    assert.ok(!fs.existsSync(db.location), "reading creates nothing");

    await db.record({ ...at, runId: "20261207-041000-aaaaaa", output: metrics });
    assert.deepEqual(await db.valueAt(at, []), { found: true, value: metrics });
    assert.deepEqual(await db.valueAt(at, ["metrics", "f1"]), { found: true, value: [0.91, 0.87] });
    assert.deepEqual(await db.valueAt(at, ["metrics", "f1", 1]), { found: true, value: 0.87 });
    assert.deepEqual(await db.valueAt(at, ["rows"]), { found: true, value: 1200 });
    assert.deepEqual(await db.valueAt(at, ["note"]), { found: true, value: null }, "a JSON null is found");
    // Paths that lead nowhere: found:false, not an error.
    assert.deepEqual(await db.valueAt(at, ["metrics", "precision"]), { found: false });
    assert.deepEqual(await db.valueAt(at, ["metrics", "f1", 2]), { found: false }, "past the end");
    assert.deepEqual(await db.valueAt(at, [0]), { found: false }, "an index of an object");
    assert.deepEqual(await db.valueAt(at, ["rows", "x"]), { found: false }, "a key of a number");
    assert.deepEqual(await db.valueAt({ ...at, cacheKey: "b".repeat(64) }, []), { found: false }, "another cache key");
    assert.deepEqual(await db.valueAt({ ...at, flow: "train" }, []), { found: false }, "another flow");

    const [record, ...rest] = await db.list({ flow: "ingest", node: "score" });
    assert.equal(rest.length, 0);
    assert.deepEqual({ ...record, recordedAt: undefined }, { ...at, runId: "20261207-041000-aaaaaa", output: metrics, recordedAt: undefined });
    assert.match(record!.recordedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const { count, integrity } = await countRows(db.location);
    assert.equal(integrity, "ok");
    assert.equal(count, 1);
    const sqlite3 = spawnSync("sqlite3", [db.location, "PRAGMA integrity_check; SELECT flow || '/' || node, json_extract(output, '$.metrics.f1[0]') FROM results;"], { encoding: "utf8" });
    if (sqlite3.error) t.diagnostic("the sqlite3 CLI is not installed: checked with sql.js only");
    else assert.equal(sqlite3.stdout, "ok\ningest/score|0.91\n", sqlite3.stderr);
  });

  test("recording is idempotent on (composition, flow, node, cache key, run); list is newest first and filters", async (t) => {
    const db = await open(t);
    await db.record({ ...at, runId: "20261207-041000-aaaaaa", output: { v: 1 } });
    await db.record({ ...at, runId: "20261207-041000-aaaaaa", output: { v: 1 } });
    await db.record({ ...at, runId: "20261207-041000-aaaaaa", output: { v: "other" } });
    assert.equal((await db.list({})).length, 1, "the same node of the same run is recorded once");
    const mtime = fs.statSync(db.location).mtimeMs;
    await db.record({ ...at, runId: "20261207-041000-aaaaaa", output: { v: 1 } });
    assert.equal(fs.statSync(db.location).mtimeMs, mtime, "a repeated record writes nothing");

    await db.record({ ...at, runId: "20261207-041100-bbbbbb", output: { v: 2 } });
    await db.record({ ...at, node: "clean", cacheKey: "c".repeat(64), runId: "20261207-041100-bbbbbb", output: [1, 2, 3] });
    await db.record({ ...at, composition: "other.flows.yaml#x", node: "clean", cacheKey: "c".repeat(64), runId: "20261207-041200-cccccc", output: [4] });
    const all = await db.list({});
    assert.equal(all.length, 4);
    assert.deepEqual(all.map((r) => r.runId), ["20261207-041200-cccccc", "20261207-041100-bbbbbb", "20261207-041100-bbbbbb", "20261207-041000-aaaaaa"], "newest first");
    assert.deepEqual((await db.list({ flow: "ingest", node: "score" })).map((r) => r.output), [{ v: 2 }, { v: 1 }]);
    assert.deepEqual((await db.list({ composition: COMP, node: "clean" })).map((r) => r.output), [[1, 2, 3]]);
    assert.equal((await db.list({ limit: 2 })).length, 2);
    assert.deepEqual(await db.list({ flow: "nope" }), []);
    assert.deepEqual(await db.valueAt(at, ["v"]), { found: true, value: 2 }, "the newest record of the cache key");
    await assert.rejects(db.list({ limit: 0 }), /limit must be a positive integer/);
  });

  test("keys are quoted: dots, brackets, quotes, backslashes and SQL in a key are characters of it", async (t) => {
    const db = await open(t);
    const injection = "x'); DROP TABLE results; --";
    const output = { "a.b": 1, "[0]": 2, 'q"uote': 3, "back\\slash": 4, "$": 5, "sp ace": 6, "é": 7, "0": 8, [injection]: 9, "new\nline": 10, a: { b: 11 } };
    await db.record({ ...at, runId: "20261207-041000-aaaaaa", output });
    for (const [key, value] of Object.entries(output)) assert.deepEqual(await db.valueAt(at, [key]), { found: true, value }, `key ${JSON.stringify(key)}`);
    assert.deepEqual(await db.valueAt(at, ["a", "b"]), { found: true, value: 11 });
    assert.deepEqual(await db.valueAt(at, ["a.b.c"]), { found: false });
    assert.deepEqual(await db.valueAt({ ...at, node: injection }, []), { found: false });
    await db.record({ ...at, node: injection, runId: "20261207-041000-aaaaaa", output: 1 });
    assert.equal((await db.list({})).length, 2, "the table is still there, with both records");
    assert.equal(sqlitePath(["a.b", 0, 'q"']), '$."a.b"[0]."q\\""');
    assert.equal(postgresPath(["f1", 0]), 'strict $."f1"[0]');
  });

  test("a malformed attribute_index is a one-line error; bad records are refused before any SQL", async (t) => {
    const db = await open(t);
    await db.record({ ...at, runId: "20261207-041000-aaaaaa", output: { f1: [1] } });
    for (const bad of [[-1], [1.5], [true], [null], [{}], [Number.NaN]] as unknown as (string | number)[][]) {
      await assert.rejects(db.valueAt(at, bad), (e: Error) => e.name === "FlowsmithError" && /attribute_index\[0\] is .*: each entry is an object key \(a string\) or a list index \(an integer ≥ 0\)/.test(e.message) && !e.message.includes("\n"));
    }
    assert.throws(() => checkAttributeIndex(["f1", -2]), /attribute_index\[1\] is -2/);
    await assert.rejects(db.record({ ...at, runId: "", output: 1 }), /runId must be a non-empty string/);
    await assert.rejects(db.record({ ...at, runId: "r", output: undefined }), /output is undefined, which JSON cannot hold/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await assert.rejects(db.record({ ...at, runId: "r", output: cyclic }), /cannot be recorded as JSON/);
    assert.equal((await db.list({})).length, 1);
  });

  test("two processes recording 200 rows each at once: all 400 are there and the file is a valid database", async (t) => {
    const storeDir = tempStore(t);
    const child = path.join(path.dirname(storeDir), "child.mts");
    const index = pathToFileURL(path.join(REPO, "runtime/src/results/index.ts")).href;
    fs.writeFileSync(
      child,
      `import { openResultsDb } from ${JSON.stringify(index)};
const [storeDir, who] = process.argv.slice(2);
const db = await openResultsDb({ storeDir });
// Both wait for the go file, so their writes overlap.
const fs = await import("node:fs");
for (let i = 0; i < 5000 && !fs.existsSync(storeDir + ".go"); i++) await new Promise((r) => setTimeout(r, 2));
for (let i = 0; i < 200; i++) await db.record({ composition: "c.flows.yaml#c", flow: who, node: "n" + i, runId: "run-" + who, cacheKey: String(i).padStart(16, "0"), output: { who, i } });
await db.close();
process.stdout.write("done " + who + "\\n");
`,
    );
    const run = (who: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(process.execPath, ["--import", "tsx", child, storeDir, who], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (out += d));
        const timer = setTimeout(() => p.kill("SIGKILL"), 120_000);
        p.on("exit", (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
      });
    const both = Promise.all([run("left"), run("right")]);
    setTimeout(() => fs.writeFileSync(`${storeDir}.go`, ""), 1500);
    const results = await both;
    for (const r of results) assert.equal(r.code, 0, r.out);
    const file = new StoreLayout(storeDir).resultsDb;
    const { count, integrity } = await countRows(file);
    assert.equal(integrity, "ok");
    assert.equal(count, 400, "every record of both processes is there");
    const db = await open(t, storeDir);
    assert.equal((await db.list({ flow: "left", limit: 1000 })).length, 200);
    assert.equal((await db.list({ flow: "right", limit: 1000 })).length, 200);
    assert.deepEqual(await db.valueAt({ composition: "c.flows.yaml#c", flow: "right", node: "n199", cacheKey: "0000000000000199" }, ["i"]), { found: true, value: 199 });
    assert.ok(!fs.existsSync(new StoreLayout(storeDir).resultsDbLock), "the lock is released");
    assert.deepEqual(fs.readdirSync(storeDir).filter((f) => f.endsWith(".tmp") || f.endsWith(".stale")), [], "no temp files left");
  });

  test("a lock left by a dead process is taken over; one held by a live process is waited for, boundedly", async (t) => {
    const storeDir = tempStore(t);
    const layout = new StoreLayout(storeDir);
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    const deadPid = Number(dead.stdout);
    fs.mkdirSync(storeDir, { recursive: true });
    fs.writeFileSync(layout.resultsDbLock, JSON.stringify({ pid: deadPid, token: "old" }));
    const db = await open(t, storeDir);
    await db.record({ ...at, runId: "r1", output: 1 });
    assert.equal((await db.list({})).length, 1, "recorded despite the dead process's lock");
    assert.ok(!fs.existsSync(layout.resultsDbLock));

    // Temp files of a writer killed mid-write are swept by the next write; a live process's are kept.
    const leftovers = [`${layout.resultsDb}.${deadPid}.0.tmp`, `${layout.resultsDbLock}.${deadPid}.ab12.tmp`, `${layout.resultsDbLock}.${deadPid}.cd34.stale`];
    const live = `${layout.resultsDb}.${process.pid}.zz.tmp`;
    for (const f of [...leftovers, live]) fs.writeFileSync(f, "partial");
    await db.record({ ...at, runId: "r0", output: 0 });
    assert.deepEqual(leftovers.filter((f) => fs.existsSync(f)), []);
    assert.ok(fs.existsSync(live));
    fs.rmSync(live);

    // A live holder (this process, another token): waiting gives up with one line naming the lock file.
    fs.writeFileSync(layout.resultsDbLock, JSON.stringify({ pid: process.pid, token: "held" }));
    await assert.rejects(
      withFileLock(layout.resultsDbLock, { what: "the results database", timeoutMs: 300 }, () => assert.fail("must not run")),
      (e: Error) => e.name === "FlowsmithError" && e.message.includes(`locked by process ${process.pid}`) && e.message.includes(layout.resultsDbLock),
    );
    // Released while waiting: the writer goes on.
    setTimeout(() => fs.rmSync(layout.resultsDbLock), 200);
    await db.record({ ...at, runId: "r2", output: 2 });
    assert.equal((await db.list({})).length, 3);
  });

  test("a file that is not a SQLite database is reported in one line and left as it was", async (t) => {
    const storeDir = tempStore(t);
    const file = new StoreLayout(storeDir).resultsDb;
    fs.mkdirSync(storeDir, { recursive: true });
    fs.writeFileSync(file, "this is not a database, but somebody's notes\n".repeat(100));
    const before = fs.readFileSync(file);
    const db = await open(t, storeDir);
    await assert.rejects(db.record({ ...at, runId: "r", output: 1 }), (e: Error) => e.name === "FlowsmithError" && /is not a readable results database .*move it away/.test(e.message));
    await assert.rejects(db.list({}), /is not a readable results database/);
    assert.deepEqual(fs.readFileSync(file), before, "untouched");
  });

  test("which database: the embedded one by default, postgres:// URLs, anything else refused in one line; passwords are never shown", async (t) => {
    assert.equal(resultsDbUrl(undefined, {}), undefined);
    assert.equal(resultsDbUrl(undefined, { FLOWSMITH_RESULTS_DB: " postgres://h/db " }), "postgres://h/db");
    assert.equal(resultsDbUrl("postgresql://x/y", { FLOWSMITH_RESULTS_DB: "postgres://h/db" }), "postgresql://x/y", "the option wins");
    assert.equal(redactUrl("postgres://ada:s3cret@db.example:5433/results"), "postgres://ada:***@db.example:5433/results");
    await assert.rejects(openResultsDb({ url: "mysql://ada:s3cret@h/db", storeDir: tempStore(t) }), (e: Error) => /is not a results database URL/.test(e.message) && !e.message.includes("s3cret"));
    await assert.rejects(openResultsDb({ url: "results.sqlite", storeDir: tempStore(t) }), /is not a results database URL/);
  });
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(cwd: string, args: string[]): CliResult {
  const env = { ...process.env, NO_COLOR: "1" };
  delete env.NODE_OPTIONS;
  delete env.FLOWSMITH_STORE;
  delete env.FLOWSMITH_RESULTS_DB;
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("flowsmith results --flow (the built CLI)", { skip: !fs.existsSync(CLI) && "runtime/dist/cli.js is missing: run npm run build" }, () => {
  test("the drivers are not in the CLI's bundle: a run without db mappings never loads sql.js or pg", () => {
    const bundle = fs.readFileSync(CLI, "utf8");
    for (const marker of ["initSqlJs", "BoundPool", "SCRAM-SHA-256"]) assert.ok(!bundle.includes(marker), `runtime/dist/cli.js contains ${marker}`);
    const drivers = fs.readFileSync(path.join(REPO, "runtime/dist/results-db.js"), "utf8");
    for (const marker of ["initSqlJs", "BoundPool", "SCRAM-SHA-256"]) assert.ok(drivers.includes(marker), `runtime/dist/results-db.js has no ${marker}`);
  });

  test("lists what was recorded as a table and as JSON; RUN_ID and --flow are alternatives", async (t) => {
    const storeDir = tempStore(t);
    const ws = path.dirname(storeDir);
    fs.writeFileSync(path.join(ws, "package.json"), "{}\n");
    const db = await open(t, storeDir);
    await db.record({ ...at, runId: "20261207-041000-aaaaaa", output: metrics });
    await db.record({ ...at, node: "clean", cacheKey: "c".repeat(64), runId: "20261207-041000-aaaaaa", output: { rows: "x".repeat(200) } });

    const table = cli(ws, ["results", "--flow", "ingest", "--node", "score"]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^RECORDED\s+RUN\s+COMPOSITION\s+FLOW\/NODE\s+OUTPUT$/);
    assert.equal(lines.length, 2, table.stdout);
    assert.match(lines[1]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+20261207-041000-aaaaaa\s+pipelines\/nightly\.flows\.yaml#nightly\s+ingest\/score\s+\{"metrics":\{"f1":\[0\.91,0\.87\]/);

    const flow = cli(ws, ["results", "--flow", "ingest", "--composition", "pipelines/nightly.flows.yaml#nightly"]);
    assert.equal(flow.code, 0, flow.stderr);
    assert.equal(flow.stdout.trimEnd().split("\n").length, 3, "both nodes of the flow");
    assert.match(flow.stdout, /ingest\/clean\s+\{"rows":"x+…$/m, "a long output is cut to one line");

    const json = cli(ws, ["results", "--flow", "ingest", "--node", "score", "--format", "json"]);
    assert.equal(json.code, 0, json.stderr);
    const records = JSON.parse(json.stdout) as { output: unknown; runId: string; cacheKey: string }[];
    assert.deepEqual(records.map((r) => [r.runId, r.cacheKey, r.output]), [["20261207-041000-aaaaaa", at.cacheKey, metrics]]);

    const misspelt = cli(ws, ["results", "--flow", "ingset"]);
    assert.equal(misspelt.code, 0);
    assert.match(misspelt.stdout, /^no results recorded for flow ingset in .*results\.sqlite \(did you mean "ingest"\?\)\n$/);

    for (const [args, message] of [
      [[], /needs a run id .* or a composing flow/],
      [["20261207-041000-aaaaaa", "--flow", "ingest"], /give a run id or --flow, not both/],
      [["--flow", "ingest", "--format", "xml"], /--format must be table or json/],
      [["--flow", "ingest", "--limit", "two"], /--limit must be a whole number/],
      [["--flow", "ingest", "--composition", "nightly"], /--composition must be FILE#NAME/],
      [["--flow", "ingest", "--results-db", "sqlite:///tmp/x"], /is not a results database URL/],
    ] as [string[], RegExp][]) {
      const r = cli(ws, ["results", ...args]);
      assert.equal(r.code, 2, `results ${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trimEnd().split("\n").length, 1, `one line: ${r.stderr}`);
    }
  });
});
