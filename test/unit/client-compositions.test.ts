/**
 * Compositions in the extension, without VS Code: the Flows view's grouping of a composition's
 * nodes (client/src/flows/compositions.ts), the graph's clusters (client/webview/clusterLayout.ts,
 * the elkjs compound graph laid out by the real elkjs, and the built-in layout for large graphs),
 * the clusters' counts and the mapped edges' hovers, and the JSON schema contributed for
 * `*.flows.yaml` against the runtime's reader of the same files.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import type { FlowInfo, FlowNode, GraphEdge, GraphResult } from "@flowsmith/contract";
import { compositionGroups, groupOf, idInGroup, scopeInGroup, statusSummary } from "../../client/src/flows/compositions.ts";
import { clusteredFastLayout, clusterMinWidth, ELK_CLUSTER_OPTIONS, elkClusterChildren, hasClusters, readElkClusters, CLUSTER_PAD } from "../../client/webview/clusterLayout.ts";
import { clusterCounts, clusterStatus } from "../../client/webview/clusters.ts";
import { mappedEdgeTooltip } from "../../client/webview/elements.ts";
import { edgeShapeOf } from "../../client/webview/clusterLayout.ts";
import { fastLayout } from "../../client/webview/fastLayout.ts";
import type { Box, Layout } from "../../client/webview/shapes.ts";
import { parseCompositionFile } from "../../runtime/src/composition/document.ts";

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, "../..");

const node = (id: string, extra: Partial<FlowNode> = {}): FlowNode => ({
  id, task: id.split("/").at(-1)!, status: "pending", deps: [], scope: [], ...extra,
});

/** DESIGN's nightly composition: ingest (load → clean → score, save-report) and train (fit → evaluate). */
function nightly(): GraphResult {
  const nodes: FlowNode[] = [
    node("ingest/load", { group: "ingest", status: "complete" }),
    node("ingest/clean", { group: "ingest", deps: ["ingest/load"], status: "complete" }),
    node("ingest/score", { group: "ingest", deps: ["ingest/clean"], status: "complete" }),
    node("ingest/save-report", { group: "ingest", deps: ["ingest/clean"], status: "running" }),
    node("train/fit", { group: "train", deps: ["ingest/clean", "ingest/score"] }),
    node("train/evaluate", { group: "train", deps: ["train/fit", "ingest/save-report"] }),
  ];
  const edges: GraphEdge[] = [
    { from: "ingest/load", to: "ingest/clean", output: "rows", input: "rows" },
    { from: "ingest/clean", to: "ingest/score", output: "rows", input: "rows" },
    { from: "ingest/clean", to: "ingest/save-report", output: "rows", input: "rows" },
    { from: "ingest/clean", to: "train/fit", output: "rows", input: "rows", mapType: "raw" },
    { from: "ingest/score", to: "train/fit", output: "metrics", input: "best", mapType: "db", type: "number" },
    { from: "ingest/save-report", to: "train/evaluate", output: "file", input: "report", mapType: "file" },
    { from: "train/fit", to: "train/evaluate", output: "model", input: "model" },
  ];
  return { target: "nightly.flows.yaml#nightly", name: "nightly", nodes, edges };
}

const FLOWS: Record<string, string> = { ingest: "pipelines/ingest.ts#ingest", train: "pipelines/train.ts#train" };
const flowOf = (g: string) => FLOWS[g] ?? "";

const inside = (b: Box, c: Box) => b.x >= c.x && b.y >= c.y && b.x + b.width <= c.x + c.width && b.y + b.height <= c.y + c.height;
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Every node sits inside its group's box, below the title; no two boxes overlap; no two nodes overlap. */
function assertClustered(graph: GraphResult, layout: Layout): void {
  const clusters = new Map((layout.clusters ?? []).map((c) => [c.id, c]));
  for (const n of graph.nodes) {
    const b = layout.nodes.get(n.id);
    assert.ok(b, `${n.id} laid out`);
    const c = clusters.get(n.group!);
    assert.ok(c, `a cluster for ${n.group}`);
    assert.ok(inside(b, c), `${n.id} ${JSON.stringify(b)} inside ${n.group} ${JSON.stringify(c)}`);
    assert.ok(b.y >= c.y + CLUSTER_PAD.top - 0.5, `${n.id} below ${n.group}'s title`);
  }
  const list = [...clusters.values()];
  for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) assert.ok(!overlap(list[i]!, list[j]!), `${list[i]!.id} and ${list[j]!.id} do not overlap`);
  const boxes = [...layout.nodes.values()];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length && boxes.length < 200; j++) assert.ok(!overlap(boxes[i]!, boxes[j]!), `${boxes[i]!.id} and ${boxes[j]!.id} do not overlap`);
}

test("the Flows view lists a composition's flows in file order with their nodes; ids and scopes lose the group", () => {
  const g = nightly();
  const flow: FlowInfo = {
    target: g.target, root: "/w", store: "/w/.flowsmith", name: "nightly", uri: "file:///w/nightly.flows.yaml",
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } }, params: [], kind: "composition",
    // The file lists train first: the view keeps the file's order, not the nodes'.
    groups: [{ name: "train", flow: FLOWS.train! }, { name: "ingest", flow: FLOWS.ingest! }],
    nodes: [...g.nodes, node("report/send", { group: "report" }), node("orphan")],
  };
  const { groups, ungrouped } = compositionGroups(flow);
  assert.deepEqual(groups.map((x) => [x.group.name, x.group.flow, x.nodes.map((n) => idInGroup(n, x.group.name))]), [
    ["train", "pipelines/train.ts#train", ["fit", "evaluate"]],
    ["ingest", "pipelines/ingest.ts#ingest", ["load", "clean", "score", "save-report"]],
    // A group the composition does not list (a newer server) still shows, after the listed ones.
    ["report", "", ["send"]],
  ]);
  assert.deepEqual(ungrouped.map((n) => n.id), ["orphan"]);
  assert.equal(statusSummary(groups[1]!.nodes), "3 complete, 1 running");
  assert.equal(statusSummary([]), "no nodes");
  // Without `group`, a node's id prefix names it when the composition lists that group.
  assert.equal(groupOf(node("train/fit"), new Set(["train"])), "train");
  assert.equal(groupOf(node("sub/fit"), new Set(["train"])), undefined);
  assert.deepEqual(scopeInGroup(node("train/prep/load", { scope: ["train", "prep"] }), "train"), ["prep"]);
  assert.deepEqual(scopeInGroup(node("train/prep/load", { scope: ["prep"] }), "train"), ["prep"]);
});

test("a workflow's graph takes no cluster path; a composition's does", () => {
  const g = nightly();
  assert.equal(hasClusters(g), true);
  assert.equal(hasClusters({ ...g, nodes: g.nodes.map(({ group: _, ...n }) => n) }), false);
  assert.equal(fastLayout({ ...g, nodes: g.nodes.map(({ group: _, ...n }) => n) }).clusters, undefined);
});

for (const direction of ["RIGHT", "DOWN"] as const) {
  test(`elkjs lays each composing flow out as a box around its nodes, in root coordinates (${direction})`, async () => {
    const ELK = require("elkjs/lib/elk.bundled.js") as new () => { layout(g: unknown): Promise<import("elkjs/lib/elk-api.js").ElkNode> };
    const g = nightly();
    const children = elkClusterChildren(g, flowOf, direction);
    assert.deepEqual(children.map((c) => [c.id, c.children?.length]), [["::cluster:ingest", 4], ["::cluster:train", 2]]);
    const laid = await new ELK().layout({
      id: "__root",
      layoutOptions: { "elk.algorithm": "layered", "elk.direction": direction, ...ELK_CLUSTER_OPTIONS },
      children,
      edges: g.edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
    });
    const { nodes, clusters } = readElkClusters(laid);
    const layout: Layout = { nodes, clusters, edges: [], width: laid.width ?? 0, height: laid.height ?? 0, engine: "elk", direction };
    assertClustered(g, layout);
    const [ingest, train] = [clusters.find((c) => c.id === "ingest")!, clusters.find((c) => c.id === "train")!];
    if (direction === "RIGHT") assert.ok(ingest.x + ingest.width <= train.x, "the mapped edges run rightwards: ingest before train");
    else assert.ok(ingest.y + ingest.height <= train.y, "the mapped edges run downwards: ingest above train");
    // A box is at least as wide as its title needs (name and counts, the workflow), whichever way the graph runs.
    assert.ok(train.width >= clusterMinWidth("train", FLOWS.train!), `train's box (${train.width}) fits its title (${clusterMinWidth("train", FLOWS.train!)})`);
    assert.ok(train.height < train.width * 2, `train's box is not stretched (${train.width} × ${train.height})`);
  });
}

test("large compositions: each flow laid out on its own, flows in columns by their mapped edges, edges between boxes", () => {
  const g = nightly();
  const layout = clusteredFastLayout(g, flowOf);
  assertClustered(g, layout);
  const ingest = layout.clusters!.find((c) => c.id === "ingest")!;
  const train = layout.clusters!.find((c) => c.id === "train")!;
  assert.ok(ingest.x + ingest.width < train.x);
  const db = layout.edges.find((e) => e.mapType === "db")!;
  assert.equal(db.label, "db: metrics → best");
  const from = layout.nodes.get("ingest/score")!;
  const to = layout.nodes.get("train/fit")!;
  assert.deepEqual(db.points, [{ x: from.x + from.width, y: from.y + from.height / 2 }, { x: to.x, y: to.y + to.height / 2 }]);
  assert.deepEqual(layout.edges.filter((e) => e.mapType).map((e) => e.mapType).sort(), ["db", "file", "raw"]);
  assert.equal(layout.edges.length, g.edges.length);
  assert.ok(layout.width >= train.x + train.width - 0.5 && layout.height >= Math.max(ingest.y + ingest.height, train.y + train.height) - 0.5);
});

test("10,000 nodes in 20 composing flows (a cycle between two of them too) are laid out as clusters", () => {
  const nodes: FlowNode[] = [];
  const edges: GraphEdge[] = [];
  for (let f = 0; f < 20; f++) {
    for (let i = 0; i < 500; i++) {
      const id = `f${f}/n${i}`;
      const deps = i ? [`f${f}/n${i - 1}`] : [];
      nodes.push(node(id, { group: `f${f}`, deps }));
      if (i) edges.push({ from: `f${f}/n${i - 1}`, to: id, output: "x", input: "x" });
    }
    if (f) edges.push({ from: `f${f - 1}/n499`, to: `f${f}/n0`, output: "x", input: "x", mapType: f % 3 === 0 ? "db" : "raw" });
  }
  edges.push({ from: "f19/n3", to: "f18/n0", output: "x", input: "y", mapType: "file" });
  const g: GraphResult = { target: "big.flows.yaml#big", name: "big", nodes, edges };
  const layout = clusteredFastLayout(g, () => "pipelines/x.ts#x");
  assert.equal(layout.nodes.size, 10_000);
  assert.equal(layout.clusters!.length, 20);
  assertClustered(g, layout);
  assert.equal(layout.edges.length, edges.length);
});

test("a cluster's title counts its nodes; a mapped edge's hover says output → param and what its map type does", () => {
  assert.equal(clusterStatus(["complete", "complete"]), "complete");
  assert.equal(clusterStatus(["complete", "running", "failed"]), "running");
  assert.equal(clusterStatus(["complete", "pending"]), "pending");
  assert.equal(clusterCounts(["complete", "running", "pending", "complete"]), "1 running · 2/4 complete");
  assert.equal(clusterCounts(["failed", "pending"]), "1 failed · 0/2 complete");
  const db = nightly().edges.find((e) => e.mapType === "db")!;
  const tip = mappedEdgeTooltip({ ...edgeShapeOf(db), points: [] }).split("\n");
  assert.deepEqual(tip.slice(0, 2), ["ingest/score → train/fit", "metrics → param best"]);
  assert.match(tip[2]!, /^db: .*results database/);
  assert.equal(tip[3], "type: number");
});

test("the contributed JSON schema accepts what the composition reader accepts and refuses its unknown keys and map types", async () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const contributed = pkg.contributes.yamlValidation as { fileMatch: string[]; url: string }[];
  assert.deepEqual(contributed.flatMap((v) => v.fileMatch).sort(), ["*.flows.yaml", "*.flows.yml"]);
  const schema = JSON.parse(fs.readFileSync(path.join(root, contributed[0]!.url), "utf8"));
  assert.ok(pkg.activationEvents.includes("workspaceContains:**/*.flows.yaml"));
  // Every field says what it is (the YAML extension shows it on hover and in completion).
  const described = (s: Record<string, any>, at: string): void => {
    for (const [k, v] of Object.entries<Record<string, any>>(s.properties ?? {})) {
      assert.ok(v.description || v.$ref, `${at}.${k} has a description`);
      described(v, `${at}.${k}`);
    }
  };
  described(schema, "composition");
  for (const [k, d] of Object.entries<Record<string, any>>(schema.definitions)) described(d, k);
  const YAML = await import("yaml");
  const Ajv = (await import("ajv")).default;
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
  const DESIGN = `name: nightly
composing_flows:
  - name: ingest
    flow: pipelines/ingest.ts#ingest
    parameters: { source: data/raw.csv }
  - name: train
    flow: pipelines/train.ts#train
    parameters: { epochs: 5 }
    mapped_parameters:
      rows:   { parent_flow_name: ingest, parent_task_name: clean, output: rows }
      report: { parent_flow_name: ingest, parent_task_name: save-report, output: file, map_type: file }
      best:   { parent_flow_name: ingest, parent_task_name: score, output: metrics, map_type: db, attribute_index: [f1] }
`;
  const cases: [string, string, boolean][] = [
    ["DESIGN's example", DESIGN, true],
    ["a description and one attribute key", DESIGN.replace("name: nightly", "name: nightly\ndescription: every night").replace("attribute_index: [f1]", "attribute_index: f1"), true],
    ["a bad map_type", DESIGN.replace("map_type: db", "map_type: sql"), false],
    ["an unknown key in a flow", DESIGN.replace("parameters: { epochs: 5 }", "params: { epochs: 5 }"), false],
    ["an unknown key in a mapping", DESIGN.replace("output: rows }", "output: rows, type: raw }"), false],
    ["no composing_flows", "name: nightly\n", false],
  ];
  for (const [what, text, ok] of cases) {
    const schemaOk = validate(YAML.parse(text)) as boolean;
    assert.equal(schemaOk, ok, `${what}: schema ${JSON.stringify(validate.errors)}`);
    const file = parseCompositionFile(text);
    const problems = [...file.problems, ...file.compositions.flatMap((c) => c.problems)].filter((p) => p.code === "FS013");
    assert.equal(problems.length === 0, ok, `${what}: reader ${JSON.stringify(problems)}`);
  }
});
