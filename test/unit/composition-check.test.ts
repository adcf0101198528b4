/**
 * `flowsmith check`, `list` and `graph` on compositions (`*.flows.yaml`), through the built CLI on a
 * copy of examples/composition: check reports a composition's mistakes at their keys and exits 1
 * (never "no problems" for a YAML it could not read), and sees an edited YAML through its cache;
 * list lists compositions with their targets; graph draws one (JSON with groups and map types,
 * dot and mermaid with a cluster per composing flow), and a bad target is one clear line, exit 2.
 *
 * Needs `npm run build` (runtime/dist/cli.js and runtime/dist/analysis.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { assertCleanError, assertExit, makeWorkspace, REPO, type Workspace } from "./helpers/workspace.ts";

const EXAMPLE = path.join(REPO, "examples/composition");
const NIGHTLY = fs.readFileSync(path.join(EXAMPLE, "nightly.flows.yaml"), "utf8");
const YAML = "examples/composition/nightly.flows.yaml";

describe("check, list and graph on compositions", () => {
  let ws: Workspace;
  let cacheDir: string;
  const env = () => ({ FLOWSMITH_CODE_CACHE_DIR: cacheDir });

  before(() => {
    ws = makeWorkspace();
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-check-cache-"));
    ws.write("examples/tsconfig.json", fs.readFileSync(path.join(REPO, "examples/tsconfig.json"), "utf8"));
    for (const f of ["pipelines/ingest.ts", "pipelines/train.ts", "nightly.flows.yaml"]) ws.write(`examples/composition/${f}`, fs.readFileSync(path.join(EXAMPLE, f), "utf8"));
  });
  after(() => {
    ws?.cleanup();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  test("check: the example has no problems; a mistake in the YAML is reported at its key (exit 1), also after a cached check", async () => {
    let res = await ws.cli(["check", "examples"], { env: env() });
    assertExit(res, 0, "check of the example");
    assert.match(res.stdout, /no problems in 3 flow files/);
    ws.write(YAML, NIGHTLY.replace("parent_task_name: clean", "parent_task_name: claen"));
    res = await ws.cli(["check", "examples"], { env: env() });
    assertExit(res, 1, "check after the YAML was edited");
    const line = NIGHTLY.split("\n").findIndex((l) => l.includes("parent_task_name: clean")) + 1;
    const column = NIGHTLY.split("\n")[line - 1]!.indexOf("clean") + 1;
    assert.match(res.stdout, new RegExp(`^${YAML.replace(/\./g, "\\.")}:${line}:${column} error FS011 workflow ingest \\(composing flow ingest\\) has no node "claen" \\(did you mean "clean"\\?\\)`, "m"));
    assert.match(res.stdout, /1 error in 3 flow files/);
    // JSON, and the file alone.
    res = await ws.cli(["check", YAML, "--format", "json"], { env: env() });
    assertExit(res, 1, "check of the YAML alone");
    const out = JSON.parse(res.stdout) as { file: string; line: number; column: number; code: string }[];
    assert.deepEqual(out.map((d) => [d.file, d.line, d.column, d.code]), [[YAML, line, column, "FS011"]]);
    // Fixed again: the cache must not answer with the old result.
    ws.write(YAML, NIGHTLY);
    res = await ws.cli(["check", "examples"], { env: env() });
    assertExit(res, 0, "check after the fix");
  });

  test("check: a YAML that is not a composition, or a composition naming a missing file, is an error", async () => {
    ws.write("examples/composition/broken.flows.yaml", "name: [unclosed\ncomposing_flows: {\n");
    ws.write("examples/composition/missing.flows.yaml", "name: m\ncomposing_flows:\n  - name: a\n    flow: pipelines/nothere.ts#x\n");
    ws.write("examples/composition/both.flows.yaml", NIGHTLY.replace("parameters: { learningRate: 0.1 }", "parameters: { learningRate: 0.1, rows: [] }"));
    const res = await ws.cli(["check", "examples"], { env: env() });
    assertExit(res, 1, "check with a broken YAML");
    assert.match(res.stdout, /^examples\/composition\/broken\.flows\.yaml:\d+:\d+ error FS013 not a composition: YAML/m);
    assert.match(res.stdout, /^examples\/composition\/missing\.flows\.yaml:4:11 error FS011 there is no flow file pipelines\/nothere\.ts/m);
    // The engine refuses a param both given and mapped; check says so at the key.
    const bothLine = NIGHTLY.split("\n").findIndex((l) => l.includes("parameters: { learningRate: 0.1 }")) + 1;
    assert.match(res.stdout, new RegExp(`^examples/composition/both\\.flows\\.yaml:${bothLine}:\\d+ error FS013 param "rows" of composing flow "train" is both given in parameters and mapped`, "m"));
    assert.doesNotMatch(res.stdout, /no problems/);
    fs.rmSync(ws.path("examples/composition/both.flows.yaml"));
    fs.rmSync(ws.path("examples/composition/broken.flows.yaml"));
    fs.rmSync(ws.path("examples/composition/missing.flows.yaml"));
  });

  test("list: compositions with their targets, flows and node ids", async () => {
    let res = await ws.cli(["list", "examples"]);
    assertExit(res, 0, "list");
    assert.match(res.stdout, /^  composition  examples\/composition\/nightly\.flows\.yaml#nightly  \(line 4, 2 flows, 7 nodes\)$/m);
    res = await ws.cli(["list", "examples", "--format", "json"]);
    const entries = JSON.parse(res.stdout) as { file: string; compositions?: { target: string; flows: { name: string; flow: string }[]; nodeIds: string[] }[] }[];
    const c = entries.find((e) => e.file === YAML)!.compositions![0]!;
    assert.equal(c.target, `${YAML}#nightly`);
    assert.deepEqual(c.flows, [{ name: "ingest", flow: "examples/composition/pipelines/ingest.ts#ingest" }, { name: "train", flow: "examples/composition/pipelines/train.ts#train" }]);
    assert.deepEqual(c.nodeIds, ["ingest/read-csv", "ingest/clean", "ingest/score", "ingest/save-report", "db.train.epochs", "train/fit", "train/summarize"]);
  });

  test("graph: JSON with groups and map types, dot and mermaid with clusters; a bad target is one line", async () => {
    let res = await ws.cli(["graph", `${YAML}#nightly`]);
    assertExit(res, 0, "graph json");
    const g = JSON.parse(res.stdout) as { kind: string; groups: { name: string }[]; nodes: { id: string; group?: string; status: string }[]; edges: { from: string; to: string; mapType?: string }[] };
    assert.equal(g.kind, "composition");
    assert.deepEqual(g.groups.map((x) => x.name), ["ingest", "train"]);
    assert.equal(g.nodes.find((n) => n.id === "train/fit")!.group, "train");
    assert.ok(g.nodes.every((n) => n.status === "pending"));
    assert.deepEqual(g.edges.filter((e) => e.mapType).map((e) => `${e.from}>${e.to}:${e.mapType}`).sort(), ["db.train.epochs>train/fit:db", "ingest/clean>train/fit:raw", "ingest/save-report>train/summarize:file", "ingest/score>db.train.epochs:db"]);
    res = await ws.cli(["graph", `${YAML}#nightly`, "--format", "dot"]);
    assertExit(res, 0, "graph dot");
    assert.match(res.stdout, /subgraph cluster_0 \{\n    label="ingest";/);
    assert.match(res.stdout, /subgraph cluster_1 \{\n    label="train";/);
    assert.match(res.stdout, /"ingest\/clean" -> "train\/fit" \[label="rows → rows \(raw\)", style=dashed\];/);
    res = await ws.cli(["graph", YAML, "--format", "mermaid"]);
    assertExit(res, 0, "graph mermaid");
    assert.match(res.stdout, /^  subgraph g0\["ingest"\]$/m);
    assert.match(res.stdout, /-\. "report → report \(file\)" \.->/);
    assertCleanError(await ws.cli(["graph", `${YAML}#nightyl`]), /has no composition "nightyl" \(did you mean "nightly"\?\)/);
    assertCleanError(await ws.cli(["graph", "examples/composition/none.flows.yaml#x"]), /no such composition file/);
  });

  test("statuses: a composing flow's nodes complete in a standalone run are complete in the composition, as preview says", async () => {
    ws.write("examples/composition/data/readings.csv", fs.readFileSync(path.join(EXAMPLE, "data/readings.csv"), "utf8"));
    const statuses = async () => {
      const res = await ws.cli(["graph", `${YAML}#nightly`]);
      assertExit(res, 0, "graph");
      return Object.fromEntries((JSON.parse(res.stdout) as { nodes: { id: string; status: string }[] }).nodes.map((n) => [n.id, n.status]));
    };
    assertExit(await ws.cli(["run", "examples/composition/pipelines/ingest.ts#ingest"]), 0, "run ingest alone");
    const after = await statuses();
    assert.deepEqual(after, {
      "ingest/read-csv": "complete", "ingest/clean": "complete", "ingest/score": "complete", "ingest/save-report": "complete",
      "db.train.epochs": "pending", "train/fit": "pending", "train/summarize": "pending",
    });
    const preview = await ws.cli(["preview", `${YAML}#nightly`]);
    for (const [id, status] of Object.entries(after)) assert.match(preview.stdout, new RegExp(`\\[${id.replace(/[./]/g, (c) => `\\${c}`)} \\(.*\\) \\(${status.toUpperCase()}\\)\\]`), `${id} in preview`);
    assertExit(await ws.cli(["run", `${YAML}#nightly`]), 0, "run the composition");
    assert.ok(Object.values(await statuses()).every((s) => s === "complete"));
  });
});
