/** Options several commands take, defined once. */
import { Option } from "commander";

/** For repeatable options (`--param a=1 --param b=2`). */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

export const storeOption = () => new Option("--store <dir>", "store directory (default: .flowsmith in the workspace root; env FLOWSMITH_STORE)");

/** Where `db` mappings record node outputs (runtime/src/results): the embedded database in the store unless a PostgreSQL URL is given. */
export const resultsDbOption = () =>
  new Option("--results-db <url>", "the results database of db mappings: postgres://USER@HOST:PORT/DB (default: the embedded one in the store; env FLOWSMITH_RESULTS_DB)");
