/**
 * The embedded results database: a genuine SQLite file in the store (layout.resultsDb), read and
 * written through sql.js (SQLite compiled to WebAssembly: no server, no native build, installs
 * offline). sql.js works on a copy in memory, so a write is: take the lock file, load the file, apply,
 * export, write a temp file, fsync, rename over it. Readers need no lock: a rename replaces the file
 * whole, so they see the database before or after a write, never half of one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import initSqlJs, { type Database, type SqlJsStatic } from "sql.js";
import { isProcessAlive, writeFileAtomic } from "../store/files.js";
import { FlowsmithError } from "../util/errors.js";
import { DEFAULT_LIST_LIMIT, type ResultQuery, type ResultRecord, type ResultsDb } from "./index.js";
import { withFileLock } from "./lock.js";
import { checkRecordFields, outputJson, sqlitePath } from "./paths.js";

/** The schema's version (PRAGMA user_version): a file of a newer version is not written. */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS results (
  id          INTEGER PRIMARY KEY,
  composition TEXT NOT NULL,
  flow        TEXT NOT NULL,
  node        TEXT NOT NULL,
  run_id      TEXT NOT NULL,
  cache_key   TEXT NOT NULL,
  output      TEXT NOT NULL CHECK (json_valid(output)),
  recorded_at TEXT NOT NULL,
  UNIQUE (composition, flow, node, cache_key, run_id)
);
CREATE INDEX IF NOT EXISTS results_flow_node ON results (flow, node, recorded_at);
PRAGMA user_version = ${SCHEMA_VERSION};
`;

/** sql-wasm.wasm: next to the bundle (runtime/dist, copied there by scripts/build.mjs), else sql.js's own. */
function wasmFile(name: string): string {
  const next = path.join(__dirname, name);
  return fs.existsSync(next) ? next : require.resolve(`sql.js/dist/${name}`);
}

let sqlJs: Promise<SqlJsStatic> | undefined;
function loadSqlJs(): Promise<SqlJsStatic> {
  return (sqlJs ??= initSqlJs({ locateFile: wasmFile }));
}

type Row = Record<string, unknown>;

function all(db: Database, sql: string, params: Record<string, string | number | null>): Row[] {
  const stmt = db.prepare(sql);
  try {
    stmt.bind(params);
    const rows: Row[] = [];
    while (stmt.step()) rows.push(stmt.getAsObject());
    return rows;
  } finally {
    stmt.free();
  }
}

class EmbeddedResultsDb implements ResultsDb {
  readonly kind = "embedded" as const;
  constructor(
    private readonly SQL: SqlJsStatic,
    readonly location: string,
    private readonly lockFile: string,
  ) {}

  /** The database as the file holds it now; undefined when there is none yet. */
  private load(): Database | undefined {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(this.location);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    let db: Database | undefined;
    try {
      db = new this.SQL.Database(bytes);
      const [version] = db.exec("PRAGMA user_version")[0]?.values[0] ?? [0];
      if (Number(version) > SCHEMA_VERSION) {
        throw new FlowsmithError(`the results database ${this.location} was made by a newer flowsmith (schema ${version}); upgrade flowsmith to use it`);
      }
      db.exec("SELECT count(*) FROM sqlite_master");
      return db;
    } catch (error) {
      db?.close();
      if (error instanceof FlowsmithError) throw error;
      throw new FlowsmithError(`${this.location} is not a readable results database (${(error as Error).message}); move it away to start a new one`);
    }
  }

  private hasTable(db: Database): boolean {
    return all(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'results'", {}).length > 0;
  }

  async record(r: Omit<ResultRecord, "recordedAt">): Promise<void> {
    checkRecordFields(r);
    const output = outputJson(r.output, `${r.flow}/${r.node}`);
    const SQL = this.SQL;
    await withFileLock(this.lockFile, { what: `the results database ${this.location}` }, () => {
      const db = this.load() ?? new SQL.Database();
      try {
        db.exec(SCHEMA);
        db.run(
          `INSERT INTO results (composition, flow, node, run_id, cache_key, output, recorded_at)
           VALUES (:composition, :flow, :node, :runId, :cacheKey, json(:output), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
           ON CONFLICT (composition, flow, node, cache_key, run_id) DO NOTHING`,
          { ":composition": r.composition, ":flow": r.flow, ":node": r.node, ":runId": r.runId, ":cacheKey": r.cacheKey, ":output": output },
        );
        // Recorded before (the same node of the same run): nothing to write.
        if (db.getRowsModified() === 0 && fs.existsSync(this.location)) return;
        this.persist(db.export());
        this.sweepTemps();
      } finally {
        db.close();
      }
    });
  }

  /** Temp files next to the database (`results.sqlite.<pid>.….tmp`, lock temps, stale locks set aside) of processes that died mid-write. */
  private sweepTemps(): void {
    const dir = path.dirname(this.location);
    const prefix = `${path.basename(this.location)}.`;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(prefix) || !/\.(tmp|stale)$/.test(name)) continue;
      const pid = Number(/^(?:lock\.)?(\d+)\./.exec(name.slice(prefix.length))?.[1]);
      if (pid && !isProcessAlive(pid)) fs.rmSync(path.join(dir, name), { force: true });
    }
  }

  /** temp file, fsync, rename (store/files.ts), then the directory synced so the rename survives a crash. */
  private persist(bytes: Uint8Array): void {
    writeFileAtomic(this.location, bytes, true);
    let fd: number | undefined;
    try {
      fd = fs.openSync(path.dirname(this.location), "r");
      fs.fsyncSync(fd);
    } catch {
      // Directories cannot be opened for syncing on some platforms (Windows): the rename itself is atomic.
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  async valueAt(q: { composition: string; flow: string; node: string; cacheKey: string }, attributeIndex: (string | number)[]): Promise<{ found: boolean; value?: unknown }> {
    checkRecordFields(q);
    const jsonPath = sqlitePath(attributeIndex);
    const db = this.load();
    if (!db) return { found: false };
    try {
      if (!this.hasTable(db)) return { found: false };
      // json_type is NULL where the path leads nowhere and 'null' at a JSON null; -> gives the value as JSON text.
      const [row] = all(
        db,
        `SELECT json_type(output, :path) AS type, output -> :path AS value FROM results
         WHERE composition = :composition AND flow = :flow AND node = :node AND cache_key = :cacheKey
         ORDER BY recorded_at DESC, id DESC LIMIT 1`,
        { ":path": jsonPath, ":composition": q.composition, ":flow": q.flow, ":node": q.node, ":cacheKey": q.cacheKey },
      );
      if (!row || row.type === null) return { found: false };
      return { found: true, value: JSON.parse(String(row.value)) };
    } finally {
      db.close();
    }
  }

  async list(q: ResultQuery): Promise<ResultRecord[]> {
    const limit = q.limit ?? DEFAULT_LIST_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new FlowsmithError(`the limit must be a positive integer, not ${limit}`);
    const db = this.load();
    if (!db) return [];
    try {
      if (!this.hasTable(db)) return [];
      const rows = all(
        db,
        `SELECT composition, flow, node, run_id, cache_key, output, recorded_at FROM results
         WHERE (:composition IS NULL OR composition = :composition) AND (:flow IS NULL OR flow = :flow) AND (:node IS NULL OR node = :node)
         ORDER BY recorded_at DESC, id DESC LIMIT :limit`,
        { ":composition": q.composition ?? null, ":flow": q.flow ?? null, ":node": q.node ?? null, ":limit": limit },
      );
      return rows.map((row) => ({
        composition: String(row.composition),
        flow: String(row.flow),
        node: String(row.node),
        runId: String(row.run_id),
        cacheKey: String(row.cache_key),
        output: JSON.parse(String(row.output)) as unknown,
        recordedAt: String(row.recorded_at),
      }));
    } finally {
      db.close();
    }
  }

  async close(): Promise<void> {
    // Nothing stays open between calls: every call reads the file anew.
  }
}

export async function openEmbedded(file: string, lockFile: string): Promise<ResultsDb> {
  const SQL = await loadSqlJs();
  return new EmbeddedResultsDb(SQL, file, lockFile);
}
