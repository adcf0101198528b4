/**
 * The results database on PostgreSQL (`--results-db postgres://USER[:PASSWORD]@HOST:PORT/DB`), for a
 * team or a cluster: a `results` table (created when missing; two runs creating it at once are
 * serialized by an advisory lock), outputs as jsonb, values extracted with a SQL/JSON path.
 * Connecting gives up after 5 s; what goes wrong is said in one line naming host:port/db, never the
 * password.
 */
import pg from "pg";
import { FlowsmithError } from "../util/errors.js";
import { DEFAULT_LIST_LIMIT, redactUrl, type ResultQuery, type ResultRecord, type ResultsDb } from "./index.js";
import { checkRecordFields, outputJson, postgresPath } from "./paths.js";

const CONNECT_TIMEOUT_MS = 5000;
/** A query unanswered this long (a server that hangs after connecting) fails rather than holding the run. */
const QUERY_TIMEOUT_MS = 30_000;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS results (
     id          bigserial PRIMARY KEY,
     composition text NOT NULL,
     flow        text NOT NULL,
     node        text NOT NULL,
     run_id      text NOT NULL,
     cache_key   text NOT NULL,
     output      jsonb NOT NULL,
     recorded_at timestamptz NOT NULL DEFAULT now(),
     CONSTRAINT results_identity UNIQUE (composition, flow, node, cache_key, run_id)
   )`,
  `CREATE INDEX IF NOT EXISTS results_flow_node ON results (flow, node, recorded_at DESC)`,
];

/** The advisory lock key serializing schema creation (any constant; "flowsmith results" in ASCII, cut to 63 bits). */
const SCHEMA_LOCK = "7234891566023110001";

/** postgres://HOST:PORT/DB of a URL, for messages: no user, no password. */
export function serverLabel(url: string): string {
  try {
    const u = new URL(url);
    const db = decodeURIComponent(u.pathname.replace(/^\//, "")) || decodeURIComponent(u.username) || "postgres";
    const host = u.hostname || u.searchParams.get("host") || "localhost";
    return `postgres://${host}:${u.port || "5432"}/${db}`;
  } catch {
    return redactUrl(url);
  }
}

/** The one-line reason of a connection failure: the errno code, or PostgreSQL's own message. */
function reason(error: unknown): string {
  const e = error as { code?: string; message?: string; errors?: { code?: string }[] };
  if (typeof e?.code === "string" && /^E[A-Z]+$/.test(e.code)) return e.code;
  const inner = e?.errors?.find((x) => typeof x?.code === "string")?.code;
  if (inner) return inner;
  if (/timeout/i.test(e?.message ?? "")) return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
  return String(e?.message ?? error).split("\n")[0]!;
}

function toRecord(row: Record<string, unknown>): ResultRecord {
  const at = row.recorded_at;
  return {
    composition: String(row.composition),
    flow: String(row.flow),
    node: String(row.node),
    runId: String(row.run_id),
    cacheKey: String(row.cache_key),
    output: row.output,
    recordedAt: at instanceof Date ? at.toISOString() : new Date(String(at)).toISOString(),
  };
}

class PostgresResultsDb implements ResultsDb {
  readonly kind = "postgres" as const;
  readonly location: string;
  constructor(
    private readonly pool: pg.Pool,
    url: string,
    private readonly label: string,
  ) {
    this.location = redactUrl(url);
  }

  private async query(sql: string, params: unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.pool.query(sql, params);
    } catch (error) {
      const e = error as { code?: string; message?: string };
      if (e.code === "42703" || e.code === "42P01") {
        throw new FlowsmithError(`the results database at ${this.label} has a "results" table that is not Flowsmith's (${e.message})`);
      }
      if (e.code && /^(08|57P)/.test(e.code)) throw new FlowsmithError(`lost the results database at ${this.label}: ${e.message}`);
      if (e.code && /^E[A-Z]+$/.test(e.code)) throw new FlowsmithError(`cannot reach the results database at ${this.label}: ${e.code}`);
      if (/query read timeout/i.test(e.message ?? "")) throw new FlowsmithError(`the results database at ${this.label} did not answer within ${QUERY_TIMEOUT_MS / 1000} s`);
      if (/connection terminated|not queryable/i.test(e.message ?? "")) throw new FlowsmithError(`lost the results database at ${this.label}: ${e.message}`);
      throw error;
    }
  }

  async record(r: Omit<ResultRecord, "recordedAt">): Promise<void> {
    checkRecordFields(r);
    const output = outputJson(r.output, `${r.flow}/${r.node}`);
    await this.query(
      `INSERT INTO results (composition, flow, node, run_id, cache_key, output) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
       ON CONFLICT ON CONSTRAINT results_identity DO NOTHING`,
      [r.composition, r.flow, r.node, r.runId, r.cacheKey, output],
    );
  }

  async valueAt(q: { composition: string; flow: string; node: string; cacheKey: string }, attributeIndex: (string | number)[]): Promise<{ found: boolean; value?: unknown }> {
    checkRecordFields(q);
    const jsonPath = postgresPath(attributeIndex);
    // silent (the last argument): a path that leads nowhere gives no item (SQL NULL), not an error; a JSON null is 'null'.
    const { rows } = await this.query(
      `SELECT v IS NOT NULL AS found, v::text AS value
         FROM (SELECT jsonb_path_query_first(output, $5::jsonpath, '{}', true) AS v FROM results
               WHERE composition = $1 AND flow = $2 AND node = $3 AND cache_key = $4
               ORDER BY recorded_at DESC, id DESC LIMIT 1) AS newest`,
      [q.composition, q.flow, q.node, q.cacheKey, jsonPath],
    );
    const row = rows[0] as { found: boolean; value: string | null } | undefined;
    if (!row || !row.found) return { found: false };
    return { found: true, value: JSON.parse(row.value!) as unknown };
  }

  async list(q: ResultQuery): Promise<ResultRecord[]> {
    const limit = q.limit ?? DEFAULT_LIST_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new FlowsmithError(`the limit must be a positive integer, not ${limit}`);
    const { rows } = await this.query(
      `SELECT composition, flow, node, run_id, cache_key, output, recorded_at FROM results
        WHERE ($1::text IS NULL OR composition = $1) AND ($2::text IS NULL OR flow = $2) AND ($3::text IS NULL OR node = $3)
        ORDER BY recorded_at DESC, id DESC LIMIT $4`,
      [q.composition ?? null, q.flow ?? null, q.node ?? null, limit],
    );
    return rows.map(toRecord);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function createSchema(client: pg.PoolClient): Promise<void> {
  await client.query("BEGIN");
  try {
    // Two runs creating the table at once: the second waits here, then finds it.
    await client.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`);
    for (const statement of SCHEMA) await client.query(statement);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    // A creation racing ours without the advisory lock (another tool): the table is there now.
    const code = (error as { code?: string }).code;
    if (code === "42703") throw new FlowsmithError(`has a "results" table that is not Flowsmith's (${(error as Error).message}); use another database`);
    if (code !== "23505" && code !== "42P07") throw error;
  }
}

export async function openPostgres(url: string): Promise<ResultsDb> {
  const label = serverLabel(url);
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: QUERY_TIMEOUT_MS, max: 4, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
  } catch (error) {
    throw new FlowsmithError(`--results-db ${redactUrl(url)} is not a PostgreSQL URL (${reason(error)})`);
  }
  // An idle connection dropped by the server must not crash the process: the next query says so.
  pool.on("error", () => undefined);
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end().catch(() => undefined);
    const code = (error as { code?: string }).code;
    if (code === "28P01" || code === "28000") throw new FlowsmithError(`cannot log in to the results database at ${label}: ${reason(error)}`);
    if (code === "3D000") throw new FlowsmithError(`the results database at ${label} does not exist: ${reason(error)}`);
    throw new FlowsmithError(`cannot reach the results database at ${label}: ${reason(error)}`);
  }
  try {
    await createSchema(client);
  } catch (error) {
    client.release();
    await pool.end().catch(() => undefined);
    if (error instanceof FlowsmithError) throw new FlowsmithError(`the results database at ${label} ${error.message}`);
    throw new FlowsmithError(`cannot create the results table in ${label}: ${reason(error)}`);
  }
  client.release();
  return new PostgresResultsDb(pool, url, label);
}
