/**
 * A multi-root VS Code workspace: two projects opened side by side (a NodeNext ESM package and a
 * Bundler one), each with its own tsconfig and its own store. The server lists the workflows of
 * both with their nodes and roots, publishes diagnostics in both, gives lenses that name the root
 * of the second folder (the client runs its CLI there), answers graphs per root, follows folders
 * added and removed, and a run in either folder completes where the flows say it lives.
 *
 * Needs `npm run build` (dist/server.js, runtime/dist/cli.js).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { CLI, makeWorkspace, type Workspace } from "../unit/helpers/workspace.ts";
import { LspClient, SERVER } from "./client.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

const TASKS = `import { task } from "flowsmith";
export const load = task(async ({ n }: { n: number }) => ({ rows: [n, n + 1] }));
export const total = task(async ({ rows }: { rows: number[] }) => ({ sum: rows.reduce((a, b) => a + b, 0) }));
`;
const FLOW = (ext: string) => `import { workflow } from "flowsmith";
import { load, total } from "./tasks${ext}";
export const pipeline = workflow(() => {
  const l = load({ n: 2 });
  const t = total({ rows: l.rows });
  return { sum: t.sum };
});
export const broken = workflow(() => {
  const l = load({ n: 2 });
  const t = total({ rowz: l.rows });
  return { sum: t.sum };
});
`;

function project(kind: "nodenext" | "bundler"): Workspace {
  const ws = makeWorkspace();
  ws.write("package.json", JSON.stringify({ name: `proj-${kind}`, private: true, ...(kind === "nodenext" ? { type: "module" } : {}) }));
  const options = kind === "nodenext" ? { module: "NodeNext", moduleResolution: "NodeNext" } : { module: "ESNext", moduleResolution: "Bundler" };
  ws.write("tsconfig.json", JSON.stringify({ compilerOptions: { target: "ES2022", strict: true, skipLibCheck: true, noEmit: true, types: [], ...options } }));
  ws.write("flows/tasks.ts", TASKS);
  ws.write("flows/flow.ts", FLOW(kind === "nodenext" ? ".js" : ""));
  return ws;
}

interface Flows {
  root: string;
  flows: { target: string; root: string; store: string; nodes: { id: string; status: string }[] }[];
}

test("a multi-root workspace: flows, diagnostics, lenses, graphs and runs of every folder", { timeout: 120_000 }, async () => {
  const a = project("nodenext");
  const b = project("bundler");
  const c = project("bundler");
  const client = await LspClient.start(a.dir, {}, {}, [a.dir, b.dir]);
  try {
    await client.waitFor("both folders' sweeps", () => client.logs.filter((l) => /analysed \d+ flow files/.test(l)).length >= 2, 60_000);
    let result = await client.request<Flows>("flowsmith/flows", {});
    assert.equal(result.root, a.dir, "the first folder is the primary root");
    const listed = result.flows.map((f) => `${f.root === a.dir ? "A" : f.root === b.dir ? "B" : "?"}:${f.target}`).sort();
    assert.deepEqual(listed, ["A:flows/flow.ts#broken", "A:flows/flow.ts#pipeline", "B:flows/flow.ts#broken", "B:flows/flow.ts#pipeline"]);
    for (const f of result.flows) {
      assert.deepEqual(f.nodes.map((n) => n.id), ["load", "total"], `${f.root} ${f.target}`);
      assert.equal(f.store, path.join(f.root, ".flowsmith"));
    }

    // Diagnostics in both folders (published by the sweep, files not even open).
    for (const ws of [a, b]) {
      const diags = await client.waitFor(`diagnostics of ${ws.dir}`, () => client.diagnostics.get(client.uri(ws.path("flows/flow.ts"))));
      assert.deepEqual(diags.map((d) => d.code).sort(), ["FS001", "FS002"]);
    }

    // Lenses: the second folder's name its root; the first's do not need to.
    type Lens = { command: { title: string; command: string; arguments: { target: string; root?: string }[] } };
    const lensesA = await client.request<Lens[]>("textDocument/codeLens", { textDocument: { uri: client.uri(a.path("flows/flow.ts")) } });
    const lensesB = await client.request<Lens[]>("textDocument/codeLens", { textDocument: { uri: client.uri(b.path("flows/flow.ts")) } });
    const runB = lensesB.find((l) => l.command.command === "flowsmith.runWorkflow");
    assert.deepEqual(runB?.command.arguments, [{ target: "flows/flow.ts#pipeline", root: b.dir }]);
    const runA = lensesA.find((l) => l.command.command === "flowsmith.runWorkflow");
    assert.deepEqual(runA?.command.arguments, [{ target: "flows/flow.ts#pipeline" }]);

    // Run in the second folder, as the client does (cwd: the flow's root), then see it complete there only.
    const run = spawnSync(process.execPath, [CLI, "run", "flows/flow.ts#pipeline"], { cwd: b.dir, encoding: "utf8", timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    const done = await pollFlows(client, (r) => r.flows.some((f) => f.root === b.dir && f.target === "flows/flow.ts#pipeline" && f.nodes.every((n) => n.status === "complete")));
    const aPipeline = done.flows.find((f) => f.root === a.dir && f.target === "flows/flow.ts#pipeline");
    assert.ok(aPipeline?.nodes.every((n) => n.status === "pending"), "the first folder's pipeline has not run");
    const graph = await client.request<{ nodes: { id: string; status: string }[] } | null>("flowsmith/graph", { target: "flows/flow.ts#pipeline", root: b.dir });
    assert.deepEqual(graph?.nodes.map((n) => `${n.id}:${n.status}`), ["load:complete", "total:complete"]);
    const graphA = await client.request<{ nodes: { id: string; status: string }[] } | null>("flowsmith/graph", { target: "flows/flow.ts#pipeline" });
    assert.deepEqual(graphA?.nodes.map((n) => `${n.id}:${n.status}`), ["load:pending", "total:pending"], "no root: the first folder's");

    // A folder added, then one removed.
    await client.connection.sendNotification("workspace/didChangeWorkspaceFolders", {
      event: { added: [{ uri: pathToFileURL(c.dir).href, name: "c" }], removed: [{ uri: pathToFileURL(b.dir).href, name: "b" }] },
    });
    await client.waitFor("C's diagnostics", () => client.diagnostics.get(client.uri(c.path("flows/flow.ts")))?.length, 60_000);
    await client.waitFor("B's diagnostics cleared", () => client.diagnostics.get(client.uri(b.path("flows/flow.ts")))?.length === 0, 20_000);
    result = await client.request<Flows>("flowsmith/flows", {});
    assert.deepEqual([...new Set(result.flows.map((f) => f.root))].sort(), [a.dir, c.dir].sort());
  } finally {
    await client.stop();
    for (const ws of [a, b, c]) ws.cleanup();
  }
});

async function pollFlows(client: LspClient, ok: (r: Flows) => boolean): Promise<Flows> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await client.request<Flows>("flowsmith/flows", {});
    if (ok(r)) return r;
    if (Date.now() > deadline) throw new Error(`timed out; last flows: ${JSON.stringify(r.flows.map((f) => [f.root, f.target, f.nodes.map((n) => n.status)]))}`);
    await client.waitFor("a status change", () => false, 300).catch(() => undefined);
  }
}
