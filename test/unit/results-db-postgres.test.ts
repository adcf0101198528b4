/**
 * The results database on a real PostgreSQL server (Debian's postgresql package; test/helpers/
 * postgres.ts starts a fresh cluster on a free port of 127.0.0.1 and stops it by PID): record /
 * valueAt / list with the same answers as the embedded database, idempotency, runs racing to create
 * the table, what goes wrong said in one line without the password, and `flowsmith results --flow
 * --results-db` (needs `npm run build`). Skipped, saying so, only when PostgreSQL is not installed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { openResultsDb, type ResultsDb } from "../../runtime/src/results/index.ts";
import { freePort } from "../helpers/redis.ts";
import { postgresBin, startPostgres, type PostgresServer } from "../helpers/postgres.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = path.join(REPO, "runtime/dist/cli.js");
const COMP = "pipelines/nightly.flows.yaml#nightly";
const at = { composition: COMP, flow: "ingest", node: "score", cacheKey: "a".repeat(64) };
const metrics = { metrics: { f1: [0.91, 0.87], auc: 0.95 }, rows: 1200, note: null };

const bin = postgresBin();
if (!bin) console.log("# results-db-postgres: PostgreSQL is not installed (/usr/lib/postgresql/*/bin): skipped; apt-get install -y postgresql");

describe("the results database on PostgreSQL", { skip: !bin && "PostgreSQL is not installed (apt-get install -y postgresql)", concurrency: 1 }, () => {
  let server: PostgresServer;
  let dbCount = 0;
  /** A fresh database of the server, and its URL. */
  async function freshDatabase(): Promise<string> {
    const name = `t${++dbCount}`;
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return server.urlOf(name);
  }
  async function open(t: { after(fn: () => Promise<void>): void }, url: string): Promise<ResultsDb> {
    const db = await openResultsDb({ url, storeDir: "/nonexistent-store" });
    t.after(() => db.close());
    return db;
  }

  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  test("records an output and reads values at attribute indexes with a SQL/JSON path, as the embedded database does", async (t) => {
    const url = await freshDatabase();
    const db = await open(t, url);
    assert.equal(db.kind, "postgres");
    assert.ok(!db.location.includes(server.password), db.location);
    assert.match(db.location, /^postgres:\/\/flowsmith:\*\*\*@127\.0\.0\.1:\d+\/t\d+$/);
    assert.deepEqual(await db.valueAt(at, []), { found: false });
    await db.record({ ...at, runId: "20261207-041000-aaaaaa", output: metrics });
    assert.deepEqual(await db.valueAt(at, []), { found: true, value: metrics });
    assert.deepEqual(await db.valueAt(at, ["metrics", "f1", 1]), { found: true, value: 0.87 });
    assert.deepEqual(await db.valueAt(at, ["metrics", "f1"]), { found: true, value: [0.91, 0.87] });
    assert.deepEqual(await db.valueAt(at, ["note"]), { found: true, value: null }, "a JSON null is found");
    assert.deepEqual(await db.valueAt(at, ["metrics", "precision"]), { found: false });
    assert.deepEqual(await db.valueAt(at, ["metrics", "f1", 2]), { found: false }, "past the end");
    assert.deepEqual(await db.valueAt(at, [0]), { found: false }, "an index of an object (strict, as SQLite)");
    assert.deepEqual(await db.valueAt(at, ["metrics", "f1", "0"]), { found: false }, "a key of a list");
    assert.deepEqual(await db.valueAt({ ...at, cacheKey: "b".repeat(64) }, []), { found: false });
    await assert.rejects(db.valueAt(at, [-1]), (e: Error) => e.name === "FlowsmithError" && /attribute_index\[0\] is -1/.test(e.message));

    const [record, ...rest] = await db.list({ flow: "ingest", node: "score" });
    assert.equal(rest.length, 0);
    assert.deepEqual({ ...record, recordedAt: undefined }, { ...at, runId: "20261207-041000-aaaaaa", output: metrics, recordedAt: undefined });
    assert.match(record!.recordedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    // What is in the table is what a team's other tools would read: jsonb, queryable with #>.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT output #> '{metrics,f1,0}' AS f1, run_id FROM results");
      assert.deepEqual(rows, [{ f1: 0.91, run_id: "20261207-041000-aaaaaa" }]);
    } finally {
      await client.end();
    }
  });

  test("idempotent on (composition, flow, node, cache key, run); newest first; filters and limit", async (t) => {
    const db = await open(t, await freshDatabase());
    await db.record({ ...at, runId: "r1", output: { v: 1 } });
    await db.record({ ...at, runId: "r1", output: { v: 1 } });
    await db.record({ ...at, runId: "r1", output: { v: "other" } });
    assert.equal((await db.list({})).length, 1);
    await db.record({ ...at, runId: "r2", output: { v: 2 } });
    await db.record({ ...at, node: "clean", cacheKey: "c".repeat(64), runId: "r2", output: [1, 2, 3] });
    await db.record({ ...at, composition: "other.flows.yaml#x", node: "clean", cacheKey: "c".repeat(64), runId: "r3", output: [4] });
    assert.deepEqual((await db.list({})).map((r) => r.runId), ["r3", "r2", "r2", "r1"]);
    assert.deepEqual((await db.list({ flow: "ingest", node: "score" })).map((r) => r.output), [{ v: 2 }, { v: 1 }]);
    assert.deepEqual((await db.list({ composition: COMP, node: "clean" })).map((r) => r.output), [[1, 2, 3]]);
    assert.equal((await db.list({ limit: 2 })).length, 2);
    assert.deepEqual(await db.valueAt(at, ["v"]), { found: true, value: 2 }, "the newest record of the cache key");
  });

  test("keys are quoted and every value a parameter: dots, quotes, backslashes and SQL are characters of a key", async (t) => {
    const db = await open(t, await freshDatabase());
    const injection = "x'); DROP TABLE results; --";
    const output = { "a.b": 1, "[0]": 2, 'q"uote': 3, "back\\slash": 4, $: 5, "sp ace": 6, é: 7, "0": 8, [injection]: 9, "new\nline": 10, a: { b: 11 } };
    await db.record({ ...at, runId: "r1", output });
    for (const [key, value] of Object.entries(output)) assert.deepEqual(await db.valueAt(at, [key]), { found: true, value }, `key ${JSON.stringify(key)}`);
    await db.record({ ...at, node: injection, flow: `'"; --`, runId: injection, output: 1 });
    assert.equal((await db.list({})).length, 2, "the table is still there, with both records");
    assert.deepEqual((await db.list({ node: injection })).map((r) => r.flow), [`'"; --`]);
  });

  test("runs opening a fresh database at once all create-or-find the table", async () => {
    const url = await freshDatabase();
    const dbs = await Promise.all(Array.from({ length: 6 }, () => openResultsDb({ url, storeDir: "/nonexistent-store" })));
    try {
      await Promise.all(dbs.map((db, i) => db.record({ ...at, runId: `r${i}`, output: { i } })));
      assert.equal((await dbs[0]!.list({})).length, 6);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  test("what goes wrong is one line naming host:port/db, never the password", async () => {
    const port = await freePort();
    await assert.rejects(openResultsDb({ url: `postgres://ada:s3cret@127.0.0.1:${port}/results`, storeDir: "/x" }), (e: Error) => {
      assert.equal(e.name, "FlowsmithError");
      assert.equal(e.message, `cannot reach the results database at postgres://127.0.0.1:${port}/results: ECONNREFUSED`);
      return true;
    });
    await assert.rejects(openResultsDb({ url: server.url.replace(server.password, "wrong-password"), storeDir: "/x" }), (e: Error) => {
      assert.match(e.message, new RegExp(`^cannot log in to the results database at postgres://127\\.0\\.0\\.1:${server.port}/postgres: password authentication failed for user "flowsmith"$`));
      assert.ok(!e.message.includes("wrong-password"));
      return true;
    });
    await assert.rejects(openResultsDb({ url: server.urlOf("missing"), storeDir: "/x" }), (e: Error) => /^the results database at postgres:\/\/127\.0\.0\.1:\d+\/missing does not exist/.test(e.message) && !e.message.includes(server.password));

    // A "results" table of somebody else's.
    const url = await freshDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("CREATE TABLE results (id int, score real)");
    await client.end();
    await assert.rejects(openResultsDb({ url, storeDir: "/x" }), (e: Error) => e.name === "FlowsmithError" && /has a "results" table that is not Flowsmith's/.test(e.message));
  });

  test("a server that goes away under an open database: the next call fails in one line, nothing hangs", async () => {
    const other = await startPostgres();
    let db: ResultsDb | undefined;
    try {
      db = await openResultsDb({ url: other.url, storeDir: "/x" });
      await db.record({ ...at, runId: "r1", output: 1 });
      await other.stop();
      await assert.rejects(db.list({}), (e: Error) => {
        assert.equal(e.name, "FlowsmithError", e.stack);
        assert.match(e.message, new RegExp(`^(cannot reach|lost) the results database at postgres://127\\.0\\.0\\.1:${other.port}/postgres`));
        assert.ok(!e.message.includes(other.password) && !e.message.includes("\n"));
        return true;
      });
    } finally {
      await db?.close().catch(() => undefined);
      await other.stop();
    }
  });

  describe("flowsmith results --flow --results-db (the built CLI)", { skip: !fs.existsSync(CLI) && "runtime/dist/cli.js is missing: run npm run build" }, () => {
    function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
      const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-pgcli-"));
      try {
        const childEnv = { ...process.env, NO_COLOR: "1", ...env };
        delete childEnv.NODE_OPTIONS;
        if (!("FLOWSMITH_RESULTS_DB" in env)) delete childEnv.FLOWSMITH_RESULTS_DB;
        const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env: childEnv, encoding: "utf8", timeout: 60_000 });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
      } finally {
        fs.rmSync(cwd, { recursive: true, force: true });
      }
    }

    test("lists recorded results as a table and as JSON (URL from --results-db or FLOWSMITH_RESULTS_DB); unreachable: exit 2, one line", async (t) => {
      const url = await freshDatabase();
      const db = await open(t, url);
      await db.record({ ...at, runId: "20261207-041000-aaaaaa", output: metrics });
      await db.record({ ...at, node: "clean", cacheKey: "c".repeat(64), runId: "20261207-041000-aaaaaa", output: [1] });

      const table = cli(["results", "--flow", "ingest", "--node", "score", "--results-db", url]);
      assert.equal(table.code, 0, table.stderr);
      const lines = table.stdout.trimEnd().split("\n");
      assert.equal(lines.length, 2, table.stdout);
      assert.match(lines[0]!, /^RECORDED\s+RUN\s+COMPOSITION\s+FLOW\/NODE\s+OUTPUT$/);
      assert.match(lines[1]!, /20261207-041000-aaaaaa\s+pipelines\/nightly\.flows\.yaml#nightly\s+ingest\/score\s+\{.*"metrics":\{"f1":\[0\.91,0\.87\]/, "(jsonb keeps an object's keys in its own order)");

      const json = cli(["results", "--flow", "ingest", "--format", "json"], { FLOWSMITH_RESULTS_DB: url });
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual((JSON.parse(json.stdout) as { node: string; output: unknown }[]).map((r) => [r.node, r.output]), [
        ["clean", [1]],
        ["score", metrics],
      ]);

      const none = cli(["results", "--flow", "ingset", "--results-db", url]);
      assert.equal(none.code, 0);
      assert.match(none.stdout, /^no results recorded for flow ingset in postgres:\/\/flowsmith:\*\*\*@127\.0\.0\.1:\d+\/t\d+ \(did you mean "ingest"\?\)\n$/);
      assert.ok(!none.stdout.includes(server.password));

      const port = await freePort();
      const down = cli(["results", "--flow", "ingest", "--results-db", `postgres://ada:s3cret@127.0.0.1:${port}/results`]);
      assert.equal(down.code, 2, down.stdout + down.stderr);
      assert.equal(down.stderr, `flowsmith: error: cannot reach the results database at postgres://127.0.0.1:${port}/results: ECONNREFUSED\n`);
      assert.equal(down.stdout, "");
    });
  });
});
