/**
 * The results database of `db` mappings (DESIGN.md, "Compositions"): a composing flow's node output is
 * recorded there, and a mapped param receives the value at its `attribute_index`, extracted by the
 * database with a SQL JSON path. Embedded by default (a SQLite file in the store, written through
 * sql.js: no server, no native build); PostgreSQL with `--results-db postgres://…` for a team or a
 * cluster. The drivers (sql.js, pg) are bundled apart as dist/results-db.js next to the CLI and
 * loaded only when a database is opened, so a run without `db` mappings never pays for them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { StoreLayout } from "../store/layout.js";
import { FlowsmithError } from "../util/errors.js";

export interface ResultRecord {
  /** The composition's canonical target, `relative/file.flows.yaml#NAME`. */
  composition: string;
  /** The composing flow's name in it (e.g. "ingest"). */
  flow: string;
  /** The node id inside that flow (e.g. "clean", "sub/score#2"). */
  node: string;
  runId: string;
  /** The node's cache key (its output's identity). */
  cacheKey: string;
  /** The node's whole output (JSON). */
  output: unknown;
  /** ISO time, set by the database layer. */
  recordedAt: string;
}

export interface ResultQuery {
  composition?: string;
  flow?: string;
  node?: string;
  limit?: number;
}

export interface ResultsDb {
  readonly kind: "embedded" | "postgres";
  /** The file path, or the URL with any password replaced by ***. */
  readonly location: string;
  /** Idempotent on (composition, flow, node, cacheKey, runId). */
  record(r: Omit<ResultRecord, "recordedAt">): Promise<void>;
  /**
   * The value at attributeIndex ([] = whole output) of the recorded output (the newest record of that
   * cache key), extracted by the database (SQL JSON path), not in JS. found:false when nothing is
   * recorded or the path leads nowhere (a missing key, an index past the end, a key of a non-object).
   */
  valueAt(q: { composition: string; flow: string; node: string; cacheKey: string }, attributeIndex: (string | number)[]): Promise<{ found: boolean; value?: unknown }>;
  /** Newest first. */
  list(q: ResultQuery): Promise<ResultRecord[]>;
  close(): Promise<void>;
}

/** What dist/results-db.js (results/backends.ts) exports. */
export interface ResultsBackends {
  openEmbedded(file: string, lockFile: string): Promise<ResultsDb>;
  openPostgres(url: string): Promise<ResultsDb>;
}

/** How many records `list` returns when no limit is given. */
export const DEFAULT_LIST_LIMIT = 100;

/** `--results-db`, else FLOWSMITH_RESULTS_DB; undefined: the embedded database. */
export function resultsDbUrl(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = option ?? env.FLOWSMITH_RESULTS_DB;
  return url && url.trim() ? url.trim() : undefined;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(url);
}

/** A URL as it may be printed: any password replaced by ***. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    // Not parseable: hide whatever sits between "user:" and "@".
    return url.replace(/\/\/([^/@:]*):[^/@]*@/, "//$1:***@");
  }
}

/**
 * The path of an attribute index, checked: object keys are strings, array indexes non-negative
 * integers. Anything else (a negative or fractional index, a boolean, null) is a FlowsmithError.
 */
export function checkAttributeIndex(attributeIndex: readonly unknown[]): (string | number)[] {
  if (!Array.isArray(attributeIndex)) throw new FlowsmithError(`attribute_index must be a list of keys and indexes, not ${JSON.stringify(attributeIndex)}`);
  return attributeIndex.map((segment, i) => {
    if (typeof segment === "string") return segment;
    if (typeof segment === "number" && Number.isSafeInteger(segment) && segment >= 0) return segment;
    throw new FlowsmithError(
      `attribute_index[${i}] is ${JSON.stringify(segment) ?? String(segment)}: each entry is an object key (a string) or a list index (an integer ≥ 0)`,
    );
  });
}

/** The bundled drivers: dist/results-db.js next to this bundle, or the sources when run from them (tsx). */
function loadBackends(): ResultsBackends {
  const bundled = path.join(__dirname, "results-db.js");
  if (fs.existsSync(bundled)) return require(bundled) as ResultsBackends;
  try {
    // Run from the sources (tsx): the modules themselves. A computed name, so esbuild leaves it out of the CLI's bundle.
    return require(["./backends", "js"].join(".")) as ResultsBackends;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
    throw new FlowsmithError(`the results database support is not installed (${bundled} is missing); rebuild with npm run build`);
  }
}

/**
 * url undefined → the embedded database in the store; `postgres://…` / `postgresql://…` → PostgreSQL;
 * anything else → FlowsmithError (one line). Unreachable PostgreSQL → FlowsmithError naming host:port.
 */
export async function openResultsDb(options: { url?: string; storeDir: string }): Promise<ResultsDb> {
  const url = options.url?.trim();
  if (url === undefined || url === "") {
    const layout = new StoreLayout(options.storeDir);
    return loadBackends().openEmbedded(layout.resultsDb, layout.resultsDbLock);
  }
  if (!isPostgresUrl(url)) {
    throw new FlowsmithError(
      `--results-db ${JSON.stringify(redactUrl(url))} is not a results database URL: give postgres://USER@HOST:PORT/DB (or FLOWSMITH_RESULTS_DB), or nothing for the embedded database in the store`,
    );
  }
  return loadBackends().openPostgres(url);
}
