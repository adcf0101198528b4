/**
 * JSON paths of an attribute index, for the databases to extract with. Keys are always quoted as
 * JSON strings (so ".", "[", "$", quotes and backslashes in a key are just characters of it), and the
 * path is passed to the database as a bound parameter, never spliced into SQL.
 */
import { FlowsmithError } from "../util/errors.js";
import { checkAttributeIndex } from "./index.js";

const label = (key: string) => `.${JSON.stringify(key)}`;

/** SQLite's JSON1 path: `$."f1"[0]`. */
export function sqlitePath(attributeIndex: readonly unknown[]): string {
  return `$${checkAttributeIndex(attributeIndex).map((s) => (typeof s === "number" ? `[${s}]` : label(s))).join("")}`;
}

/**
 * PostgreSQL's SQL/JSON path, strict (so an index of a non-array or a key of a non-object leads nowhere,
 * as in SQLite, rather than lax mode's unwrapping): `strict $."f1"[0]`.
 */
export function postgresPath(attributeIndex: readonly unknown[]): string {
  return `strict $${checkAttributeIndex(attributeIndex).map((s) => (typeof s === "number" ? `[${s}]` : label(s))).join("")}`;
}

/** The output as stored: JSON text; a value JSON cannot hold is a one-line error. */
export function outputJson(output: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(output);
  } catch (error) {
    throw new FlowsmithError(`${what}: the output cannot be recorded as JSON (${(error as Error).message})`);
  }
  if (text === undefined) throw new FlowsmithError(`${what}: the output is ${typeof output}, which JSON cannot hold`);
  return text;
}

/** A record's identifying fields, checked (non-empty strings), for one-line errors before any SQL. */
export function checkRecordFields(r: { composition: unknown; flow: unknown; node: unknown; runId?: unknown; cacheKey: unknown }): void {
  for (const field of ["composition", "flow", "node", "runId", "cacheKey"] as const) {
    if (field === "runId" && !("runId" in r)) continue;
    const value = r[field];
    if (typeof value !== "string" || value === "") throw new FlowsmithError(`a result's ${field} must be a non-empty string, not ${JSON.stringify(value) ?? String(value)}`);
  }
}
