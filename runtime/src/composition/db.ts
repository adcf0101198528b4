/**
 * `db` mappings (DESIGN "Compositions"): the parent node's output is recorded in the results
 * database, and the child's param receives the value at `[output, ...attribute_index]`, extracted
 * by the database. In the graph that is one node between the two, `db.FLOW.PARAM`, of the task
 * `flowsmith.results-db`: it records the parent's output (under the parent's cache key and this
 * run) and reads the value back. It is cached like any node (its key hashes the parent's output
 * and cache key), so a composition run again finds it complete; every parent of a db mapping that
 * a run finds complete is recorded again for that run after the run (recordDbParents).
 */
import type { RunRecord } from "@flowsmith/contract";
import { openResultsDb, resultsDbUrl, type ResultsDb } from "../results/index.js";
import { task } from "../sdk/task.js";
import type { TaskImpl } from "../sdk/impl.js";
import { fileRecords } from "../store/blobs.js";
import type { Store } from "../store/store.js";
import { FlowsmithError } from "../util/errors.js";

import { RESULTS_DB_FINGERPRINT, RESULTS_DB_TASK } from "./dbTask.js";

export { RESULTS_DB_FINGERPRINT, RESULTS_DB_TASK };

export interface DbReadInput {
  /** The parent node's whole output, and its cache key. */
  output: unknown;
  key: string;
  composition: string;
  flow: string;
  node: string;
  /** `[output, ...attribute_index]`. */
  index: (string | number)[];
  /** `FLOW.param`, for messages. */
  param: string;
}

/** The database of the run going on in this process (opened by openCompositionDb). */
let current: ResultsDb | undefined;

/** What a db-mapped value must fit: the child param's schema field, by composition target and `FLOW.param`. */
const paramFields = new Map<string, { safeParse(value: unknown): { success: boolean; error?: { issues: { message: string }[] } } }>();

/** Remember the schema field a db mapping's value must fit (prepare.ts, per mapping). */
export function expectDbParam(composition: string, param: string, field: { safeParse(value: unknown): { success: boolean; error?: { issues: { message: string }[] } } }): void {
  paramFields.set(`${composition}\0${param}`, field);
}

export const resultsDbTask = task({ name: RESULTS_DB_TASK, description: "a db mapping: record the parent's output in the results database, read the mapped value back" }, async (input: DbReadInput, ctx) => {
  const db = current;
  if (!db) throw new FlowsmithError(`param ${input.param}: no results database is open (db mappings run with flowsmith run, in its own process)`);
  const q = { composition: input.composition, flow: input.flow, node: input.node, cacheKey: input.key };
  await db.record({ ...q, runId: ctx.runId, output: fileRecords(input.output) });
  const got = await db.valueAt(q, input.index);
  if (!got.found) {
    throw new FlowsmithError(
      `param ${input.param}: ${input.flow}/${input.node}'s output has nothing at ${input.index.map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`)).join("")} (output and attribute_index of the db mapping)`,
      "FS005",
    );
  }
  const field = paramFields.get(`${input.composition}\0${input.param}`);
  const fits = field?.safeParse(got.value);
  if (fits && !fits.success) {
    throw new FlowsmithError(`param ${input.param}: the value from the results database, ${short(got.value)}, does not fit its schema: ${fits.error?.issues[0]?.message ?? "invalid"}`, "FS003");
  }
  ctx.log(`${input.param} = ${short(got.value)} (from ${db.kind} results database)`);
  return { value: got.value };
}) as unknown as TaskImpl & ((input: object, options?: { as?: string }) => { value: unknown });

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The parents of a composition's db mappings: composing flow and node inside it. */
export interface DbParent {
  flow: string;
  node: string;
}

/**
 * Open the results database for a run (`--results-db`, else FLOWSMITH_RESULTS_DB, else the
 * embedded one in the store) and make it the one db nodes use; `close` when the run is over.
 */
export async function openCompositionDb(option: string | undefined, store: Store): Promise<{ db: ResultsDb; close(): Promise<void> }> {
  const db = await openResultsDb({ url: resultsDbUrl(option), storeDir: store.dir });
  current = db;
  return {
    db,
    async close() {
      if (current === db) current = undefined;
      await db.close();
    },
  };
}

/**
 * After a run: record the output of every db mapping's parent node that the run found or made
 * complete (each variant of a matrix run), under the run's id (idempotent: a db node that ran has
 * recorded it already).
 */
export async function recordDbParents(db: ResultsDb, store: Store, composition: string, parents: DbParent[], run: RunRecord): Promise<number> {
  let recorded = 0;
  for (const parent of parents) {
    const id = `${parent.flow}/${parent.node}`;
    for (const node of run.nodes) {
      if (node.id !== id || node.status !== "complete" || !node.cacheKey) continue;
      const out = store.readOutput(node.cacheKey);
      if (!out) continue;
      await db.record({ composition, flow: parent.flow, node: parent.node, runId: run.id, cacheKey: node.cacheKey, output: out.value });
      recorded++;
    }
  }
  return recorded;
}
