/**
 * A folder deleted from the disk sends no event for the flow files in it (the server watches file
 * names, and a deleted folder is one event for the folder alone): its workflows must still leave the
 * Flows view (flowsmith/flows), though their diagnostics were published.
 *
 * Needs `npm run build` (dist/server.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { test } from "node:test";
import { makeWorkspace } from "../unit/helpers/workspace.ts";
import { LspClient, SERVER } from "./client.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

const flow = (name: string) => `import { task, workflow } from "flowsmith";
export const a = task(async ({ n }: { n: number }) => ({ m: n }));
export const ${name} = workflow(() => ({ m: a({ n: 1 }).m }));
`;

test("the workflows of a deleted folder leave flowsmith/flows without any file event", { timeout: 120_000 }, async () => {
  const ws = makeWorkspace();
  ws.write("flows/keep.ts", flow("kept"));
  // With a diagnostic (FS001), so the server has published it.
  ws.write("scratch/gone.ts", flow("gone").replace("a({ n: 1 })", "a({ n: 1, z: 2 })"));
  const client = await LspClient.start(ws.dir);
  try {
    await client.waitFor("the sweep", () => client.logs.some((l) => /analysed \d+ flow files/.test(l)), 60_000);
    assert.ok((await client.diagnosticsOf(ws.path("scratch/gone.ts"))).some((d) => d.code === "FS001"));
    const targets = async () => (await client.request<{ flows: { target: string }[] }>("flowsmith/flows", {})).flows.map((f) => f.target).sort();
    assert.deepEqual(await targets(), ["flows/keep.ts#kept", "scratch/gone.ts#gone"]);
    fs.rmSync(ws.path("scratch"), { recursive: true });
    // No didChangeWatchedFiles: what a deleted folder gives a server watching `**/*.ts`.
    const deadline = Date.now() + 30_000;
    let now = await targets();
    while (now.includes("scratch/gone.ts#gone") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      now = await targets();
    }
    assert.deepEqual(now, ["flows/keep.ts#kept"], "the deleted folder's workflow left the list within 30 s");
  } finally {
    await client.stop();
    ws.cleanup();
  }
});
