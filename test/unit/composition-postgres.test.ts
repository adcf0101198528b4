/**
 * A composition's db mapping on a real PostgreSQL server (test/helpers/postgres.ts: a fresh cluster
 * on a free port of 127.0.0.1, stopped by PID): `run --results-db URL` and FLOWSMITH_RESULTS_DB
 * record the parent's output there (not in the embedded database) and the child's param is read
 * back from it; an unreachable server is one line naming host:port before anything runs.
 * Skipped, saying so, only when PostgreSQL is not installed. Needs `npm run build`.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { freePort } from "../helpers/redis.ts";
import { postgresBin, startPostgres, type PostgresServer } from "../helpers/postgres.ts";
import { assertCleanError, assertExit, runOk, startedNodes } from "./helpers/workspace.ts";
import { compositionWorkspace, TARGET } from "./helpers/composition.ts";

const bin = postgresBin();
if (!bin) console.log("# composition-postgres: PostgreSQL is not installed (/usr/lib/postgresql/*/bin): skipped; apt-get install -y postgresql");

describe("db mappings on PostgreSQL", { skip: !bin && "PostgreSQL is not installed (apt-get install -y postgresql)", concurrency: 1 }, () => {
  let server: PostgresServer;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  async function rows(url: string): Promise<{ flow: string; node: string; run_id: string; f1: number }[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const res = await client.query("SELECT flow, node, run_id, output #> '{metrics,f1}' AS f1 FROM results ORDER BY recorded_at");
      return res.rows as { flow: string; node: string; run_id: string; f1: number }[];
    } finally {
      await client.end();
    }
  }

  test("run --results-db postgres://… records there and reads the mapped value back; the env variable does the same", async (t) => {
    const ws = compositionWorkspace(t);
    const first = await runOk(ws, [TARGET, "--results-db", server.url]);
    assert.ok(startedNodes(first.stdout).includes("db.train.best"));
    assert.match(first.stdout, /\[db\.train\.best\] train\.best = 0\.75 \(from postgres results database\)/);
    const fit = JSON.parse((await ws.cli(["results", first.runId, "--node", "train/fit"])).stdout);
    assert.equal(fit.model.best, 0.75);
    assert.deepEqual(await rows(server.url), [{ flow: "ingest", node: "score", run_id: first.runId, f1: 0.75 }]);
    assert.ok(!fs.existsSync(ws.path(".flowsmith/results.sqlite")), "nothing in the embedded database");

    // FLOWSMITH_RESULTS_DB: the db node is complete (cached); the parent found complete is recorded for this run too.
    const env = { FLOWSMITH_RESULTS_DB: server.url };
    const third = await ws.cli(["run", TARGET], { env });
    assertExit(third, 0, "run with FLOWSMITH_RESULTS_DB");
    const thirdId = /^run (\S+) /m.exec(third.stdout)![1]!;
    assert.deepEqual(startedNodes(third.stdout), []);
    assert.deepEqual((await rows(server.url)).map((r) => r.run_id), [first.runId, thirdId]);
    const listed = await ws.cli(["results", "--flow", "ingest", "--node", "score", "--format", "json"], { env });
    assertExit(listed, 0, "results --flow with FLOWSMITH_RESULTS_DB");
    assert.deepEqual((JSON.parse(listed.stdout) as { runId: string }[]).map((r) => r.runId).sort(), [first.runId, thirdId].sort());
  });

  test("an unreachable PostgreSQL is one line naming host:port, and nothing runs", async (t) => {
    const ws = compositionWorkspace(t);
    const port = await freePort();
    const res = await ws.cli(["run", TARGET, "--results-db", `postgres://flowsmith:secret@127.0.0.1:${port}/nope`]);
    assertCleanError(res, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(res.stderr, /secret/);
    assert.deepEqual(ws.counter(), [], "no task ran");
  });
});
