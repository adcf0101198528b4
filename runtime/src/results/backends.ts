/**
 * The results database drivers, bundled apart as dist/results-db.js (sql.js and pg inside) and
 * loaded by results/index.ts only when a database is opened.
 */
export { openEmbedded } from "./embedded.js";
export { openPostgres } from "./postgres.js";
