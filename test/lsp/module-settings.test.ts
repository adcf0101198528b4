/**
 * The same answers whatever the timing, for every module setting TypeScript accepts: the flows,
 * a graph, hovers, code lenses and diagnostics asked for right after `initialized` (before the
 * server's first scan), while it scans, and after it — in NodeNext, Node16, Bundler and
 * CommonJS/Node10 projects, an ESM and a CJS package, no tsconfig at all, with .ts, .mts and .cts
 * flow files. Each answer is also checked against what the flows are (not only against each other).
 *
 * Needs `npm run build` (dist/server.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { test } from "node:test";
import { makeWorkspace, type Workspace } from "../unit/helpers/workspace.ts";
import { LspClient, SERVER } from "./client.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

interface Setting {
  name: string;
  /** package.json "type" */
  type?: "module" | "commonjs";
  /** tsconfig compilerOptions; undefined: no tsconfig.json at all */
  compilerOptions?: Record<string, unknown>;
}

const SETTINGS: Setting[] = [
  { name: "NodeNext, ESM package", type: "module", compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext" } },
  { name: "NodeNext (module only), CJS package", compilerOptions: { module: "NodeNext" } },
  { name: "Node16, ESM package", type: "module", compilerOptions: { module: "Node16", moduleResolution: "Node16" } },
  { name: "Node16, CJS package", type: "commonjs", compilerOptions: { module: "Node16", moduleResolution: "Node16" } },
  { name: "Bundler", type: "module", compilerOptions: { module: "ESNext", moduleResolution: "Bundler" } },
  { name: "CommonJS / Node10", compilerOptions: { module: "CommonJS", moduleResolution: "Node10", esModuleInterop: true, ignoreDeprecations: "6.0" } },
  { name: "no tsconfig" },
];

const TASKS = (ext: string) => `import { task } from "flowsmith";
export const load${ext} = task(async ({ n }: { n: number }) => ({ rows: [n, n + 1] }));
export const total${ext} = task(async ({ rows }: { rows: number[] }) => ({ sum: rows.length }));
`;

/** A flow file importing its tasks from `tasksModule`; `bad` has an unknown and a missing input. */
const FLOW = (tasksModule: string, ext: string) => `import { workflow } from "flowsmith";
import { z } from "zod";
import { load${ext}, total${ext} } from "${tasksModule}";

export const good${ext} = workflow({ params: z.object({ n: z.number() }) }, ({ n }) => {
  const l = load${ext}({ n });
  const t = total${ext}({ rows: l.rows });
  return { sum: t.sum };
});

export const bad${ext} = workflow(() => {
  const l = load${ext}({ n: 1 });
  const t = total${ext}({ rowz: l.rows });
  return { sum: t.sum };
});
`;

function makeProject(setting: Setting): Workspace {
  const ws = makeWorkspace();
  ws.write("package.json", `${JSON.stringify({ name: "proj", private: true, ...(setting.type ? { type: setting.type } : {}) })}\n`);
  if (setting.compilerOptions) {
    ws.write("tsconfig.json", JSON.stringify({ compilerOptions: { target: "ES2022", strict: true, skipLibCheck: true, noEmit: true, types: [], ...setting.compilerOptions } }, null, 2));
  }
  ws.write("src/tasks.ts", TASKS(""));
  ws.write("src/flow.ts", FLOW("./tasks.js", ""));
  ws.write("src/esm-tasks.mts", TASKS("M"));
  ws.write("src/esm.mts", FLOW("./esm-tasks.mjs", "M"));
  ws.write("src/cjs-tasks.cts", TASKS("C"));
  ws.write("src/cjs.cts", FLOW("./cjs-tasks.cjs", "C"));
  // Other flows, so the first scan takes a while and requests land before, during and after it.
  for (let i = 0; i < 60; i++) {
    ws.write(`other/o${i}.ts`, `import { task, workflow } from "flowsmith";\nexport const o${i} = task(async ({ n }: { n: number }) => ({ m: n * ${i} }));\nexport const w${i} = workflow(() => ({ m: o${i}({ n: ${i} }).m }));\n`);
  }
  return ws;
}

interface Snapshot {
  /** Whether the server said its first sweep was still going on (not compared across timings). */
  scanning?: boolean;
  flows: string;
  graph: string;
  lenses: string;
  hover: string;
}

/** Every answer the editor asks for, as JSON, in one go. */
async function snapshot(client: LspClient, ws: Workspace): Promise<Snapshot> {
  const flowUri = client.uri(ws.path("src/flow.ts"));
  const [flows, graph, lenses, hover] = await Promise.all([
    client.request<{ scanning?: boolean; flows: { target: string; nodes: { id: string; task: string; deps: string[] }[] }[] }>("flowsmith/flows", {}),
    client.request("flowsmith/graph", { target: "src/flow.ts#good" }),
    client.request<{ command: { title: string; arguments: unknown[] } }[]>("textDocument/codeLens", { textDocument: { uri: flowUri } }),
    client.request<{ contents: { value: string } } | null>("textDocument/hover", { textDocument: { uri: flowUri }, position: { line: 5, character: 14 } }),
  ]);
  const shape = flows.flows.map((f) => ({ target: f.target, nodes: f.nodes.map((n) => `${n.id}<-${n.deps.join(",")}`) }));
  return { scanning: flows.scanning, flows: JSON.stringify(shape), graph: JSON.stringify(graph), lenses: JSON.stringify(lenses), hover: JSON.stringify(hover) };
}

for (const setting of SETTINGS) {
  test(`${setting.name}: flows, graph, hover, lenses and diagnostics are the same before, during and after the first scan`, { timeout: 120_000 }, async () => {
    const ws = makeProject(setting);
    const client = await LspClient.start(ws.dir);
    try {
      // Right after initialized: the Flows view's first request and an open flow file.
      const first = snapshot(client, ws);
      client.open(ws.path("src/flow.ts"), ws.read("src/flow.ts"));
      const early = await first;
      // An open file gets its syntax pass first (what needs no types), then its typed diagnostics.
      const flowUri = client.uri(ws.path("src/flow.ts"));
      const publishes = await client.waitFor("the syntax pass and the first typed diagnostics of flow.ts", () => {
        const p = client.published.filter((x) => x.uri === flowUri);
        return p.length >= 2 && p;
      }, 60_000);
      const syntaxPass = publishes[0].diagnostics;
      const earlyDiagnostics = publishes[1].diagnostics;
      // While the scan goes on (until its log line), then after it.
      const during: Snapshot[] = [];
      const scanned = () => client.logs.some((l) => /analysed \d+ flow files/.test(l));
      while (!scanned() && during.length < 50) {
        during.push(await snapshot(client, ws));
        await new Promise((r) => setTimeout(r, 20));
      }
      await client.waitFor("the first scan", scanned, 90_000);
      const late = await snapshot(client, ws);
      const lateDiagnostics = client.diagnostics.get(client.uri(ws.path("src/flow.ts")));

      // What the flows are.
      const flows = JSON.parse(late.flows) as { target: string; nodes: string[] }[];
      const targets = flows.map((f) => f.target);
      for (const t of ["src/flow.ts#good", "src/flow.ts#bad", "src/esm.mts#goodM", "src/esm.mts#badM", "src/cjs.cts#goodC", "src/cjs.cts#badC"]) {
        assert.ok(targets.includes(t), `${t} is listed (listed: ${targets.join(", ")})`);
      }
      assert.equal(targets.length, 66, `every workflow is listed: ${targets.length}`);
      assert.deepEqual(flows.find((f) => f.target === "src/flow.ts#good")?.nodes, ["load<-", "total<-load"]);
      assert.deepEqual(flows.find((f) => f.target === "src/cjs.cts#goodC")?.nodes, ["loadC<-", "totalC<-loadC"]);
      assert.deepEqual(flows.find((f) => f.target === "src/esm.mts#goodM")?.nodes, ["loadM<-", "totalM<-loadM"]);
      const graph = JSON.parse(late.graph) as { nodes: { id: string }[]; edges: { from: string; to: string; output: string; input: string }[] };
      assert.deepEqual(graph.edges.map((e) => `${e.from}.${e.output}->${e.to}.${e.input}`), ["load.rows->total.rows"]);
      const lensTitles = (JSON.parse(late.lenses) as { command: { title: string } }[]).map((l) => l.command.title);
      assert.ok(lensTitles.filter((t) => t.includes("Run")).length >= 2, `a Run lens on each workflow: ${lensTitles.join(" | ")}`);
      assert.match(late.hover, /load/, "hover on the load call names the task");
      assert.match(late.hover, /rows/, "hover shows the task's signature");
      const codes = (lateDiagnostics ?? []).filter((d) => d.source === "flowsmith").map((d) => d.code).sort();
      assert.deepEqual(codes, ["FS001", "FS002"], `flowsmith diagnostics of flow.ts: ${JSON.stringify(lateDiagnostics)}`);

      // The same whatever the timing; the Flows view is told when the sweep is still going on.
      assert.equal(early.scanning, true, "the first answer says the workspace is being scanned");
      assert.equal(late.scanning, undefined, "after the sweep, no more scanning");
      const { scanning: _e, ...earlyAnswers } = early;
      const { scanning: _l, ...lateAnswers } = late;
      assert.deepEqual(earlyAnswers, lateAnswers, "answers before the scan equal the answers after it");
      for (const [i, { scanning: _d, ...s }] of during.entries()) assert.deepEqual(s, lateAnswers, `answers during the scan (#${i}) equal the answers after it`);
      assert.deepEqual(earlyDiagnostics.map((d) => [d.code, d.message]), (lateDiagnostics ?? []).map((d) => [d.code, d.message]), "first typed diagnostics are the final ones");
      const final = new Set((lateDiagnostics ?? []).map((d) => `${d.code} ${d.message}`));
      for (const d of syntaxPass) assert.ok(final.has(`${d.code} ${d.message}`), `the syntax pass's ${d.code} is in the final set`);
      // The .mts and .cts flows get theirs too.
      for (const f of ["src/esm.mts", "src/cjs.cts"]) {
        const diags = await client.waitFor(`diagnostics of ${f}`, () => client.diagnostics.get(client.uri(ws.path(f))));
        assert.deepEqual(diags.map((d) => d.code).sort(), ["FS001", "FS002"], `${f}: ${JSON.stringify(diags)}`);
      }
    } finally {
      await client.stop();
      ws.cleanup();
    }
  });
}
