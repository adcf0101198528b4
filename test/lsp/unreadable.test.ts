/**
 * Files Flowsmith cannot read are said to be so, in the editor and by `flowsmith check`, never
 * passed as clean: a syntax error gets FS000 at its position (and no misleading wiring errors), a
 * file nested too deeply for TypeScript's parser gets FS000 on its first line; the other flows of
 * the workspace are analysed as usual.
 *
 * Needs `npm run build` (dist/server.js, runtime/dist/cli.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { test } from "node:test";
import { makeWorkspace } from "../unit/helpers/workspace.ts";
import { LspClient, SERVER } from "./client.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

const SYNTAX = `import { task, workflow } from "flowsmith";
export const fit = task(async ({ rows }: { rows: number[] }) => {
  let slope = = 0;
  return { slope };
});
export const train = workflow(() => ({ slope: fit({ rows: [1, 2] }).slope }));
`;
const DEEP = `import { task, workflow } from "flowsmith";
export const t = task(async ({ n }: { n: number }) => ({ m: ${"(".repeat(3000)}n${")".repeat(3000)} }));
export const w = workflow(() => ({ m: t({ n: 1 }).m }));
`;
const GOOD = `import { task, workflow } from "flowsmith";
export const a = task(async ({ n }: { n: number }) => ({ m: n }));
export const wf = workflow(() => ({ m: a({ n: 1 }).m }));
`;

test("a syntax error and a file too deep to parse: FS000 in the editor and in check; the rest is analysed", { timeout: 120_000 }, async () => {
  const ws = makeWorkspace();
  ws.write("flows/syntax.ts", SYNTAX);
  ws.write("flows/deep.ts", DEEP);
  ws.write("flows/good.ts", GOOD);
  const client = await LspClient.start(ws.dir);
  try {
    client.open(ws.path("flows/syntax.ts"), SYNTAX);
    const syntax = await client.diagnosticsOf(ws.path("flows/syntax.ts"));
    assert.deepEqual(syntax.map((d) => [d.code, d.source, d.range.start.line]), [["FS000", "flowsmith", 2]], JSON.stringify(syntax));
    assert.match(syntax[0]!.message, /^syntax error: /);
    await client.waitFor("the sweep", () => client.logs.some((l) => /analysed \d+ flow files/.test(l)), 60_000);
    const deep = await client.diagnosticsOf(ws.path("flows/deep.ts"));
    assert.deepEqual(deep.map((d) => [d.code, d.severity]), [["FS000", 1]]);
    assert.match(deep[0]!.message, /could not be analysed: it is nested too deeply/);
    const flows = await client.request<{ flows: { target: string }[] }>("flowsmith/flows", {});
    assert.ok(flows.flows.some((f) => f.target === "flows/good.ts#wf"), "the good flow is listed");
  } finally {
    await client.stop();
  }
  const check = await ws.cli(["check", ".", "--format", "json"]);
  assert.equal(check.code, 1, check.stderr);
  const found = (JSON.parse(check.stdout) as { file: string; code: string; line: number }[]).map((d) => `${d.file}:${d.line} ${d.code}`).sort();
  assert.deepEqual(found, ["flows/deep.ts:1 FS000", "flows/syntax.ts:3 FS000"]);
  ws.cleanup();
});
