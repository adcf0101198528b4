/**
 * The editor and `flowsmith list` agree, over stdio: on the valid/ + broken/ workspace of
 * test/fixtures/list (Bundler and NodeNext tsconfigs), the Flows view's `flowsmith/flows` request —
 * sent right after `initialized`, before the server's first scan, and again once the scan is done —
 * lists every workflow with the node ids `flowsmith list . --format json` gives, default exports
 * included; code lenses on default-exported workflows run FILE#default (or the named export it
 * aliases).
 *
 * Needs `npm run build` (dist/server.js, runtime/dist/cli.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, test } from "node:test";
import { EXPECTED, makeListWorkspace, type ModuleSetting } from "../fixtures/list/workspace.ts";
import { assertExit } from "../unit/helpers/workspace.ts";
import { LspClient, SERVER } from "./client.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

interface Flows {
  flows: { target: string; nodes: { id: string }[] }[];
}
interface Lens {
  range: { start: { line: number } };
  command?: { title: string; arguments?: { target?: string; node?: string }[] };
}

function sorted(map: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => a.localeCompare(b)));
}

function byTarget(result: Flows): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of result.flows) {
    assert.ok(!(f.target in out), `${f.target} listed twice`);
    out[f.target] = f.nodes.map((n) => n.id);
  }
  return sorted(out);
}

for (const setting of ["bundler", "nodenext"] as ModuleSetting[]) {
  describe(`the Flows view and \`flowsmith list\` agree (${setting})`, () => {
    test("flows before and after the first scan, list . and code lenses on default exports", async (t) => {
      const ws = makeListWorkspace(setting, t);
      const listed = await ws.cli(["list", ".", "--format", "json"]);
      assertExit(listed, 0, "list .");
      const fromCli: Record<string, string[]> = {};
      for (const e of JSON.parse(listed.stdout) as { workflows: { target: string; nodeIds: string[] }[] }[]) {
        for (const w of e.workflows) fromCli[w.target] = w.nodeIds;
      }
      assert.deepEqual(sorted(fromCli), sorted(EXPECTED), "flowsmith list .");

      const client = await LspClient.start(ws.dir);
      t.after(() => client.stop());
      // Right after initialized, as the Flows view asks when it opens with the window.
      const early = await client.request<Flows>("flowsmith/flows", {});
      assert.deepEqual(byTarget(early), sorted(EXPECTED), "flowsmith/flows before the first scan");
      await client.waitFor("the first scan", () => client.logs.some((l) => /analysed \d+ flow files/.test(l)), 60_000);
      const late = await client.request<Flows>("flowsmith/flows", {});
      assert.deepEqual(byTarget(late), sorted(EXPECTED), "flowsmith/flows after the first scan");

      const runLens = async (rel: string) => {
        const lenses = await client.request<Lens[]>("textDocument/codeLens", { textDocument: { uri: client.uri(ws.path(rel)) } });
        return lenses.filter((l) => l.command?.title === "$(play) Run").map((l) => ({ line: l.range.start.line + 1, target: l.command?.arguments?.[0]?.target }));
      };
      assert.deepEqual(await runLens("valid/default-inline.ts"), [{ line: 5, target: "valid/default-inline.ts#default" }]);
      assert.deepEqual(await runLens("valid/default-const.ts"), [{ line: 4, target: "valid/default-const.ts#default" }]);
      assert.deepEqual(await runLens("valid/default-alias.ts"), [{ line: 4, target: "valid/default-alias.ts#main" }]);
      assert.deepEqual(await runLens("broken/default-broken.ts"), [{ line: 4, target: "broken/default-broken.ts#default" }]);
    });
  });
}
