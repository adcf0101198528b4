/**
 * The dynamic shapes (map/each, when, asset) over real JSON-RPC: FS014 for a broken when and no
 * FS004 on when()'s subject; types through map and when in completion (`scores.` offers
 * `value: number[]`) and inlay hints; after a real CLI run, flowsmith/flows and flowsmith/graph
 * carry the map node with done/total, the skipped branch node, the when node and the asset a node
 * reads; and when the asset's file changes on disk while the server runs, its reader and the
 * reader's downstream turn STALE (didChangeStatus, FS012) before anything runs again.
 *
 * Needs `npm run build` (dist/server.js and runtime/dist/cli.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, test } from "node:test";
import type { FlowsResult, GraphResult } from "@flowsmith/contract";
import { makeWorkspace, runOk } from "../unit/helpers/workspace.ts";
import { LspClient, SERVER } from "./client.ts";
import { positionOf } from "./helpers/twoWorkflows.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

const FLOW = `import { task, workflow, map, each, when, asset } from "flowsmith";
import { z } from "zod";
export const listing = task(async ({ file }: { file: string }) => ({ files: ["x", "yy", "zzz"], path: file }));
export const score = task(async ({ file, threshold }: { file: string; threshold: number }) => ({ value: file.length * threshold }));
export const report = task(async ({ scores }: { scores: number[] }) => ({ total: scores.reduce((a, b) => a + b, 0) }));
export const trainLinear = task(async ({ n }: { n: number }) => ({ model: \`linear\${n}\` }));
export const trainForest = task(async ({ n }: { n: number }) => ({ model: \`forest\${n}\` }));
export const evaluate = task(async ({ model }: { model: string }) => ({ ok: model.length > 0 }));
export const wf = workflow({ params: z.object({ kind: z.string().default("linear") }) }, (params) => {
  const l = listing({ file: asset("data/raw.csv") });
  const scores = map(score, { file: each(l.files), threshold: 2 });
  const r = report({ scores: scores.value });
  const m = when(params.kind)
    .is("linear", () => ({ model: trainLinear({ n: 1 }).model }))
    .otherwise(() => ({ model: trainForest({ n: 2 }).model }));
  return { total: r.total, ok: evaluate({ model: m.model }).ok };
});
`;

const BROKEN = `import { task, workflow, when } from "flowsmith";
export const pick = task(async ({ n }: { n: number }) => ({ big: n > 1 }));
export const a = task(async () => ({ x: 1 }));
export const b = task(async () => ({ y: 2 }));
export const broken = workflow((params: { n: number; limit: number }) => {
  const p = pick({ n: params.n });
  const w = when(p.big).is(true, () => ({ x: a({}).x })).is(false, () => ({ y: b({}).y })).end();
  const v = when(params.n).is(params.limit, () => ({ x: a({}).x })).end();
  return { w, v };
});
`;

const ws = makeWorkspace();
ws.write("data/raw.csv", "a,b\n1,2\n");
ws.write("flow.ts", FLOW);
ws.write("broken.ts", BROKEN);
const flow = ws.path("flow.ts");
const broken = ws.path("broken.ts");
let client: LspClient;

before(async () => {
  client = await LspClient.start(ws.dir);
  client.open(flow, FLOW);
  client.open(broken, BROKEN);
});

after(async () => {
  await client?.stop();
  ws.cleanup();
});

test("FS014 at the odd branch and at a non-constant test; no FS004 on the subjects", async () => {
  const diagnostics = await client.waitFor("FS014 in broken.ts", () => {
    const d = client.diagnostics.get(client.uri(broken));
    return d && d.some((x) => x.code === "FS014") ? d : undefined;
  }, 60_000);
  const fs014 = diagnostics.filter((d) => d.code === "FS014");
  assert.equal(fs014.length, 2, JSON.stringify(diagnostics));
  assert.ok(fs014.some((d) => /branch false of when node when yields y, but branch true yields x/.test(d.message) && d.range.start.line === BROKEN.split("\n").findIndex((l) => l.includes("() => ({ y: b("))), JSON.stringify(fs014));
  assert.ok(fs014.some((d) => /the test of when node when#2 is not a constant/.test(d.message)));
  assert.ok(!diagnostics.some((d) => d.code === "FS004"), JSON.stringify(diagnostics));
  const flowDiagnostics = await client.diagnosticsOf(flow);
  assert.deepEqual(flowDiagnostics.filter((d) => d.code !== "FS012").map((d) => d.code), []);
});

test("types through map and when: completion after `scores.` and the edges' inlay hints", async () => {
  const text = FLOW.replace("report({ scores: scores.value })", "report({ scores: scores.v })");
  client.change(flow, text);
  const at = positionOf(text, "scores.v", "scores.".length);
  const list = await client.completion(flow, { line: at.line, character: at.character + 1 });
  const value = list?.items.find((i) => i.label === "value");
  assert.ok(value, JSON.stringify(list?.items.map((i) => i.label)));
  assert.match(value!.detail ?? "", /number\[\]/);
  client.change(flow, FLOW);
  await client.waitFor("diagnostics after the edit back", () => client.diagnostics.get(client.uri(flow)));
  const hints = ((await client.inlayHints(flow)) ?? []).map((h) => String(h.label));
  assert.ok(hints.includes(": number[]"), hints.join(" | "));
  assert.ok(hints.includes(": string"), hints.join(" | "));
});

test("after a run: the map node with done/total, the skipped branch, the asset; an edited asset turns its readers STALE", async () => {
  await runOk(ws, ["flow.ts#wf"]);
  const ask = () => client.request<GraphResult>("flowsmith/graph", { target: "flow.ts#wf" });
  let g = await ask();
  for (let i = 0; i < 50 && g.nodes.find((n) => n.id === "evaluate")?.status !== "complete"; i++) {
    await new Promise((r) => setTimeout(r, 200));
    g = await ask();
  }
  const node = (id: string) => g.nodes.find((n) => n.id === id)!;
  assert.equal(node("score").kind, "map");
  assert.deepEqual(node("score").map, { done: 3, total: 3 });
  assert.equal(node("score").status, "complete");
  assert.equal(node("trainForest").status, "skipped");
  assert.deepEqual(node("trainForest").branch, { when: "when", label: "otherwise" });
  assert.deepEqual(node("trainLinear").branch, { when: "when", label: "linear" });
  assert.equal(node("when").kind, "when");
  assert.equal(node("when").status, "complete");
  assert.deepEqual(node("listing").assets, ["data/raw.csv"]);
  const flows = await client.request<FlowsResult>("flowsmith/flows", {});
  const wf = flows.flows.find((f) => f.target === "flow.ts#wf")!;
  assert.deepEqual(wf.nodes.find((n) => n.id === "score")!.map, { done: 3, total: 3 });

  // Hovers: what a map, a when and a skipped branch node are, with the last run's facts.
  const hoverAt = async (needle: string) => {
    const p = positionOf(FLOW, needle, 1);
    const h = await client.request<{ contents: { value: string } } | null>("textDocument/hover", { textDocument: { uri: client.uri(flow) }, position: p });
    return h?.contents.value ?? "";
  };
  const mapHover = await hoverAt("map(score");
  assert.match(mapHover, /\*\*map\*\* — one `score` node per element of input `file`/);
  assert.match(mapHover, /elements: \*\*3\/3\*\* complete in the last run/);
  assert.match(mapHover, /score\(input: \{ file: string; threshold: number; \}\)|score\(input: \{ file: string; threshold: number \}\)/);
  const whenHover = await hoverAt("when(params.kind)");
  assert.match(whenHover, /\*\*when\*\* — chooses one branch at run time/);
  assert.match(whenHover, /last run chose branch `linear`/);
  assert.match(await hoverAt("trainForest({ n: 2 })"), /in branch `otherwise` of when node `when` — \*\*branch not taken\*\*/);
  assert.match(await hoverAt("listing({ file"), /reads asset `data\/raw\.csv`/);

  // The asset changes on disk while the server runs: no run, and its readers are STALE.
  const notes = client.statusNotifications.length;
  fs.appendFileSync(ws.path("data/raw.csv"), "3,4\n");
  await client.waitFor("didChangeStatus for flow.ts#wf", () => client.statusNotifications.slice(notes).some((n) => n.targets.includes("flow.ts#wf")), 20_000);
  // (A notification of the run's last store writes may come first: the asset's follows within a poll.)
  for (let i = 0; i < 100 && (await ask()).nodes.find((n) => n.id === "listing")?.status !== "stale"; i++) await new Promise((r) => setTimeout(r, 200));
  g = await ask();
  assert.equal(node("listing").status, "stale");
  assert.equal(node("score").status, "stale");
  assert.equal(node("report").status, "stale");
  assert.equal(node("trainLinear").status, "complete");
  const stale = await client.waitFor("FS012 on listing", () => {
    const d = client.diagnostics.get(client.uri(flow));
    return d?.find((x) => x.code === "FS012" && /asset data\/raw\.csv changed/.test(x.message));
  }, 20_000);
  assert.equal(stale.range.start.line, positionOf(FLOW, "listing({ file").line);
});
