/**
 * Compositions (`*.flows.yaml`) over real JSON-RPC with the bundled server (dist/server.js), on the
 * example of examples/composition: each diagnostic at its key whatever the order of the file, the
 * structure published before the typed checks, a composition updated when a workflow it names is
 * edited, completion, hover, go to definition, code lenses, symbols, the did-you-mean fix,
 * flowsmith/flows and flowsmith/graph, and renaming a task in code editing the YAML.
 *
 * Needs `npm run build` (dist/server.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { makeWorkspace, REPO, type Workspace } from "../unit/helpers/workspace.ts";
import { LspClient, SERVER, type Diagnostic } from "./client.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

const EXAMPLE = path.join(REPO, "examples/composition");
const NIGHTLY = fs.readFileSync(path.join(EXAMPLE, "nightly.flows.yaml"), "utf8");
const TARGET = "examples/composition/nightly.flows.yaml#nightly";

type Range = Diagnostic["range"];
interface Lens { range: Range; command?: { title: string; command: string; arguments?: { target: string }[] } }

/** Line and character of the `nth` occurrence of `needle` in `text`. */
function at(text: string, needle: string, nth = 0): { line: number; character: number } {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = text.indexOf(needle, i + 1);
    assert.ok(i >= 0, `"${needle}" (#${nth}) is not in the text`);
  }
  const before = text.slice(0, i).split("\n");
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

describe("compositions in the language server", () => {
  let ws: Workspace;
  let client: LspClient;
  let yaml: string;
  let ingest: string;

  const publishedFor = (file: string) => client.published.filter((p) => p.uri === client.uri(file));
  /** Diagnostics of `file` once a publish satisfies `ok`. */
  const diagnosticsWhen = (file: string, what: string, ok: (d: Diagnostic[]) => boolean) =>
    client.waitFor(() => `${what}; last: ${JSON.stringify(client.diagnostics.get(client.uri(file))?.map((d) => `${d.code} ${d.message}`))}`, () => {
      const d = client.diagnostics.get(client.uri(file));
      return d && ok(d) ? d : undefined;
    }, 60_000);
  const doc = (file: string) => ({ textDocument: { uri: client.uri(file) } });

  before(async () => {
    ws = makeWorkspace();
    ws.write("examples/tsconfig.json", fs.readFileSync(path.join(REPO, "examples/tsconfig.json"), "utf8"));
    for (const f of ["pipelines/ingest.ts", "pipelines/train.ts", "nightly.flows.yaml"]) ws.write(`examples/composition/${f}`, fs.readFileSync(path.join(EXAMPLE, f), "utf8"));
    yaml = ws.path("examples/composition/nightly.flows.yaml");
    ingest = ws.path("examples/composition/pipelines/ingest.ts");
    client = await LspClient.start(ws.dir);
    // The first sweep over (the workspace's program built) before the tests: publishes then follow edits only.
    for (const deadline = Date.now() + 120_000; ; ) {
      const r = await client.request<{ scanning?: boolean }>("flowsmith/flows", {});
      if (!r.scanning) break;
      assert.ok(Date.now() < deadline, "the first sweep did not end in 120 s");
      await new Promise((res) => setTimeout(res, 200));
    }
  });
  after(async () => {
    await client?.stop();
    ws?.cleanup();
  });

  test("the example composition has no problems", async () => {
    client.open(yaml, NIGHTLY);
    const d = await diagnosticsWhen(yaml, "a publish for the example", () => true);
    // The first publish may be the structure pass; the typed one must be empty too.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(client.diagnostics.get(client.uri(yaml)), [], JSON.stringify(d));
  });

  const BAD = `name: nightly
composing_flows:
  - name: train
    flow: pipelines/train.ts#train
    parameters: { learningRate: "fast", epochz: 3 }
    mapped_parameters:
      rows:   { parent_flow_name: ingst, parent_task_name: clean, output: rows }
      report: { parent_flow_name: ingest, parent_task_name: score, output: metrics, map_type: file }
      epochs: { parent_flow_name: ingest, parent_task_name: cleen, output: metrics }
  - name: ingest
    flow: pipelines/ingest.ts#ingest
    parameters: { source: 5 }
    mapped_parameters:
      minRows: { parent_flow_name: ingest, parent_task_name: score, output: metrix, map_type: bulk }
  - name: other
    flow: pipelines/ingestt.ts#ingest
  - name: third
    flow: pipelines/ingest.ts#ingst
  - name: fourth
    flow: pipelines/train.ts#train
`;
  /** [code, needle, occurrence]: each mistake and the text its squiggle starts at. */
  const EXPECTED: [string, string, number][] = [
    ["FS003", `"fast"`, 0],
    ["FS011", "epochz", 0],
    ["FS011", "ingst, parent_task_name", 0],
    ["FS013", "metrics, map_type: file", 0],
    ["FS011", "cleen", 0],
    ["FS003", "5 }", 0],
    ["FS011", "metrix", 0],
    ["FS013", "bulk", 0],
    ["FS008", "ingest, parent_task_name: score, output: metrix", 0],
    ["FS011", "pipelines/ingestt.ts#ingest", 0],
    ["FS011", "pipelines/ingest.ts#ingst", 0],
    ["FS002", "fourth", 0],
  ];

  function assertAtKeys(text: string, diagnostics: Diagnostic[]) {
    const got = diagnostics.map((d) => `${d.code} ${d.range.start.line}:${d.range.start.character}`).sort();
    const want = EXPECTED.map(([code, needle, nth]) => {
      const p = at(text, needle, nth);
      return `${code} ${p.line}:${p.character}`;
    }).sort();
    assert.deepEqual(got, want, diagnostics.map((d) => `${d.code} ${d.range.start.line}:${d.range.start.character} ${d.message}`).join("\n"));
    for (const d of diagnostics) assert.equal(d.source, "flowsmith");
  }

  test("each mistake is reported at its key, structure first, then the typed checks", async () => {
    const before = publishedFor(yaml).length;
    client.change(yaml, BAD);
    const d = await diagnosticsWhen(yaml, "every mistake", (x) => x.some((y) => y.code === "FS002"));
    assertAtKeys(BAD, d);
    const did = (x: Diagnostic) => x.message;
    assert.match(d.find((x) => x.code === "FS011" && /epochz/.test(did(x)))!.message, /did you mean "epochs"/);
    assert.match(d.find((x) => x.code === "FS011" && /ingestt/.test(did(x)))!.message, /no flow file.*did you mean "pipelines\/ingest.ts"/);
    assert.match(d.find((x) => x.code === "FS002")!.message, /"rows".*"report"/);
    // The structure (FS013 bulk) was published before the typed checks (FS011).
    const after = publishedFor(yaml).slice(before);
    const structureOnly = after.findIndex((p) => p.diagnostics.some((x) => x.code === "FS013") && !p.diagnostics.some((x) => x.code === "FS011"));
    const typed = after.findIndex((p) => p.diagnostics.some((x) => x.code === "FS011"));
    assert.ok(structureOnly >= 0 && structureOnly < typed, `publishes: ${after.map((p) => p.diagnostics.map((x) => x.code).join(",")).join(" | ")}`);
  });

  test("the order of the file never matters", async () => {
    // The same composition with its flows in reverse order (and keys shuffled): the same mistakes at their keys.
    const items = BAD.split("\n  - ");
    const reversed = `${items[0]}\n  - ${items.slice(1).map((s) => s.replace(/\n$/, "")).reverse().join("\n  - ")}\n`;
    client.change(yaml, reversed);
    const d = await diagnosticsWhen(yaml, "the reversed composition", (x) => x.some((y) => y.code === "FS002") && x.length === EXPECTED.length);
    assertAtKeys(reversed, d);
    // The example with train first: still no problems, and the same graph.
    const trainFirst = NIGHTLY.replace(/  - name: ingest[\s\S]*?(?=  - name: train)/, "").replace(/\s*$/, "\n") + NIGHTLY.match(/  - name: ingest[\s\S]*?(?=  - name: train)/)![0];
    assert.ok(trainFirst.indexOf("name: train") < trainFirst.indexOf("name: ingest"));
    client.change(yaml, trainFirst);
    await diagnosticsWhen(yaml, "no problems with train first", (x) => x.length === 0);
    const g = await client.request<{ nodes: { id: string; deps: string[] }[]; edges: { from: string; to: string; mapType?: string }[] } | null>("flowsmith/graph", { target: TARGET });
    assert.ok(g);
    assert.deepEqual(g.nodes.find((n) => n.id === "train/fit")!.deps.sort(), ["db.train.epochs", "ingest/clean"]);
    client.change(yaml, NIGHTLY);
    await diagnosticsWhen(yaml, "the example again", (x) => x.length === 0);
  });

  test("editing a workflow the composition names updates its diagnostics", async () => {
    const text = fs.readFileSync(ingest, "utf8");
    client.open(ingest, text);
    await client.diagnosticsOf(ingest);
    const renamed = text.replaceAll("minRows", "minRow");
    client.change(ingest, renamed);
    const d = await diagnosticsWhen(yaml, "FS011 for the renamed param", (x) => x.some((y) => y.code === "FS011"));
    const p = at(NIGHTLY, "minRows");
    assert.equal(d.length, 1);
    assert.deepEqual(d[0]!.range.start, p);
    assert.match(d[0]!.message, /no param "minRows" \(did you mean "minRow"\?\)/);
    client.change(ingest, text);
    await diagnosticsWhen(yaml, "no problems once it is back", (x) => x.length === 0);
  });

  test("completion of flows, composing flows, nodes, outputs, params and map types", async () => {
    const complete = async (text: string, needle: string, offset = needle.length) => {
      client.change(yaml, text);
      const p = at(text, needle);
      const list = await client.completion<{ items: { label: string; detail?: string; sortText?: string }[] } | null>(yaml, { line: p.line, character: p.character + offset });
      return list?.items ?? [];
    };
    const labels = (items: { label: string }[]) => items.map((i) => i.label).sort();
    let items = await complete(NIGHTLY.replace("flow: pipelines/train.ts#train", "flow: pipe"), "flow: pipe");
    assert.deepEqual(labels(items), ["pipelines/ingest.ts#ingest", "pipelines/train.ts#train"]);
    items = await complete(NIGHTLY.replace("parent_task_name: clean", "parent_task_name: "), "parent_task_name: ");
    assert.deepEqual(labels(items), ["clean", "read-csv", "save-report", "score"]);
    items = await complete(NIGHTLY.replace("parent_task_name: clean, output: rows", "parent_task_name: clean, output: "), "parent_task_name: clean, output: ");
    assert.deepEqual(labels(items), ["dropped", "rows"]);
    assert.equal(items.find((i) => i.label === "rows")!.detail, "Reading[]");
    items = await complete(NIGHTLY.replace("parent_flow_name: ingest, parent_task_name: clean", "parent_flow_name: , parent_task_name: clean"), "parent_flow_name: ");
    assert.deepEqual(labels(items), ["ingest"]);
    items = await complete(NIGHTLY.replace("map_type: file", "map_type: "), "map_type: ");
    assert.deepEqual(labels(items), ["db", "file", "raw"]);
    // A param key being written under the train flow's parameters (block style): required first, with types.
    const block = NIGHTLY.replace("    parameters: { learningRate: 0.1 }", "    parameters:\n      le");
    items = await complete(block, "      le\n", 8);
    const ordered = [...items].sort((x, y) => x.sortText!.localeCompare(y.sortText!)).map((i) => `${i.label} ${i.detail}`);
    assert.deepEqual(ordered.slice(0, 2).sort(), ["report string · required", "rows json · required"]);
    assert.ok(ordered.includes("learningRate number = 0.1"), ordered.join(", "));
    // Keys: of a mapped parameter (those not written yet), of a composing flow.
    items = await complete(NIGHTLY.replace("parent_task_name: clean, output: rows }", "parent_task_name: clean, output: rows, ma }"), "rows, ma", 8);
    assert.deepEqual(labels(items), ["attribute_index", "map_type"]);
    items = await complete(NIGHTLY.replace("    parameters: { source: data/readings.csv, minRows: 40 }", "    parameters: { source: data/readings.csv, minRows: 40 }\n    ma"), "    ma\n", 6);
    assert.deepEqual(labels(items), ["description", "mapped_parameters"]);
    // Back to the example (the edits of a burst coalesce: if none was published, the example's are still current).
    client.change(yaml, NIGHTLY);
  });

  test("hover, go to definition, lenses, symbols", async () => {
    const hover = (p: { line: number; character: number }) => client.request<{ contents: { value: string } } | null>("textDocument/hover", { ...doc(yaml), position: p });
    const onFlow = await hover(at(NIGHTLY, "pipelines/ingest.ts#ingest"));
    assert.match(onFlow!.contents.value, /`source`: string = "data\/readings.csv"/);
    assert.match(onFlow!.contents.value, /`minRows`: number = 40/);
    const onNode = await hover(at(NIGHTLY, "clean, output"));
    assert.match(onNode!.contents.value, /node `ingest\/clean`.*task `clean`.*pending/);
    assert.match(onNode!.contents.value, /rows: Reading\[\]/);

    const definition = (p: { line: number; character: number }) => client.request<{ uri: string; range: Range }[] | null>("textDocument/definition", { ...doc(yaml), position: p });
    const ingestText = fs.readFileSync(ingest, "utf8");
    const toFlow = await definition(at(NIGHTLY, "pipelines/ingest.ts#ingest"));
    assert.equal(toFlow![0]!.uri, client.uri(ingest));
    assert.equal(toFlow![0]!.range.start.line, at(ingestText, "export const ingest").line);
    const toNode = await definition(at(NIGHTLY, "clean, output"));
    assert.deepEqual(toNode![0]!.range.start, at(ingestText, "clean({ rows: raw.rows })"));

    const lenses = await client.request<Lens[]>("textDocument/codeLens", doc(yaml));
    const nameLine = at(NIGHTLY, "name: nightly").line;
    assert.deepEqual(lenses.slice(0, 3).map((l) => l.command!.title), ["$(play) Run", "Reset", "Graph"]);
    for (const l of lenses) {
      assert.equal(l.range.start.line, nameLine);
      assert.deepEqual(l.command!.arguments, [{ target: TARGET }]);
    }
    assert.match(lenses[3]!.command!.title, /7 pending/);

    const symbols = await client.request<{ name: string; children?: { name: string; children?: { name: string }[] }[] }[]>("textDocument/documentSymbol", doc(yaml));
    assert.equal(symbols[0]!.name, "nightly");
    assert.deepEqual(symbols[0]!.children!.map((c) => c.name), ["ingest", "train"]);
    assert.deepEqual(symbols[0]!.children![1]!.children!.map((c) => c.name), ["rows", "report", "epochs"]);
  });

  test("the did-you-mean fix of FS011", async () => {
    const text = NIGHTLY.replace("parent_task_name: clean", "parent_task_name: claen");
    client.change(yaml, text);
    const d = await diagnosticsWhen(yaml, "FS011 claen", (x) => x.some((y) => y.code === "FS011"));
    const fs011 = d.find((x) => x.code === "FS011")!;
    const actions = await client.codeActions(yaml, fs011.range, [fs011]);
    assert.equal(actions![0]!.title, 'Change to "clean"');
    assert.deepEqual(actions![0]!.edit!.changes![client.uri(yaml)], [{ range: fs011.range, newText: "clean" }]);
    client.change(yaml, NIGHTLY);
  });

  test("flowsmith/flows lists the composition, flowsmith/graph draws it with mapped edges", async () => {
    const result = await client.request<{ flows: { target: string; kind?: string; groups?: { name: string; flow: string }[]; nodes: { id: string; group?: string; status: string; deps: string[] }[] }[] }>("flowsmith/flows", {});
    const c = result.flows.find((f) => f.target === TARGET);
    assert.ok(c, result.flows.map((f) => f.target).join(", "));
    assert.equal(c.kind, "composition");
    assert.deepEqual(c.groups!.map((g) => [g.name, g.flow]), [["ingest", "examples/composition/pipelines/ingest.ts#ingest"], ["train", "examples/composition/pipelines/train.ts#train"]]);
    assert.deepEqual(c.nodes.map((n) => n.id), ["ingest/read-csv", "ingest/clean", "ingest/score", "ingest/save-report", "db.train.epochs", "train/fit", "train/summarize"]);
    assert.equal(c.nodes.find((n) => n.id === "train/fit")!.group, "train");
    assert.ok(c.nodes.every((n) => n.status === "pending"));
    // Only the composition's file: its flows.
    const one = await client.request<{ flows: { target: string }[] }>("flowsmith/flows", { uri: client.uri(yaml) });
    assert.deepEqual(one.flows.map((f) => f.target), [TARGET]);
    const g = await client.request<{ edges: { from: string; to: string; output: string; input: string; mapType?: string }[] }>("flowsmith/graph", { target: TARGET });
    const mapped = g.edges.filter((e) => e.mapType).map((e) => `${e.from}->${e.to} ${e.output}->${e.input} ${e.mapType}`).sort();
    assert.deepEqual(mapped, [
      "db.train.epochs->train/fit value->epochs db",
      "ingest/clean->train/fit rows->rows raw",
      "ingest/save-report->train/summarize report->report file",
      "ingest/score->db.train.epochs ->output db",
    ]);
    assert.ok(g.edges.some((e) => e.from === "ingest/read-csv" && e.to === "ingest/clean" && !e.mapType));
  });

  test("renaming a task in code edits the compositions naming its node", async () => {
    const text = fs.readFileSync(ingest, "utf8");
    const p = at(text, '"read-csv"');
    const chain = `name: chain\ncomposing_flows:\n  - name: first\n    flow: pipelines/ingest.ts#ingest\n  - name: second\n    flow: pipelines/ingest.ts#ingest\n    mapped_parameters:\n      source: { parent_flow_name: first, parent_task_name: read-csv, output: columns }\n`;
    ws.write("examples/composition/chain.flows.yaml", chain);
    const edit = await client.rename(ingest, { line: p.line, character: p.character + 2 }, "load-csv");
    const yamlEdits = edit!.changes![client.uri(ws.path("examples/composition/chain.flows.yaml"))];
    assert.deepEqual(yamlEdits, [{ range: { start: at(chain, "read-csv"), end: { ...at(chain, "read-csv"), character: at(chain, "read-csv").character + "read-csv".length } }, newText: "load-csv" }]);
    assert.ok(edit!.changes![client.uri(ingest)]);
  });

  test("flowsmith/didChangeStatus names the composition when its YAML is edited and when a run writes the store", async () => {
    let seen = client.statusNotifications.length;
    client.change(yaml, NIGHTLY.replace("learningRate: 0.1", "learningRate: 0.2"));
    await client.waitFor("a status notification naming the composition after an edit", () => client.statusNotifications.slice(seen).some((n) => n.targets.includes(TARGET)), 30_000);
    client.change(yaml, NIGHTLY);
    ws.write("examples/composition/data/readings.csv", fs.readFileSync(path.join(EXAMPLE, "data/readings.csv"), "utf8"));
    seen = client.statusNotifications.length;
    const run = await ws.cli(["run", TARGET]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    await client.waitFor("a status notification naming the composition after its run", () => client.statusNotifications.slice(seen).some((n) => n.targets.includes(TARGET)), 30_000);
    const result = await client.request<{ flows: { target: string; nodes: { id: string; status: string }[] }[] }>("flowsmith/flows", {});
    const c = result.flows.find((f) => f.target === TARGET)!;
    assert.deepEqual(c.nodes.filter((n) => n.status !== "complete").map((n) => n.id), []);
    const lenses = await client.request<Lens[]>("textDocument/codeLens", doc(yaml));
    assert.match(lenses[3]!.command!.title, /^7 complete · last run/);
  });
});

