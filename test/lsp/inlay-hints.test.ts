/**
 * Inlay hints over real JSON-RPC (textDocument/inlayHint) in a NodeNext ESM workspace whose tasks
 * live in tasks.ts: the type each wired input gets, after the reference (`rows: data.rows` shows
 * `: Row[]`, a sub-flow's output too); after a real CLI run (`node runtime/dist/cli.js run
 * daily.ts#daily`) each node's last duration after its call, as formatDuration prints the store's
 * duration — and the server asks the client to refresh its hints when the run changed the store.
 *
 * Needs `npm run build` (dist/server.js and runtime/dist/cli.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, test } from "node:test";
import { formatDuration, type GraphResult } from "@flowsmith/contract";
import { runOk } from "../unit/helpers/workspace.ts";
import { LspClient, SERVER } from "./client.ts";
import { DAILY, positionOf, twoWorkflows, WEEKLY } from "./helpers/twoWorkflows.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

const ws = twoWorkflows();
const daily = ws.path("daily.ts");
const weekly = ws.path("jobs/weekly.ts");
let client: LspClient;

before(async () => {
  client = await LspClient.start(ws.dir);
});

after(async () => {
  await client?.stop();
  ws.cleanup();
});

/** `line:character label` of each hint (line 1-based). */
async function hints(file: string, range?: Parameters<LspClient["inlayHints"]>[1]): Promise<string[]> {
  return ((await client.inlayHints(file, range)) ?? []).map((h) => `${h.position.line + 1}:${h.position.character} ${h.label}`);
}

/** Where a hint after `needle` goes (the end of its `nth` occurrence). */
const after_ = (text: string, needle: string, nth = 0) => {
  const p = positionOf(text, needle, needle.length, nth);
  return `${p.line + 1}:${p.character}`;
};

test("each wired input shows the type its edge carries, after the reference", async () => {
  assert.deepEqual(await hints(daily), [`${after_(DAILY, "data.rows")} : Row[]`]);
  // An aliased node's input, and an input wired to a sub-flow's output.
  assert.deepEqual(await hints(weekly), [`${after_(WEEKLY, "data.rows")} : Row[]`, `${after_(WEEKLY, "p.rows")} : Row[]`]);
  const all = (await client.inlayHints(daily)) ?? [];
  assert.equal(all[0]?.kind, 1, "a type hint (InlayHintKind.Type)");
  assert.match(all[0]?.tooltip ?? "", /get-data\.rows → clean\.rows: Row\[\]/);
});

test("after a run, each node's last duration follows its call, and the client is asked to refresh", async () => {
  const refreshes = client.inlayHintRefreshes;
  await runOk(ws, ["daily.ts#daily"]);
  await client.waitFor("workspace/inlayHint/refresh after the run", () => client.inlayHintRefreshes > refreshes);
  const graph = await client.request<GraphResult>("flowsmith/graph", { target: "daily.ts#daily" });
  const duration = (id: string) => {
    const ms = graph.nodes.find((n) => n.id === id)?.lastRun?.durationMs;
    assert.equal(typeof ms, "number", `${id} has a last duration`);
    return formatDuration(ms)!;
  };
  assert.deepEqual(await hints(daily), [
    `${after_(DAILY, "getData({ count })")} ${duration("get-data")}`,
    `${after_(DAILY, "getData({ count: 2 })")} ${duration("get-data#2")}`,
    `${after_(DAILY, "data.rows")} : Row[]`,
    `${after_(DAILY, "clean({ rows: data.rows })")} ${duration("clean")}`,
  ]);
  const durationHint = ((await client.inlayHints(daily)) ?? []).find((h) => !h.kind);
  assert.equal(durationHint?.paddingLeft, true);
  assert.match(durationHint?.tooltip ?? "", /node get-data: complete, last run \d{8}-\d{6}-[0-9a-f]{6} complete/);
  // weekly was not run: types only.
  assert.deepEqual((await hints(weekly)).length, 2);
});

test("only the hints in the range asked for; bad input answers nothing", async () => {
  const line = positionOf(DAILY, "getData({ count: 2 })").line;
  const only = await hints(daily, { start: { line, character: 0 }, end: { line, character: 200 } });
  assert.equal(only.length, 1);
  assert.match(only[0]!, new RegExp(`^${line + 1}:`));
  assert.deepEqual(await hints(ws.path("nowhere.ts")), []);
  assert.deepEqual(await hints(daily, { start: { line: 5000, character: 0 }, end: { line: 6000, character: 0 } }), []);
});
