/**
 * The name and code fingerprint of a composition's db-mapping task (db.ts runs it). Apart from
 * db.ts, which loads the results database, so the language server computes the same cache keys and
 * statuses for db nodes from these same two values.
 */
import { sha256 } from "../store/hash.js";

export const RESULTS_DB_TASK = "flowsmith.results-db";
/** Its code fingerprint: a new version of what it does gets a new one. */
export const RESULTS_DB_FINGERPRINT = sha256("flowsmith.results-db/1: record the output, read valueAt([output, ...attribute_index])");
