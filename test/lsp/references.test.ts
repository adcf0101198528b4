/**
 * Find references of a task over real JSON-RPC (textDocument/references) in a NodeNext ESM
 * workspace opened as two folders (the root, and jobs/ nested in it: each has its own analysis):
 * every call of the task in every workflow of both folders — sub-flows included, each call once —
 * and its declaration when includeDeclaration; asked on the variable, the `name` string or a call.
 *
 * Needs `npm run build` (dist/server.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { LspClient, SERVER } from "./client.ts";
import { DAILY, positionOf, TASKS, textAt, twoWorkflows, WEEKLY } from "./helpers/twoWorkflows.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

const ws = twoWorkflows();
const files = { tasks: ws.path("tasks.ts"), daily: ws.path("daily.ts"), weekly: ws.path("jobs/weekly.ts") };
const TEXT: Record<string, string> = { [files.tasks]: TASKS, [files.daily]: DAILY, [files.weekly]: WEEKLY };
let client: LspClient;

before(async () => {
  client = await LspClient.start(ws.dir, {}, {}, [ws.dir, ws.path("jobs")]);
});

after(async () => {
  await client?.stop();
  ws.cleanup();
});

/** `file:line: text` of each location (line 1-based), in the server's order. */
async function refs(file: string, position: { line: number; character: number }, includeDeclaration: boolean): Promise<string[]> {
  const locations = (await client.references(file, position, includeDeclaration)) ?? [];
  return locations.map((l) => {
    const f = fileURLToPath(l.uri);
    return `${path.relative(ws.dir, f)}:${l.range.start.line + 1}: ${textAt(TEXT[f]!, l.range)}`;
  });
}

const line = (text: string, needle: string, nth = 0) => positionOf(text, needle, 0, nth).line + 1;

test("every call of a task in every workflow of both folders, and its declaration", async () => {
  const expected = [
    `daily.ts:${line(DAILY, "getData({ count })")}: getData`,
    `daily.ts:${line(DAILY, "getData({ count: 2 })")}: getData`,
    `jobs/weekly.ts:${line(WEEKLY, "getData({ count: 4 })")}: getData`,
    `jobs/weekly.ts:${line(WEEKLY, "getData({ count: 7 })")}: getData`,
  ];
  const declaration = `tasks.ts:${line(TASKS, "export const getData")}: getData`;
  // On the variable, the name string, a call in the root folder and a call in jobs/.
  assert.deepEqual(await refs(files.tasks, positionOf(TASKS, "getData", 3), true), [...expected, declaration]);
  assert.deepEqual(await refs(files.tasks, positionOf(TASKS, `"get-data"`, 2), false), expected);
  assert.deepEqual(await refs(files.daily, positionOf(DAILY, "getData({ count: 2 })", 1), true), [...expected, declaration]);
  assert.deepEqual(await refs(files.weekly, positionOf(WEEKLY, "getData({ count: 7 })", 4), false), expected);
});

test("a task aliased at its call and used through a sub-flow's output is referenced at its calls", async () => {
  assert.deepEqual(await refs(files.weekly, positionOf(WEEKLY, "total({"), false), [`jobs/weekly.ts:${line(WEEKLY, "total({")}: total`]);
  assert.deepEqual(await refs(files.tasks, positionOf(TASKS, "clean", 0, 0), false), [
    `daily.ts:${line(DAILY, "clean({")}: clean`,
    `jobs/weekly.ts:${line(WEEKLY, "clean({")}: clean`,
  ]);
});

test("a task no workflow calls has its declaration only; other places have none", async () => {
  assert.deepEqual(await refs(files.tasks, positionOf(TASKS, "unused", 1), true), [`tasks.ts:${line(TASKS, "export const unused")}: unused`]);
  assert.deepEqual(await refs(files.tasks, positionOf(TASKS, "unused", 1), false), []);
  // A workflow, a param, a comment-free blank line, a position past the end: nothing, no error.
  assert.deepEqual(await refs(files.daily, positionOf(DAILY, "daily = ", 1), true), []);
  assert.deepEqual(await refs(files.daily, positionOf(DAILY, "({ count }) =>", 3), true), []);
  assert.deepEqual(await refs(files.daily, { line: 9999, character: 0 }, true), []);
});
