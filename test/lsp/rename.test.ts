/**
 * Rename of a flow-level name over real JSON-RPC (textDocument/prepareRename, textDocument/rename)
 * in a NodeNext ESM workspace (tasks.ts, daily.ts, jobs/weekly.ts): a task's `name`
 * string, a node alias and a workflow's `name` string. The edit is applied the way an editor does,
 * and then the node ids have changed in every workflow of both files, and neither the server nor
 * `flowsmith check` reports a diagnostic. Identifiers are TypeScript's (prepareRename is null
 * there); invalid and clashing names are refused with a message.
 *
 * Needs `npm run build` (dist/server.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { FlowsResult } from "@flowsmith/contract";
import { LspClient, SERVER, type Diagnostic } from "./client.ts";
import { applyEdits, DAILY, positionOf, TASKS, textAt, twoWorkflows, WEEKLY } from "./helpers/twoWorkflows.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

const ws = twoWorkflows();
const files = { tasks: ws.path("tasks.ts"), daily: ws.path("daily.ts"), weekly: ws.path("jobs/weekly.ts") };
const texts: Record<keyof typeof files, string> = { tasks: TASKS, daily: DAILY, weekly: WEEKLY };
let client: LspClient;

before(async () => {
  client = await LspClient.start(ws.dir);
  for (const key of Object.keys(files) as (keyof typeof files)[]) client.open(files[key], texts[key]);
  for (const file of Object.values(files)) assert.deepEqual(flowsmithOnly(await client.diagnosticsOf(file)), [], `no diagnostics in ${file} to start with`);
});

after(async () => {
  await client?.stop();
  ws.cleanup();
});

const flowsmithOnly = (ds: Diagnostic[]) => ds.filter((d) => d.source === "flowsmith").map((d) => `${d.code} ${d.message}`);

/** Node ids of every workflow, by target. */
async function nodeIds(): Promise<Record<string, string[]>> {
  const result = await client.request<FlowsResult>("flowsmith/flows", {});
  return Object.fromEntries(result.flows.map((f) => [f.target, f.nodes.map((n) => n.id).sort()]));
}

/**
 * Apply a rename's workspace edit to the open documents and save them, as an editor does; then the
 * edited files and the files importing them are published again, with no Flowsmith diagnostics,
 * and `flowsmith check` over the saved workspace agrees.
 */
async function apply(edit: Awaited<ReturnType<LspClient["rename"]>>): Promise<void> {
  assert.ok(edit?.changes, "a workspace edit with changes");
  const since = client.published.length;
  const edited: (keyof typeof files)[] = [];
  for (const [uri, edits] of Object.entries(edit.changes)) {
    const key = (Object.keys(files) as (keyof typeof files)[]).find((k) => client.uri(files[k]) === uri);
    assert.ok(key, `an edit of a known file: ${uri}`);
    texts[key] = applyEdits(texts[key], edits);
    edited.push(key);
    client.change(files[key], texts[key]);
    ws.write(path.relative(ws.dir, files[key]), texts[key]);
  }
  const republished = edited.includes("tasks") ? Object.values(files) : edited.map((k) => files[k]);
  for (const file of republished) {
    const diagnostics = await client.waitFor(`diagnostics of ${file} after the rename`, () => client.published.slice(since).findLast((p) => p.uri === client.uri(file))?.diagnostics);
    assert.deepEqual(flowsmithOnly(diagnostics), [], `no new diagnostics in ${file}`);
  }
  const check = await ws.cli(["check", "."]);
  assert.equal(check.code, 0, `flowsmith check after the rename:\n${check.stdout}${check.stderr}`);
}

async function refused(file: string, position: { line: number; character: number }, newName: string, pattern: RegExp): Promise<void> {
  await assert.rejects(client.rename(file, position, newName), (error: Error) => {
    assert.match(error.message, pattern);
    return true;
  });
}

test("prepareRename offers the name string and the alias, and leaves identifiers to TypeScript", async () => {
  const onString = await client.prepareRename(files.tasks, positionOf(TASKS, `"get-data"`, 3));
  assert.equal(onString?.placeholder, "get-data");
  assert.equal(textAt(TASKS, onString!.range), "get-data");
  const onAlias = await client.prepareRename(files.weekly, positionOf(WEEKLY, `"sum-up"`, 1));
  assert.equal(onAlias?.placeholder, "sum-up");
  assert.equal(textAt(WEEKLY, onAlias!.range), "sum-up");
  const onWorkflowName = await client.prepareRename(files.weekly, positionOf(WEEKLY, `"prep"`, 2));
  assert.equal(onWorkflowName?.placeholder, "prep");
  // The variable, a call and an import: TypeScript's rename (the binding is its symbol).
  assert.equal(await client.prepareRename(files.tasks, positionOf(TASKS, "getData", 2)), null);
  assert.equal(await client.prepareRename(files.daily, positionOf(DAILY, "getData({", 1)), null);
  assert.equal(await client.prepareRename(files.daily, positionOf(DAILY, "{ clean, getData }", 10)), null);
  // A string that is no flow name, and a description.
  assert.equal(await client.prepareRename(files.tasks, positionOf(TASKS, `"Rows"`, 1)), null);
});

test("invalid and clashing names are refused with a message", async () => {
  const at = positionOf(TASKS, `"get-data"`, 2);
  await refused(files.tasks, at, "get data", /not a valid name/);
  await refused(files.tasks, at, "a/b", /not a valid name/);
  await refused(files.tasks, at, "", /not a valid name/);
  // daily calls the task clean: two tasks named clean in one workflow.
  await refused(files.tasks, at, "clean", /workflow daily .*already calls a task named "clean"/);
  // weekly has the aliased node sum-up.
  await refused(files.tasks, at, "sum-up", /workflow weekly .*already has a node "sum-up"/);
  // tasks.ts defines a task named unused (used by no workflow).
  await refused(files.tasks, at, "unused", /tasks\.ts already defines a task named "unused"/);
  await refused(files.weekly, positionOf(WEEKLY, `"sum-up"`, 1), "get-data", /already has a node "get-data"/);
  await refused(files.weekly, positionOf(WEEKLY, `"prep"`, 1), "clean", /already has a node "clean"/);
  // On an identifier (an editor only asks when prepareRename offered it).
  await refused(files.daily, positionOf(DAILY, "getData({", 1), "x", /TypeScript's rename|no .*here|none here/);
  assert.deepEqual(texts.tasks, TASKS, "nothing was edited");
});

test("renaming a task's name string renames its nodes in every workflow, in both files", async () => {
  const before = await nodeIds();
  assert.deepEqual(before["daily.ts#daily"], ["clean", "get-data", "get-data#2"]);
  assert.deepEqual(before["jobs/weekly.ts#weekly"], ["clean", "get-data", "prep/get-data", "sum-up"]);
  const edit = await client.rename(files.tasks, positionOf(TASKS, `"get-data"`, 4), "load-rows");
  assert.deepEqual(Object.keys(edit?.changes ?? {}), [client.uri(files.tasks)], "one file names the task");
  await apply(edit);
  assert.match(texts.tasks, /task\(\{ name: "load-rows", description: "Rows" \}/);
  assert.match(texts.tasks, /export const getData = /, "the variable is TypeScript's: unchanged");
  const after = await nodeIds();
  assert.deepEqual(after["daily.ts#daily"], ["clean", "load-rows", "load-rows#2"]);
  assert.deepEqual(after["jobs/weekly.ts#weekly"], ["clean", "load-rows", "prep/load-rows", "sum-up"]);
  assert.deepEqual(after["jobs/weekly.ts#prep"], ["load-rows"]);
});

test("renaming an alias and a workflow's name string renames the node and the sub-flow's scope", async () => {
  await apply(await client.rename(files.weekly, positionOf(texts.weekly, `"sum-up"`, 3), "summed"));
  assert.match(texts.weekly, /\{ as: "summed" \}/);
  await apply(await client.rename(files.weekly, positionOf(texts.weekly, `"prep"`, 1), "prepare"));
  assert.match(texts.weekly, /workflow\(\{ name: "prepare" \}/);
  assert.match(texts.weekly, /const p = prep\(\);/, "the call is TypeScript's: unchanged");
  const ids = await nodeIds();
  assert.deepEqual(ids["jobs/weekly.ts#weekly"], ["clean", "load-rows", "prepare/load-rows", "summed"]);
  assert.deepEqual(ids["daily.ts#daily"], ["clean", "load-rows", "load-rows#2"]);
});

test("the server keeps answering bad input", async () => {
  assert.equal(await client.prepareRename(files.tasks, { line: 9999, character: 3 }), null);
  await refused(files.tasks, { line: -1, character: 0 }, "x", /none here/);
  assert.equal(await client.prepareRename(ws.path("nowhere.ts"), { line: 0, character: 0 }), null);
  assert.ok(await client.prepareRename(files.tasks, positionOf(texts.tasks, `"load-rows"`, 2)));
});
