/**
 * `flowsmith list DIR` lists every workflow under DIR, default exports included, and the CLI and
 * the editor agree: on a workspace with valid/ and broken/ folders (test/fixtures/list), for a
 * Bundler and a NodeNext (ESM package) tsconfig, `list .`, the union of `list valid` and
 * `list broken`, and the language server's analysis (FlowAnalysis, asked file by file as requests
 * before the first scan are, in two orders, and after loading every file as the scan does) give
 * the same workflows with the same node ids — the ones the engine gives (`preview`).
 *
 * `export default workflow(...)`, `const w = workflow(...); export default w;` and
 * `export const main = workflow(...); export default main;` are listed, checked, graphed and run
 * as FILE#default (FILE alone when it is the file's only workflow); the last one is `main`.
 *
 * Needs `npm run build` (runtime/dist/cli.js and runtime/dist/analysis.js).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, test } from "node:test";
import { FlowAnalysis } from "../../server/src/analysis/index.ts";
import { EXPECTED, EXPECTED_ERRORS, makeListWorkspace, type ModuleSetting } from "../fixtures/list/workspace.ts";
import { assertCleanError, assertExit, preview, runIdOf, startedNodes, type Workspace } from "./helpers/workspace.ts";

interface ListEntry {
  file: string;
  workflows: { name: string; target: string; line: number; nodes: number; nodeIds: string[] }[];
  tasks: { name: string; line: number; signature: string }[];
}

async function listJson(ws: Workspace, dir: string): Promise<ListEntry[]> {
  const res = await ws.cli(["list", dir, "--format", "json"]);
  assertExit(res, 0, `list ${dir}`);
  return JSON.parse(res.stdout) as ListEntry[];
}

/** target → node ids, from list entries. */
function workflowsOf(entries: ListEntry[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of entries) {
    for (const w of e.workflows) {
      assert.equal(w.nodes, w.nodeIds.length, `${w.target}: node count and ids`);
      assert.ok(!(w.target in out), `${w.target} listed twice`);
      out[w.target] = w.nodeIds;
    }
  }
  return sorted(out);
}

function sorted(map: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => a.localeCompare(b)));
}

/** The language server's view: every exported workflow of the files, analysed in this order. */
function analysisWorkflows(analysis: FlowAnalysis, files: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const file of files) {
    for (const wf of analysis.analyzeFile(file).workflows) {
      if (wf.exported) out[analysis.targetOf(wf)] = wf.nodes.map((n) => n.id);
    }
  }
  return sorted(out);
}

for (const setting of ["bundler", "nodenext"] as ModuleSetting[]) {
  describe(`list on a valid/ + broken/ workspace (${setting})`, () => {
    test("`list .`, `list valid` + `list broken` and the editor's analysis list every workflow with the same node ids", async (t) => {
      const ws = makeListWorkspace(setting, t);
      const all = await listJson(ws, ".");
      const valid = await listJson(ws, "valid");
      const broken = await listJson(ws, "broken");

      // Every one of the 25 files (each defines a task or a workflow), and the same entries either way.
      assert.deepEqual(all.map((e) => e.file), [...broken, ...valid].map((e) => e.file).sort());
      assert.equal(valid.length, 15, `list valid: ${valid.map((e) => e.file).join(", ")}`);
      assert.equal(broken.length, 10, `list broken: ${broken.map((e) => e.file).join(", ")}`);
      assert.deepEqual(workflowsOf(all), sorted(EXPECTED));
      assert.deepEqual(workflowsOf([...valid, ...broken]), sorted(EXPECTED));
      assert.deepEqual(all, [...broken, ...valid].sort((a, b) => a.file.localeCompare(b.file)), "list . gives the same entries (workflows, tasks, lines, signatures) as the two folders");
      const tasks = all.find((e) => e.file === path.join("valid", "tasks.ts"))?.tasks.map((x) => x.name);
      assert.deepEqual(tasks, ["load", "sum", "scale"]);

      // The language server's analysis, asked file by file as the Flows view's first request is
      // (before any scan), in two orders, and after the scan's load of every file.
      const probe = new FlowAnalysis(ws.dir);
      const files = probe.project.discoverFlowFiles(ws.dir);
      assert.equal(files.length, 25);
      assert.deepEqual(analysisWorkflows(probe, files), sorted(EXPECTED), "file by file, sorted");
      assert.deepEqual(analysisWorkflows(new FlowAnalysis(ws.dir), [...files].reverse()), sorted(EXPECTED), "file by file, reversed");
      const scanned = new FlowAnalysis(ws.dir);
      scanned.project.addFiles(scanned.flowFiles());
      assert.deepEqual(analysisWorkflows(scanned, scanned.flowFiles()), sorted(EXPECTED), "after loading every file");
    });

    test("`check .` finds each broken file's mistakes and nothing in valid/", async (t) => {
      const ws = makeListWorkspace(setting, t);
      const res = await ws.cli(["check", ".", "--format", "json"]);
      assertExit(res, 1, "check .");
      const found: Record<string, string[]> = {};
      for (const d of JSON.parse(res.stdout) as { file: string; severity: string; code: string }[]) {
        if (d.severity !== "error") continue;
        (found[d.file.split(path.sep).join("/")] ??= []).push(d.code);
      }
      for (const codes of Object.values(found)) codes.sort();
      assert.deepEqual(sorted(found), sorted(EXPECTED_ERRORS));
      const text = await ws.cli(["check", "valid"]);
      assertExit(text, 0, "check valid");
      assert.match(text.stdout, /in 15 flow files\n$/);
    });
  });
}

test("`list DIR` reads the workspace's tsconfig, as `list .` and the editor do, also for files outside its include", async (t) => {
  // The tsconfig includes lib/ only and maps @lib/* there; flows/ is outside its include, and the
  // editor (rooted at the workspace) still types flows/ with it, so `list flows` must too.
  const ws = makeListWorkspace("bundler", t);
  ws.write(
    "tsconfig.json",
    `${JSON.stringify({ compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, noEmit: true, skipLibCheck: true, types: [], paths: { "@lib/*": ["./lib/*"] } }, include: ["lib/**/*.ts"] }, null, 2)}\n`,
  );
  ws.write("lib/tasks.ts", ws.read("valid/tasks.ts"));
  ws.write(
    "flows/pipe.ts",
    `import { workflow } from "flowsmith";
import { load, sum } from "@lib/tasks.js";

export const pipe = workflow(() => {
  const data = load({ url: "p" });
  const s = sum({ rows: data.rows });
  return { total: s.total };
});
`,
  );
  const want = { "flows/pipe.ts#pipe": ["load", "sum"] };
  const pick = (entries: ListEntry[]) => workflowsOf(entries.filter((e) => e.file === path.join("flows", "pipe.ts")));
  assert.deepEqual(pick(await listJson(ws, ".")), want, "list .");
  assert.deepEqual(pick(await listJson(ws, "flows")), want, "list flows");
  assert.deepEqual(analysisWorkflows(new FlowAnalysis(ws.dir), [ws.path("flows/pipe.ts")]), want, "the editor's analysis");
});

describe("default-exported workflows: FILE#default", () => {
  test("graph, check and preview address them as the editor lists them, with the engine's node ids", async (t) => {
    const ws = makeListWorkspace("bundler", t);
    const graph = async (target: string) => {
      const res = await ws.cli(["graph", target, "--format", "json"]);
      assertExit(res, 0, `graph ${target}`);
      return JSON.parse(res.stdout) as { target: string; name: string; nodes: { id: string }[] };
    };
    const inline = await graph("valid/default-inline.ts#default");
    assert.equal(inline.target, "valid/default-inline.ts#default");
    assert.deepEqual(inline.nodes.map((n) => n.id), EXPECTED["valid/default-inline.ts#default"]);
    assert.deepEqual((await graph("valid/default-const.ts")).nodes.map((n) => n.id), EXPECTED["valid/default-const.ts#default"]);
    // A workflow exported by name and as default: one workflow, `main`, whichever name is used.
    const alias = await graph("valid/default-alias.ts#default");
    assert.equal(alias.target, "valid/default-alias.ts#main");
    assert.equal((await graph("valid/default-alias.ts")).target, "valid/default-alias.ts#main");
    assert.deepEqual((await graph("valid/uses-default.ts")).nodes.map((n) => n.id), EXPECTED["valid/uses-default.ts#usesDefault"]);

    assertExit(await ws.cli(["check", "valid/default-inline.ts"]), 0, "check a default-exported workflow");
    const broken = await ws.cli(["check", "broken/default-broken.ts"]);
    assertExit(broken, 1, "check a broken default-exported workflow");
    assert.match(broken.stdout, /default-broken\.ts:6:\d+ error FS002 /);

    assertCleanError(await ws.cli(["graph", "valid/default-inline.ts#defualt"]), /no exported workflow "defualt".*did you mean "default"/);
    assertCleanError(await ws.cli(["list", "nowhere"]), /no such file or directory: nowhere/);

    // The engine builds the same graphs (every valid workflow, by the target the editor lists).
    for (const [target, ids] of Object.entries(EXPECTED)) {
      if (!target.startsWith("valid/")) continue;
      assert.deepEqual([...(await preview(ws, target)).keys()], ids, `preview ${target}`);
    }
    assert.deepEqual([...(await preview(ws, "valid/default-alias.ts#default")).keys()], EXPECTED["valid/default-alias.ts#main"]);
  });

  test("run FILE#default, and FILE alone when it is the file's only workflow", async (t) => {
    const ws = makeListWorkspace("bundler", t);
    const run = async (target: string) => {
      const res = await ws.cli(["run", target]);
      assertExit(res, 0, `run ${target}`);
      return res;
    };
    const inline = await run("valid/default-inline.ts#default");
    assert.match(inline.stdout, new RegExp(`^run ${runIdOf(inline.stdout)} · valid/default-inline\\.ts#default$`, "m"));
    assert.deepEqual(startedNodes(inline.stdout), ["stamp"]);
    assert.match((await run("valid/default-inline.ts")).stdout, /· valid\/default-inline\.ts#default$/m);
    assert.deepEqual(startedNodes((await run("valid/default-const.ts")).stdout).sort(), ["load", "sum"]);
    // Exported as `main` and as default: FILE alone picks it; FILE#default runs it as FILE#main, so
    // the editor (which lists it as main) sees that run's statuses.
    const alias = await run("valid/default-alias.ts#default");
    assert.match(alias.stdout, /· valid\/default-alias\.ts#main$/m);
    assert.match((await run("valid/default-alias.ts")).stdout, /· valid\/default-alias\.ts#main$/m);
    const statuses = await ws.cli(["graph", "valid/default-alias.ts#main", "--format", "json"]);
    assertExit(statuses, 0);
    assert.deepEqual((JSON.parse(statuses.stdout) as { nodes: { status: string }[] }).nodes.map((n) => n.status), ["complete", "complete", "complete"]);
    // A default-exported sub-flow gets the node ids the editor shows.
    const uses = await run("valid/uses-default.ts");
    assert.match(uses.stdout, /· valid\/uses-default\.ts#usesDefault$/m);
    const forced = await ws.cli(["run", "valid/uses-default.ts", "--force-all"]);
    assertExit(forced, 0);
    assert.deepEqual(startedNodes(forced.stdout).sort(), [...EXPECTED["valid/uses-default.ts#usesDefault"]!].sort());
    assertCleanError(await ws.cli(["run", "valid/several.ts"]), /exports several workflows \(first, second\)/);
  });
});
