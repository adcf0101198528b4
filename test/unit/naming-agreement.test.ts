/**
 * The engine (`flowsmith run` / `preview`) and the static analysis (`flowsmith graph`, the editor's
 * Flows view) name and fingerprint the same things the same way:
 *
 *  1. sub-flow cycles are found by workflow identity, not name: a default-exported workflow
 *     calling another file's default export, or `pipeline` calling an imported `pipeline`, runs;
 *     a real cycle is still FS008 at run time, naming files when names repeat;
 *  2. a task exported only as default (`const t = task(...); export default t;`,
 *     `export { t as default }`) is `default` everywhere (node ids of graph = node ids of run); one
 *     exported by name and as default keeps its name;
 *  3. a task that is not exported but has a `name` option is fingerprinted the same way at run
 *     time and in the analysis, so right after a run `graph` shows it complete, not stale — also
 *     when it sits in a module reached through a tsconfig `paths` alias.
 *
 * Each workspace: run (must succeed), then `graph --format json` and `preview --format json`
 * must give the run's node ids, all `complete`, with equal fingerprints.
 *
 * Needs `npm run build` (runtime/dist/cli.js and runtime/dist/analysis.js).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fingerprintTasks, type FingerprintHost } from "../../runtime/src/analysis/fingerprint.ts";
import { buildGraph } from "../../runtime/src/graph/builder.ts";
import { task } from "../../runtime/src/sdk/task.ts";
import { workflow, type WorkflowImpl } from "../../runtime/src/sdk/workflow.ts";
import { assertExit, makeWorkspace, ndjson, preview, type Workspace } from "./helpers/workspace.ts";

interface GraphJson {
  nodes: { id: string; task: string; status: string; fingerprint: string }[];
}

async function graphJson(ws: Workspace, target: string): Promise<GraphJson> {
  const res = await ws.cli(["graph", target, "--format", "json"]);
  assertExit(res, 0, `graph ${target}`);
  return JSON.parse(res.stdout) as GraphJson;
}

/** Run `target` (it must succeed) and return the run's node ids → task names, as the engine made them. */
async function runNodes(ws: Workspace, target: string): Promise<Record<string, string>> {
  const res = await ws.cli(["run", target, "--events", "ndjson"]);
  assertExit(res, 0, `run ${target}`);
  const events = ndjson(res.stdout);
  const started = events.find((e) => e.type === "run-started");
  assert.ok(started, `no run-started event:\n${res.stdout}`);
  const finished = events.find((e) => e.type === "run-finished");
  assert.equal(finished?.status, "complete", `run ${target}:\n${res.stdout}\n${res.stderr}`);
  return Object.fromEntries((started.nodes as { id: string; task: string }[]).map((n) => [n.id, n.task]).sort());
}

/**
 * Run, then ask the analysis (`graph`) and the engine (`preview`): the same node ids and task
 * names as the run, every node complete, and the same fingerprint per node. Returns the run's ids.
 */
async function agreeAfterRun(ws: Workspace, target: string): Promise<Record<string, string>> {
  const ran = await runNodes(ws, target);
  const graph = await graphJson(ws, target);
  const graphed = Object.fromEntries(graph.nodes.map((n) => [n.id, n.task]).sort());
  assert.deepEqual(graphed, ran, `${target}: graph's node ids and tasks are the run's`);
  const previewed = await preview(ws, target);
  assert.deepEqual([...previewed.keys()].sort(), Object.keys(ran), `${target}: preview's node ids are the run's`);
  for (const n of graph.nodes) {
    assert.equal(n.status, "complete", `${target}: graph shows node ${n.id} ${n.status} right after the run`);
    assert.equal(previewed.get(n.id)?.status, "complete", `${target}: preview shows node ${n.id} ${previewed.get(n.id)?.status}`);
    assert.equal(n.fingerprint, previewed.get(n.id)?.fingerprint, `${target}: node ${n.id}'s fingerprint in the analysis and in the engine`);
  }
  return ran;
}

const DOUBLE = `export const double = task(async ({ x }: { x: number }) => ({ y: x * 2 }));`;

describe("1. sub-flow cycles are found by workflow identity, not by name", () => {
  test("a default-exported workflow calling another file's default export runs, and graph agrees", async (t) => {
    const ws = makeWorkspace(t);
    ws.write(
      "b.ts",
      `import { task, workflow } from "flowsmith";
${DOUBLE}
export default workflow(() => {
  const d = double({ x: 2 });
  return { y: d.y };
});
`,
    );
    ws.write(
      "a.ts",
      `import { task, workflow } from "flowsmith";
import inner from "./b";
export const inc = task(async ({ x }: { x: number }) => ({ y: x + 1 }));
export default workflow(() => {
  const r = inner({});
  const i = inc({ x: r.y });
  return { y: i.y };
});
`,
    );
    assertExit(await ws.cli(["check", "."]), 0, "check");
    assert.deepEqual(await agreeAfterRun(ws, "a.ts#default"), { "default/double": "double", inc: "inc" });
  });

  test("`pipeline` calling `pipeline` imported from another file (as inner) runs, and graph agrees", async (t) => {
    const ws = makeWorkspace(t);
    ws.write(
      "flows/b.ts",
      `import { task, workflow } from "flowsmith";
${DOUBLE}
export const pipeline = workflow(() => {
  const d = double({ x: 2 });
  return { y: d.y };
});
`,
    );
    ws.write(
      "flows/a.ts",
      `import { task, workflow } from "flowsmith";
import { pipeline as inner } from "./b";
export const inc = task(async ({ x }: { x: number }) => ({ y: x + 1 }));
export const pipeline = workflow(() => {
  const r = inner({});
  const i = inc({ x: r.y });
  return { y: i.y };
});
`,
    );
    assertExit(await ws.cli(["check", "."]), 0, "check");
    assert.deepEqual(await agreeAfterRun(ws, "flows/a.ts#pipeline"), { inc: "inc", "pipeline/double": "double" });
  });

  test("a real cycle through two files' default exports is still FS008 at run time, naming the files", async (t) => {
    const ws = makeWorkspace(t);
    ws.write(
      "a.ts",
      `import { workflow } from "flowsmith";
import inner from "./b";
export default workflow(() => {
  const r = inner({});
  return { y: r.y };
});
`,
    );
    ws.write(
      "b.ts",
      `import { task, workflow } from "flowsmith";
import outer from "./a";
${DOUBLE}
export default workflow(() => {
  const d = double({ x: 1 });
  const o = outer({});
  return { y: o.y, d: d.y };
});
`,
    );
    // The engine's own FS008 (the pre-run check refuses it first, in the same words: below).
    const res = await ws.cli(["run", "a.ts#default", "--no-check"]);
    assertExit(res, 2, "run of a cycle");
    assert.match(res.stderr, /FS008: workflow a\.ts#default calls itself through a\.ts#default → b\.ts#default → a\.ts#default$/m);
    const check = await ws.cli(["check", "."]);
    assertExit(check, 1, "check of a cycle");
    // The editor says it in the engine's words, in each file.
    assert.match(check.stdout, /a\.ts:\d+:\d+ error FS008 workflow a\.ts#default calls itself through a\.ts#default → b\.ts#default → a\.ts#default;/);
    assert.match(check.stdout, /b\.ts:\d+:\d+ error FS008 workflow b\.ts#default calls itself through b\.ts#default → a\.ts#default → b\.ts#default;/);
  });

  test("a workflow calling itself is FS008 by its name", async (t) => {
    const ws = makeWorkspace(t);
    ws.write(
      "loop.ts",
      `import { workflow } from "flowsmith";
export const loop: any = workflow(() => loop());
`,
    );
    const res = await ws.cli(["run", "loop.ts#loop", "--no-check"]);
    assertExit(res, 2, "run of a self-call");
    assert.match(res.stderr, /FS008: workflow loop calls itself through loop → loop$/m);
  });

  test("graph building: two different workflows with one name nest; the same one is a cycle", () => {
    const double = task({ name: "double" }, async ({ x }: { x: number }) => ({ y: x * 2 }));
    const inner = workflow({ name: "pipeline" }, () => ({ y: double({ x: 1 }).y }));
    const outer = workflow({ name: "pipeline" }, () => ({ y: inner().y }));
    const graph = buildGraph(outer as unknown as WorkflowImpl, {});
    assert.deepEqual([...graph.nodes.keys()], ["pipeline/double"]);
    // Two workflows named alike calling each other: a cycle all the same.
    const ping: ReturnType<typeof workflow> = workflow({ name: "pipeline" }, () => ({ y: (pong as unknown as () => { y: unknown })().y }));
    const pong: ReturnType<typeof workflow> = workflow({ name: "pipeline" }, () => ({ y: (ping as unknown as () => { y: unknown })().y }));
    assert.throws(() => buildGraph(ping as unknown as WorkflowImpl, {}), /FS008: workflow pipeline calls itself through pipeline → pipeline → pipeline/);
  });
});

describe("2. a task exported only as default is `default` in the analysis as in the engine", () => {
  const host = (files: Record<string, string>): FingerprintHost => ({ readFile: (p) => files[p] });
  const TASK = `task(async ({ x }: { x: number }) => ({ y: x * 2 }))`;

  test("the fingerprinter names it as the loader does (named export first, else default, else the variable)", () => {
    const names = (text: string) => [...fingerprintTasks("/p/t.ts", host({ "/p/t.ts": `import { task } from "flowsmith";\n${text}` })).keys()];
    assert.deepEqual(names(`const t = ${TASK};\nexport default t;\n`), ["default"]);
    assert.deepEqual(names(`const t = ${TASK};\nexport { t as default };\n`), ["default"]);
    assert.deepEqual(names(`const t = (${TASK}) as any;\nexport default (t);\n`), ["default"]);
    assert.deepEqual(names(`export const named = ${TASK};\nexport default named;\n`), ["named"]);
    assert.deepEqual(names(`const t = ${TASK};\nexport default t;\nexport { t as alias };\n`), ["alias"]);
    assert.deepEqual(names(`const t = task({ name: "given" }, async () => ({}));\nexport default t;\n`), ["given"]);
    assert.deepEqual(names(`const t = ${TASK};\n`), ["t"]);
    assert.deepEqual(names(`export default ${TASK};\n`), ["default"]);
  });

  test("`const t = task(...); export default t;` imported by a flow: node `default` in graph and run", async (t) => {
    const ws = makeWorkspace(t);
    ws.write("t.ts", `import { task } from "flowsmith";\nconst t = ${TASK};\nexport default t;\n`);
    ws.write(
      "flow.ts",
      `import { workflow } from "flowsmith";
import dbl from "./t";
export const main = workflow(() => {
  const d = dbl({ x: 2 });
  return { y: d.y };
});
`,
    );
    assert.deepEqual(await agreeAfterRun(ws, "flow.ts#main"), { default: "default" });
  });

  test("`export { t as default }` in the flow file itself, beside a task exported by name and as default", async (t) => {
    const ws = makeWorkspace(t);
    ws.write(
      "named.ts",
      `import { task } from "flowsmith";
export const named = task(async ({ y }: { y: number }) => ({ z: y + 1 }));
export default named;
`,
    );
    ws.write(
      "flow.ts",
      `import { task, workflow } from "flowsmith";
import viaDefault from "./named";
const t = ${TASK};
export const main = workflow(() => {
  const d = t({ x: 2 });
  const n = viaDefault({ y: d.y });
  return { z: n.z };
});
export { t as default };
`,
    );
    assert.deepEqual(await agreeAfterRun(ws, "flow.ts#main"), { default: "default", named: "named" });
  });
});

describe("3. a non-exported task with a name option is fingerprinted alike at run time and in the analysis", () => {
  test("in the flow file: complete right after the run, stale after its code changes, complete after the next run", async (t) => {
    const ws = makeWorkspace(t);
    ws.write(
      "flow.ts",
      `import { task, workflow } from "flowsmith";
const prep = task({ name: "prep" }, async ({ x }: { x: number }) => ({ y: x + 1 }));
export const finish = task(async ({ y }: { y: number }) => ({ z: y * 2 }));
export const main = workflow(() => {
  const p = prep({ x: 1 });
  const f = finish({ y: p.y });
  return { z: f.z };
});
`,
    );
    assert.deepEqual(await agreeAfterRun(ws, "flow.ts#main"), { finish: "finish", prep: "prep" });
    ws.edit("flow.ts", "y: x + 1", "y: x + 10");
    const graph = await graphJson(ws, "flow.ts#main");
    const previewed = await preview(ws, "flow.ts#main");
    for (const id of ["prep", "finish"]) {
      assert.equal(graph.nodes.find((n) => n.id === id)?.status, "stale", `graph: ${id} after prep's code changed`);
      assert.equal(previewed.get(id)?.status, "stale", `preview: ${id} after prep's code changed`);
    }
    await agreeAfterRun(ws, "flow.ts#main");
  });

  test("in a sub-flow's module, imported relatively", async (t) => {
    const ws = makeWorkspace(t);
    ws.write(
      "lib/sub.ts",
      `import { task, workflow } from "flowsmith";
const prep = task({ name: "prep" }, async ({ x }: { x: number }) => ({ y: x + 1 }));
export const sub = workflow(() => ({ y: prep({ x: 1 }).y }));
`,
    );
    ws.write(
      "flow.ts",
      `import { task, workflow } from "flowsmith";
import { sub } from "./lib/sub";
const fin = task({ name: "fin" }, async ({ y }: { y: number }) => ({ out: y }));
export const main = workflow(() => ({ out: fin({ y: sub({}).y }).out }));
`,
    );
    assert.deepEqual(await agreeAfterRun(ws, "flow.ts#main"), { fin: "fin", "sub/prep": "prep" });
  });

  test("in a module reached through a tsconfig paths alias that exports no task, only the sub-flow", async (t) => {
    const ws = makeWorkspace(t);
    ws.write(
      "tsconfig.json",
      `${JSON.stringify({ compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, noEmit: true, paths: { "@lib/*": ["./lib/*"] } } })}\n`,
    );
    ws.write(
      "lib/sub.ts",
      `import { task, workflow } from "flowsmith";
const prep = task({ name: "prep" }, async ({ x }: { x: number }) => ({ y: x + 1 }));
const twice = task({ name: "twice" }, async ({ y }: { y: number }) => ({ z: y * 2 }));
export const sub = workflow(() => {
  const p = prep({ x: 1 });
  const t = twice({ y: p.y });
  return { z: t.z };
});
`,
    );
    ws.write(
      "flow.ts",
      `import { task, workflow } from "flowsmith";
import { sub } from "@lib/sub";
const fin = task({ name: "fin" }, async ({ z }: { z: number }) => ({ out: z }));
export const main = workflow(() => {
  const s = sub({});
  return { out: fin({ z: s.z }).out };
});
`,
    );
    assertExit(await ws.cli(["check", "."]), 0, "check");
    assert.deepEqual(await agreeAfterRun(ws, "flow.ts#main"), { fin: "fin", "sub/prep": "prep", "sub/twice": "twice" });
  });
});
