/**
 * The static flow analysis (server/src/analysis) on inline sources with range markers: a failing
 * and a passing case for every diagnostic code FS001–FS012, zero diagnostics on the examples, node
 * ids and statuses compared with the engine (`flowsmith preview --format json`), task discovery
 * through aliases and re-exports, edges and params.
 *
 * One FlowAnalysis for the whole file (type-checking zod once is the slow part); every case is its
 * own virtual file (setText) in one temp workspace whose node_modules links to the repo's, so
 * "flowsmith" and "zod" resolve as they do for a user.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { FlowAnalysis, type FlowDiagnostic, type WorkflowInfo } from "../../server/src/analysis/index.ts";
import { codeAt, expectedCodes, formatRange, parseMarkers, type Marked } from "./helpers/markers.ts";
import { assertExit, makeWorkspace, preview, REPO, runOk, type PreviewNode } from "./helpers/workspace.ts";

const ws = makeWorkspace();
after(() => ws.cleanup());
const analysis = new FlowAnalysis(ws.dir);

const FIXTURES = path.join(REPO, "test/fixtures/analysis");

/** Shared by every inline case: three tasks with typed inputs and outputs. */
const HEAD = `import { task, workflow } from "flowsmith";
import { z } from "zod";
interface Row { v: number | null }
export const load = task(async ({ url }: { url: string }) => ({ rows: [] as Row[], count: 3 }));
export const clean = task(async ({ rows, dropNulls }: { rows: Row[]; dropNulls: boolean }) => ({ rows }));
export const fit = task(async ({ rows, epochs }: { rows: Row[]; epochs: number }) => ({ model: rows.length * epochs, score: 0.5 }));
`;

interface Case {
  /** Source after HEAD, with `[|FSnnn:…|]` markers on every expected diagnostic. */
  fail: string;
  /** A close valid variant: no diagnostic at all. */
  pass: string;
  /** Message checks for the failing case (each must match some diagnostic of the code). */
  messages?: RegExp[];
  severity?: FlowDiagnostic["severity"];
}

const CASES: Record<string, Case> = {
  FS001: {
    fail: `export const wf = workflow(() => {
  const data = load({ url: "a" });
  const c = clean({ rows: data.rows, dropNulls: true, [|FS001:dropNull|]: false });
  return { rows: c.rows };
});`,
    pass: `export const wf = workflow(() => {
  const data = load({ url: "a" });
  const c = clean({ rows: data.rows, dropNulls: true });
  return { rows: c.rows };
});`,
    messages: [/task clean has no input "dropNull"/, /did you mean "dropNulls"\?/, /rows, dropNulls/],
  },
  // A misspelt required input is two mistakes: the unknown one and the missing one.
  "FS001+FS002": {
    fail: `export const wf = workflow(() => {
  const data = load({ url: "a" });
  const c = clean([|FS002:{ [|FS001:rowz|]: data.rows, dropNulls: true }|]);
  return { rows: c.rows };
});`,
    pass: `export const wf = workflow(() => {
  const data = load({ url: "a" });
  const c = clean({ rows: data.rows, dropNulls: true });
  return { rows: c.rows };
});`,
    messages: [/did you mean "rows"\?/, /does not pass input "rows"/],
  },
  FS002: {
    fail: `export const wf = workflow(() => {
  const data = load({ url: "a" });
  const c = clean([|FS002:{ rows: data.rows }|]);
  return { rows: c.rows };
});`,
    pass: `export const lenient = task(async ({ rows, dropNulls }: { rows: Row[]; dropNulls?: boolean }) => ({ rows: dropNulls ? rows : rows }));
export const wf = workflow(() => {
  const data = load({ url: "a" });
  const c = lenient({ rows: data.rows });
  return { rows: c.rows };
});`,
    messages: [/node clean does not pass input "dropNulls"/, /dropNulls: boolean/],
  },
  "FS002 sub-flow param": {
    fail: `export const inner = workflow({ params: z.object({ url: z.string(), n: z.number().default(1) }) }, ({ url }) => {
  const d = load({ url });
  return { rows: d.rows };
});
export const outer = workflow(() => {
  const s = inner([|FS002:{ n: 2 }|]);
  return { rows: s.rows };
});`,
    pass: `export const inner = workflow({ params: z.object({ url: z.string(), n: z.number().default(1) }) }, ({ url }) => {
  const d = load({ url });
  return { rows: d.rows };
});
export const outer = workflow(() => {
  const s = inner({ url: "x" });
  return { rows: s.rows };
});`,
    messages: [/sub-flow inner needs param "url"/],
  },
  FS003: {
    fail: `export const wf = workflow(() => {
  const data = load({ url: "a" });
  const f = fit({ rows: [|FS003:data.count|], epochs: 3 });
  return { model: f.model };
});`,
    pass: `export const wf = workflow(() => {
  const data = load({ url: "a" });
  const f = fit({ rows: data.rows, epochs: data.count });
  return { model: f.model };
});`,
    // Both ends and both types, in flow words.
    messages: [/load\.count is number/, /input "rows" of node fit/, /expects Row\[\]/],
  },
  FS004: {
    fail: `export const wf = workflow({ params: z.object({ n: z.number().default(2) }) }, ({ n }) => {
  const data = load({ url: "a" });
  if ([|FS004:data.count|]) {}
  const big = [|FS004:data.count|] > 2;
  const more = [|FS004:data.count|] + [|FS004:n|];
  for (const r of [|FS004:data.rows|]) {}
  const copy = [[|FS004:...data.rows|]];
  const text = \`\${[|FS004:data.rows|]}\`;
  const c = clean({ rows: data.rows, dropNulls: true });
  return { rows: c.rows, big, more, copy, text };
});`,
    // Params are references too (DESIGN "Params are references"): passed straight to inputs or returned, fine.
    pass: `export const wf = workflow({ params: z.object({ url: z.string(), n: z.number().default(2) }) }, ({ url, n }) => {
  const data = load({ url });
  const f = fit({ rows: data.rows, epochs: n });
  const c = clean({ rows: data.rows, dropNulls: true });
  return { rows: c.rows, model: f.model, n };
});`,
    messages: [/the reference load\.count is branched on/, /compared/, /computed with/, /iterated/, /spread/, /put into a string/, /the param n is computed with in workflow wf's body/],
  },
  "FS004 await": {
    fail: `export const wf = workflow(() => {
  const data = load({ url: "a" });
  const rows = [|FS004:await data.rows|];
  const c = clean({ rows: data.rows, dropNulls: true });
  return { rows: c.rows, n: rows };
});`,
    pass: `export const wf = workflow(() => {
  const data = load({ url: "a" });
  const c = clean({ rows: data.rows, dropNulls: true });
  return { rows: c.rows };
});`,
    messages: [/awaited/],
  },
  FS005: {
    fail: `export const wf = workflow(() => {
  const data = load({ url: "a" });
  const f = fit({ rows: data.[|FS005:rowz|], epochs: 2 });
  return { model: f.model };
});`,
    pass: `export const wf = workflow(() => {
  const data = load({ url: "a" });
  const f = fit({ rows: data.rows, epochs: 2 });
  return { model: f.model };
});`,
    messages: [/no output "rowz"/, /did you mean "rows"\?/, /task load produces rows, count/],
  },
  "FS005 sub-flow output": {
    fail: `export const inner = workflow(() => {
  const d = load({ url: "i" });
  return { rows: d.rows };
});
export const outer = workflow(() => {
  const s = inner();
  const c = clean({ rows: s.[|FS005:rowz|], dropNulls: true });
  return { rows: c.rows };
});`,
    pass: `export const inner = workflow(() => {
  const d = load({ url: "i" });
  return { rows: d.rows };
});
export const outer = workflow(() => {
  const s = inner();
  const c = clean({ rows: s.rows, dropNulls: true });
  return { rows: c.rows };
});`,
    messages: [/sub-flow inner has no output "rowz"/],
  },
  FS006: {
    fail: `export const stamp = task(async ({ at }: { at: Date }) => ({ ok: at.getTime() > 0 }));
export const wf = workflow({ params: z.object({ when: [|FS006:z.date()|], big: [|FS006:z.bigint().optional()|], ok: z.string() }) }, () => {
  const s = stamp({ at: [|FS006:new Date(0)|] });
  return { ok: s.ok };
});`,
    pass: `export const stamp = task(async ({ at }: { at: string }) => ({ ok: at.length > 0 }));
export const wf = workflow({ params: z.object({ when: z.string().datetime(), big: z.string().optional(), ok: z.string() }) }, () => {
  const s = stamp({ at: "2024-01-01T00:00:00Z" });
  return { ok: s.ok };
});`,
    messages: [/param "when" is a Date/, /param "big" is a bigint/, /input "at" of node stamp is a Date/],
  },
  // "a workflow param or mapped value that is not JSON": a Date mapped into a sub-flow's param.
  "FS006 sub-flow param value": {
    fail: `export const inner = workflow({ params: z.object({ at: z.any() }) }, ({ at }) => {
  const d = load({ url: "x" });
  return { rows: d.rows, at };
});
export const outer = workflow(() => {
  const s = inner({ at: [|FS006:new Date(0)|] });
  return { rows: s.rows };
});`,
    pass: `export const inner = workflow({ params: z.object({ at: z.any() }) }, ({ at }) => {
  const d = load({ url: "x" });
  return { rows: d.rows, at };
});
export const outer = workflow(() => {
  const s = inner({ at: "1970-01-01T00:00:00.000Z" });
  return { rows: s.rows };
});`,
    messages: [/"at".*Date|Date.*"at"/],
  },
  FS007: {
    fail: `export const wf = workflow(() => {
  const a = load({ url: "a" }, { as: "src" });
  const b = [|FS007:load({ url: "b" }, { as: "src" })|];
  return { a: a.rows, b: b.rows };
});`,
    // Repeated calls without an alias are fine: they get #2.
    pass: `export const wf = workflow(() => {
  const a = load({ url: "a" }, { as: "src" });
  const b = load({ url: "b" });
  const c = load({ url: "c" });
  return { a: a.rows, b: b.rows, c: c.rows };
});`,
    messages: [/two nodes have the id "src"/],
  },
  "FS007 task names": {
    fail: `export const first = task({ name: "same" }, async ({ x }: { x: number }) => ({ x }));
export const second = [|FS007:task({ name: "same" }, async ({ x }: { x: number }) => ({ x }))|];`,
    pass: `export const first = task({ name: "same" }, async ({ x }: { x: number }) => ({ x }));
export const second = task({ name: "other" }, async ({ x }: { x: number }) => ({ x }));`,
    messages: [/two tasks are named "same"/],
  },
  FS008: {
    fail: `export const a = workflow((): any => {
  const r = [|FS008:b()|];
  return { r };
});
export const b = workflow((): any => {
  const r = [|FS008:a()|];
  return { r };
});
export const self = workflow((): any => {
  const r = [|FS008:self()|];
  return { r };
});`,
    pass: `export const a = workflow(() => {
  const d = load({ url: "a" });
  return { rows: d.rows };
});
export const b = workflow(() => {
  const r = a();
  return { rows: r.rows };
});`,
    messages: [/a → b → a/, /b → a → b/, /self → self/],
  },
  FS009: {
    fail: `export const wf = workflow(() => {
  [|FS009:console.log("building")|];
  const seed = [|FS009:Math.random()|];
  const now = [|FS009:Date.now()|];
  const today = [|FS009:new Date()|];
  [|FS009:fetch("https://example.com")|];
  const d = load({ url: "a" });
  return { rows: d.rows, seed, now, today };
});`,
    // The same things inside a task run when the task runs: fine. Time comes in as a param.
    pass: `export const noisy = task(async ({ url }: { url: string }) => {
  console.log("loading", url, Math.random(), Date.now(), new Date());
  const res = await fetch(url);
  return { status: res.status };
});
export const wf = workflow({ params: z.object({ today: z.string() }) }, ({ today }) => {
  const n = noisy({ url: today });
  const epoch = new Date(0).toISOString();
  return { status: n.status, epoch };
});`,
    severity: "warning",
    messages: [/console\.log\(\) in a workflow body/, /Math\.random\(\)/, /Date\.now\(\)/, /new Date\(\)/, /fetch\(\)/],
  },
  FS010: {
    fail: `export const wf = workflow(() => {
  const data = load({ url: "a" });
  [|FS010:fit({ rows: data.rows, epochs: 1 })|];
  const c = clean({ rows: data.rows, dropNulls: true });
  return { rows: c.rows };
});`,
    pass: `export const wf = workflow(() => {
  const data = load({ url: "a" });
  const f = fit({ rows: data.rows, epochs: 1 });
  const c = clean({ rows: data.rows, dropNulls: true });
  return { rows: c.rows, model: f.model };
});`,
    severity: "hint",
    messages: [/node fit: nothing uses its outputs/],
  },
  FS011: {
    fail: `export const inner = workflow({ params: z.object({ url: z.string().default("u") }) }, ({ url }) => {
  const d = load({ url });
  return { rows: d.rows };
});
export const outer = workflow(() => {
  const s = inner({ [|FS011:uri|]: "x" });
  return { rows: s.rows };
});`,
    pass: `export const inner = workflow({ params: z.object({ url: z.string().default("u") }) }, ({ url }) => {
  const d = load({ url });
  return { rows: d.rows };
});
export const outer = workflow(() => {
  const s = inner({ url: "x" });
  return { rows: s.rows };
});`,
    messages: [/sub-flow inner has no param "uri"/, /did you mean "url"\?/],
  },
};

const slug = (name: string) => name.replace(/[^\w]+/g, "_");
const caseFile = (name: string, kind: "fail" | "pass") => ws.path(`cases/${slug(name)}.${kind}.ts`);
const marked = new Map<string, Marked>();

before(() => {
  // Set every case's text first: the type checker is then built once for all of them.
  for (const [name, c] of Object.entries(CASES)) {
    const fail = parseMarkers(HEAD + c.fail);
    marked.set(name, fail);
    analysis.setText(caseFile(name, "fail"), fail.text);
    analysis.setText(caseFile(name, "pass"), parseMarkers(HEAD + c.pass).text);
  }
});

function show(ds: FlowDiagnostic[]): string {
  return ds.map((d) => `  ${codeAt(d)} ${d.severity}: ${d.message}`).join("\n") || "  (none)";
}

describe("diagnostics: a failing and a passing case per code", () => {
  for (const [name, c] of Object.entries(CASES)) {
    test(`${name}: reported at exactly the marked ranges`, () => {
      const m = marked.get(name)!;
      const ds = analysis.diagnostics(caseFile(name, "fail"));
      assert.deepEqual(ds.map(codeAt).sort(), expectedCodes(m), `diagnostics of the failing case:\n${show(ds)}`);
      for (const d of ds) {
        assert.equal(d.file, caseFile(name, "fail"));
        if (c.severity) assert.equal(d.severity, c.severity, `${codeAt(d)} severity`);
        else assert.equal(d.severity, "error", `${codeAt(d)} severity`);
      }
      for (const re of c.messages ?? []) assert.ok(ds.some((d) => re.test(d.message)), `no message matches ${re}:\n${show(ds)}`);
    });
    test(`${name}: the valid variant gets no diagnostic`, () => {
      const ds = analysis.diagnostics(caseFile(name, "pass"));
      assert.deepEqual(ds.map(codeAt), [], `diagnostics of the passing case:\n${show(ds)}`);
    });
  }

  test("every code FS001-FS011 has a failing case (FS012 has its own below)", () => {
    const covered = new Set([...marked.values()].flatMap((m) => expectedCodes(m).map((c) => c.slice(0, 5))));
    for (let i = 1; i <= 11; i++) {
      const code = `FS${String(i).padStart(3, "0")}`;
      assert.ok(covered.has(code), `${code} has no failing case`);
    }
  });

  test("FS009: I/O through node:fs in a body", () => {
    const m = parseMarkers(`import { task, workflow } from "flowsmith";
import * as fs from "node:fs";
import { readFileSync } from "node:fs";
export const load = task(async ({ text }: { text: string }) => ({ size: text.length }));
export const wf = workflow(() => {
  const a = load({ text: [|FS009:fs.readFileSync("a.txt", "utf8")|] });
  const b = load({ text: [|FS009:readFileSync("b.txt", "utf8")|] }, { as: "b" });
  return { a: a.size, b: b.size };
});`);
    const file = ws.path("cases/fs009_node_fs.ts");
    analysis.setText(file, m.text);
    const ds = analysis.diagnostics(file);
    assert.deepEqual(ds.map(codeAt).sort(), expectedCodes(m), show(ds));
  });

  test("FS007: two different tasks with one name in one workflow (from two modules)", () => {
    ws.write("cases/fs007_other.ts", `import { task } from "flowsmith";
export const load = task(async ({ url }: { url: string }) => ({ body: url }));
`);
    const m = parseMarkers(`${HEAD}import { load as load2 } from "./fs007_other";
export const wf = workflow(() => {
  const a = load({ url: "a" });
  const b = [|FS007:load2|]({ url: "b" });
  return { rows: a.rows, body: b.body };
});`);
    const file = ws.path("cases/fs007_two_modules.ts");
    analysis.setText(file, m.text);
    const ds = analysis.diagnostics(file);
    assert.deepEqual(ds.map(codeAt).sort(), expectedCodes(m), show(ds));
    assert.match(ds[0]!.message, /two different tasks are named "load"/);
  });
});

// ---- false positives on valid flows --------------------------------------------------------------

describe("valid flows get no diagnostics", () => {
  test("every flow file in examples/ (analysed with a FlowAnalysis rooted at the repo)", () => {
    const repo = new FlowAnalysis(REPO);
    const files = repo.flowFiles().filter((f) => f.startsWith(path.join(REPO, "examples") + path.sep));
    assert.ok(files.length >= 4, `expected the example flows, found ${files.join(", ")}`);
    for (const file of files) {
      const result = repo.analyzeFile(file);
      assert.ok(result.workflows.length > 0, `${path.relative(REPO, file)}: no workflow found`);
      for (const wf of result.workflows) assert.ok(wf.nodes.length > 0, `${path.relative(REPO, file)}#${wf.name}: no nodes`);
      // FS012 (information) depends on the repo's store; anything louder is a false positive.
      const loud = repo.diagnostics(file).filter((d) => d.severity !== "information");
      assert.deepEqual(loud.map(codeAt), [], `${path.relative(REPO, file)}:\n${show(loud)}`);
    }
  });

  const VALID: Record<string, string> = {
    destructured: `export const wf = workflow(() => {
  const { rows } = load({ url: "a" });
  const c = clean({ rows, dropNulls: true });
  return { rows: c.rows };
});`,
    "schema in a variable, whole task output returned": `const Params = z.object({ url: z.string(), epochs: z.number().int().default(3) });
export const wf = workflow({ params: Params }, ({ url, epochs }) => {
  const d = load({ url });
  return fit({ rows: d.rows, epochs });
});`,
    "params object not destructured": `export const wf = workflow({ params: z.object({ url: z.string() }) }, (p) => {
  const d = load({ url: p.url });
  return { rows: d.rows };
});`,
    "task without inputs": `export const seed = task(async () => ({ n: 1 }));
export const wf = workflow(() => {
  const s = seed({});
  return { n: s.n };
});`,
    "optional input, interface input, readonly and nullable inputs": `interface In { rows: readonly Row[]; limit?: number }
export const head = task(async (input: In) => ({ rows: input.rows.slice(0, input.limit ?? 3), n: input.rows.length as number | null }));
export const show = task(async ({ n }: { n: number | null }) => ({ text: String(n) }));
export const wf = workflow(() => {
  const d = load({ url: "a" });
  const h = head({ rows: d.rows });
  const s = show({ n: h.n });
  return { rows: h.rows, text: s.text };
});`,
    "references nested in literals and a whole output as input": `export const merge = task(async ({ parts }: { parts: Row[][] }) => ({ rows: parts.flat() }));
export const describe = task(async ({ out }: { out: { rows: Row[]; count: number } }) => ({ text: String(out.count) }));
export const wf = workflow(() => {
  const a = load({ url: "a" });
  const b = load({ url: "b" });
  const m = merge({ parts: [a.rows, b.rows] });
  const t = describe({ out: a });
  return { rows: m.rows, stats: { text: t.text } };
});`,
    "JSON literal inputs and helper functions": `function url(n: number) { return "https://x/" + n; }
export const cfg = task(async ({ opts, u }: { opts: { a: number; tags: string[] }; u: string }) => ({ ok: opts.a > 0 && u !== "" }));
export const wf = workflow(() => {
  const c = cfg({ opts: { a: 1, tags: ["x"] }, u: url(2) });
  return { ok: c.ok };
});`,
    "a task named fetch": `export const fetch = task(async ({ url }: { url: string }) => ({ body: url }));
export const wf = workflow(() => {
  const f = fetch({ url: "a" });
  return { body: f.body };
});`,
    "outputs of a union type": `export const pick = task(async ({ n }: { n: number }) => (n > 1 ? { rows: [] as Row[], note: "big" } : { rows: [] as Row[], note: "small" }));
export const wf = workflow(() => {
  const p = pick({ n: 2 });
  const c = clean({ rows: p.rows, dropNulls: true });
  return { rows: c.rows, note: p.note };
});`,
    // A sink task returns nothing, so nothing can use its outputs: FS010 is noise there.
    "a sink task that returns nothing": `export const save = task(async ({ rows }: { rows: Row[] }) => { void rows; });
export const wf = workflow(() => {
  const d = load({ url: "a" });
  save({ rows: d.rows });
  return { count: d.count };
});`,
    // The engine runs the callback once per element; the nodes are used through the array.
    "task calls in a map callback over a literal array": `export const wf = workflow(() => {
  const parts = ["a", "b"].map((url) => load({ url }));
  return { first: parts[0]!.rows };
});`,
  };
  for (const [name, src] of Object.entries(VALID)) {
    test(name, () => {
      const file = ws.path(`valid/${slug(name)}.ts`);
      analysis.setText(file, HEAD + src);
      const ds = analysis.diagnostics(file);
      assert.deepEqual(ds.map(codeAt), [], show(ds));
      assert.ok(analysis.analyzeFile(file).workflows[0]!.nodes.length > 0, "the workflow has nodes");
    });
  }
});

// ---- node ids, compared with the engine ----------------------------------------------------------

/** `id <- dep, dep` lines, sorted, for engine/analysis comparisons. */
function shape(nodes: { id: string; deps: string[] }[]): string[] {
  return nodes.map((n) => `${n.id} <- ${[...n.deps].sort().join(", ")}`).sort();
}

/** Engine graphs by target, previewed in parallel once (each CLI call costs a process start). */
const engine = new Map<string, Promise<PreviewNode[]>>();
function engineNodes(target: string): Promise<PreviewNode[]> {
  if (!engine.has(target)) engine.set(target, preview(ws, target).then((m) => [...m.values()]));
  return engine.get(target)!;
}

function workflowOf(target: string): WorkflowInfo {
  const wf = analysis.workflow(target);
  assert.ok(wf, `the analysis finds ${target}`);
  return wf;
}

describe("node ids and deps match the engine (flowsmith preview --format json)", () => {
  before(() => {
    ws.write("ids.ts", fs.readFileSync(path.join(FIXTURES, "ids.ts"), "utf8"));
    for (const f of fs.readdirSync(path.join(FIXTURES, "imports"))) ws.write(`imports/${f}`, fs.readFileSync(path.join(FIXTURES, "imports", f), "utf8"));
    const targets = ["ids.ts#ids", "ids.ts#nested", "ids.ts#usesNamed", "ids.ts#mapped", "imports/flow.ts#flow", "imports/flow.ts#nsFlow", "imports/flow.ts#sdkFlow", "imports/varalias.ts#flow"];
    for (const t of targets) void engineNodes(t).catch(() => undefined); // started now, awaited in the tests
  });

  test("repeats (#2, #3 in call order, arguments first), aliases, a sub-flow twice and under an alias", async () => {
    const wf = workflowOf("ids.ts#ids");
    assert.deepEqual(shape(wf.nodes), shape(await engineNodes("ids.ts#ids")));
    // The exact ids, so the comparison above is not vacuous.
    assert.deepEqual(
      wf.nodes.map((n) => n.id).sort(),
      ["inner#2/load", "inner#2/load#2", "inner#2/merge-rows", "inner/load", "inner/load#2", "inner/merge-rows", "load", "load#2", "load#3", "merge-rows", "merge-rows#2", "sub3/load", "sub3/load#2", "sub3/merge-rows", "third"],
    );
    const sub = wf.nodes.find((n) => n.id === "inner#2/merge-rows")!;
    assert.deepEqual(sub.scope, ["inner#2"]);
    // Every analysis node has the engine's fingerprint.
    const byId = new Map((await engineNodes("ids.ts#ids")).map((n) => [n.id, n]));
    for (const n of wf.nodes) assert.equal(n.fingerprint, byId.get(n.id)?.fingerprint, `fingerprint of ${n.id}`);
  });

  test("a sub-flow inside a sub-flow: middle/inner/…", async () => {
    const wf = workflowOf("ids.ts#nested");
    assert.deepEqual(shape(wf.nodes), shape(await engineNodes("ids.ts#nested")));
    // scope lists the sub-flow ids the node sits in, outermost first (as the engine's graph does).
    assert.deepEqual(wf.nodes.find((n) => n.id === "middle/inner/load")?.scope, ["middle", "middle/inner"]);
  });

  test("a sub-flow with a name option sits under that name", async () => {
    assert.deepEqual(shape(workflowOf("ids.ts#usesNamed").nodes), shape(await engineNodes("ids.ts#usesNamed")));
  });

  test("task calls in a map over a literal array get one node per element", async () => {
    assert.deepEqual(shape(workflowOf("ids.ts#mapped").nodes), shape(await engineNodes("ids.ts#mapped")));
  });

  test("tasks through an aliased import, a namespace import and a local re-export module", async () => {
    const file = ws.path("imports/flow.ts");
    const result = analysis.analyzeFile(file);
    assert.deepEqual(result.tasks.map((t) => t.name).sort(), ["ns-task", "viaAlias", "viaReexport"]);
    assert.deepEqual(result.workflows.map((w) => w.name).sort(), ["flow", "nsFlow", "sdkFlow"]);
    for (const name of ["flow", "nsFlow", "sdkFlow"]) {
      assert.deepEqual(shape(workflowOf(`imports/flow.ts#${name}`).nodes), shape(await engineNodes(`imports/flow.ts#${name}`)), name);
    }
    assert.deepEqual(shape(workflowOf("imports/flow.ts#flow").nodes), ["ns-task <- viaAlias", "viaAlias <- ", "viaReexport <- ns-task"]);
    assert.deepEqual(analysis.diagnostics(file).map(codeAt), []);
  });

  test("a function named task from another module is not a task", () => {
    const result = analysis.analyzeFile(ws.path("imports/flow.ts"));
    assert.ok(!result.tasks.some((t) => t.name === "notATask"), "notATask (fake.ts's task) is not a flowsmith task");
    const file = ws.path("imports/local_fake.ts");
    analysis.setText(file, `import { workflow } from "flowsmith";
function task<T>(fn: T): T { return fn; }
export const helper = task(async ({ n }: { n: number }) => ({ n }));
export const wf = workflow(() => {
  return {};
});
`);
    const local = analysis.analyzeFile(file);
    assert.deepEqual(local.tasks, []);
    assert.deepEqual(local.workflows.map((w) => w.name), ["wf"]);
    assert.deepEqual(analysis.diagnostics(file).map(codeAt), []);
  });

  test("task bound to another name in a module (`export const task = realTask`)", async () => {
    const result = analysis.analyzeFile(ws.path("imports/varalias.ts"));
    assert.deepEqual(result.tasks.map((t) => t.name), ["viaVar"]);
    assert.deepEqual(shape(workflowOf("imports/varalias.ts#flow").nodes), shape(await engineNodes("imports/varalias.ts#flow")));
  });
});

// ---- edges and params -----------------------------------------------------------------------------

describe("graph details", () => {
  test("edges carry output and input names and the ranges of both ends", () => {
    const m = parseMarkers(`${HEAD}export const wf = workflow(() => {
  const data = load({ url: "a" });
  const c = clean({ [|@in1:rows|]: [|@out1:data.rows|], dropNulls: true });
  const f = fit({ [|@in2:rows|]: [|@out2:c.rows|], [|@in3:epochs|]: [|@out3:data.count|] });
  return { model: f.model };
});`);
    const file = ws.path("graph/edges.ts");
    analysis.setText(file, m.text);
    const wf = analysis.analyzeFile(file).workflows[0]!;
    const edges = wf.edges.map((e) => ({
      edge: `${e.from}.${e.output} -> ${e.to}.${e.input}`,
      out: e.outputRange && `${e.outputRange.file === file ? "" : e.outputRange.file}${formatRange(e.outputRange.range)}`,
      in: e.inputRange && `${e.inputRange.file === file ? "" : e.inputRange.file}${formatRange(e.inputRange.range)}`,
    }));
    const expect = (n: number, edge: string) => ({ edge, out: formatRange(m.only(`out${n}`).range), in: formatRange(m.only(`in${n}`).range) });
    assert.deepEqual(
      edges.sort((a, b) => a.edge.localeCompare(b.edge)),
      [expect(2, "clean.rows -> fit.rows"), expect(1, "load.rows -> clean.rows"), expect(3, "load.count -> fit.epochs")].sort((a, b) => a.edge.localeCompare(b.edge)),
    );
    assert.deepEqual(wf.nodes.find((n) => n.id === "fit")!.refInputs, { rows: { node: "clean", path: ["rows"] }, epochs: { node: "load", path: ["count"] } });
    assert.deepEqual(wf.nodes.find((n) => n.id === "fit")!.deps.sort(), ["clean", "load"]);
  });

  test("edges from sub-flow outputs reach the inner node", () => {
    const file = ws.path("ids.ts");
    const wf = analysis.analyzeFile(file).workflows.find((w) => w.name === "ids")!;
    const toAll = wf.edges.filter((e) => e.to === "merge-rows#2").map((e) => `${e.from}.${e.output} -> ${e.input}`).sort();
    assert.deepEqual(toAll, ["load.rows -> a", "merge-rows.rows -> b"]);
  });

  test("params from the zod schema, with types, defaults, optional and descriptions", () => {
    const file = ws.path("graph/params.ts");
    analysis.setText(file, `${HEAD}export const wf = workflow(
  {
    params: z.object({
      url: z.string().url(),
      count: z.number().int().positive().default(100),
      drop: z.boolean().default(true).describe("drop null rows"),
      tags: z.array(z.string()).default(["a", "b"]),
      mode: z.enum(["fast", "slow"]).default("fast"),
      limit: z.number().optional(),
      cfg: z.object({ depth: z.number() }).default({ depth: 2 }),
    }),
    description: "all kinds of params",
  },
  ({ url, count, drop }) => {
    const d = load({ url });
    const c = clean({ rows: d.rows, dropNulls: drop });
    const f = fit({ rows: c.rows, epochs: count });
    return { model: f.model };
  });`);
    const wf = analysis.analyzeFile(file).workflows[0]!;
    assert.equal(wf.description, "all kinds of params");
    assert.deepEqual(wf.params, [
      { name: "url", type: "string", required: true },
      { name: "count", type: "number", required: false, default: 100 },
      { name: "drop", type: "boolean", required: false, default: true, description: "drop null rows" },
      { name: "tags", type: "json", required: false, default: ["a", "b"] },
      { name: "mode", type: "string", required: false, default: "fast" },
      { name: "limit", type: "number", required: false },
      { name: "cfg", type: "json", required: false, default: { depth: 2 } },
    ]);
    assert.deepEqual(analysis.diagnostics(file).map(codeAt), []);
  });

  test("ranges count UTF-16 code units and survive CRLF line endings", () => {
    const src = `${HEAD}export const wf = workflow(() => {
  const data = load({ url: "😀 ünïcödé 😀" }); const c = clean({ rows: data.rows, dropNulls: true, [|FS001:dropNull|]: false });
  return { rows: c.rows };
});`;
    for (const [name, text] of [["utf16", src], ["crlf", src.replace(/\n/g, "\r\n")]] as const) {
      const m = parseMarkers(text);
      const file = ws.path(`graph/${name}.ts`);
      analysis.setText(file, m.text);
      const ds = analysis.diagnostics(file);
      assert.deepEqual(ds.map(codeAt), expectedCodes(m), `${name}:\n${show(ds)}`);
    }
  });

  test("editing an imported task module re-analyses the flows that use it", () => {
    const tasks = ws.path("deps/tasks.ts");
    const flow = ws.path("deps/flow.ts");
    const tasksText = `import { task } from "flowsmith";\nexport const inc = task(async ({ n }: { n: number }) => ({ n: n + 1 }));\n`;
    const m = parseMarkers(`import { workflow } from "flowsmith";
import { inc } from "./tasks";
export const wf = workflow(() => {
  const a = inc([|FS002:{ [|FS001:n|]: 1 }|]);
  return { n: a.n };
});
`);
    analysis.setText(tasks, tasksText);
    analysis.setText(flow, m.text);
    assert.deepEqual(analysis.diagnostics(flow).map(codeAt), []);
    const before = analysis.analyzeFile(flow).workflows[0]!.nodes[0]!.fingerprint;
    assert.deepEqual(analysis.dependents(tasks), [flow], "the flow depends on the task module");
    analysis.setText(tasks, tasksText.replace("{ n }: { n: number }", "{ m }: { m: number }").replace("n + 1", "m + 1"));
    const ds = analysis.diagnostics(flow);
    assert.deepEqual(ds.map(codeAt).sort(), expectedCodes(m), show(ds));
    assert.notEqual(analysis.analyzeFile(flow).workflows[0]!.nodes[0]!.fingerprint, before, "the node's fingerprint follows the task's code");
  });

  test("half-typed and broken code does not throw", () => {
    const file = ws.path("graph/half.ts");
    for (const tail of [
      `export const wf = workflow(() => {\n  const x = clean({ rows: data.`,
      `export const wf = workflow(() => {\n  const d = load({ url: "a" });\n  const x = clean({ rows: d.`,
      `export const wf = workflow(`,
      `export const wf = workflow({ params: z.object({ a: z. }) }, ({ a }) => { return load({ url: a`,
      `export const t = task(`,
      `}}}{{{ ) export const`,
    ]) {
      analysis.setText(file, HEAD + tail);
      assert.doesNotThrow(() => analysis.diagnostics(file), tail);
    }
    analysis.setText(file, HEAD);
    assert.deepEqual(analysis.analyzeFile(file).tasks.map((t) => t.name), ["load", "clean", "fit"]);
  });
});

// ---- statuses and FS012, against a real run ---------------------------------------------------------

const STATUS_FLOW = `import { task, workflow } from "flowsmith";
import { z } from "zod";

function makeRows(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i * 2);
}

export const getData = task({ name: "get-data" }, async ({ count }: { count: number }) => ({ rows: makeRows(count) }));

export const scale = task(async ({ rows, factor }: { rows: number[]; factor: number }) => ({ rows: rows.map((r) => r * factor) }));

export const total = task({ version: "1" }, async ({ rows }: { rows: number[] }) => ({ sum: rows.reduce((s, r) => s + r, 0) }));

export const flow = workflow(
  { params: z.object({ count: z.number().int().default(5) }) },
  ({ count }) => {
    const data = getData({ count });
    const scaled = scale({ rows: data.rows, factor: 3 });
    const t = total({ rows: scaled.rows });
    return { sum: t.sum };
  });
`;

describe("statuses from the store agree with flowsmith preview; FS012 marks stale nodes", () => {
  const rel = "status/flow.ts";
  const target = `${rel}#flow`;
  const file = ws.path(rel);

  /** Write the text to disk (for the CLI) and into the analysis (as an editor does). */
  function edit(text: string): void {
    ws.write(rel, text);
    analysis.setText(file, text);
  }

  async function assertSameAsPreview(what: string): Promise<Record<string, string>> {
    const mine = Object.fromEntries([...analysis.statuses(workflowOf(target))].map(([id, s]) => [id, s.status]));
    const theirs = Object.fromEntries([...(await preview(ws, target))].map(([id, n]) => [id, n.status]));
    assert.deepEqual(mine, theirs, `${what}: analysis statuses (actual) vs flowsmith preview (expected)`);
    return mine;
  }

  before(async () => {
    edit(STATUS_FLOW);
    await runOk(ws, [target]);
  });

  test("after a run every node is complete, and nothing is stale", async () => {
    edit(STATUS_FLOW);
    assert.deepEqual(await assertSameAsPreview("after run"), { "get-data": "complete", scale: "complete", total: "complete" });
    assert.deepEqual(analysis.diagnostics(file).map(codeAt), []);
  });

  test("FS012: editing a task's code makes it and its downstream stale (information, at the node calls)", async () => {
    const m = parseMarkers(
      STATUS_FLOW.replace("({ rows: rows.map((r) => r * factor) })", "({ rows: rows.map((r) => r * factor + 0) })")
        .replace("const scaled = scale({ rows: data.rows, factor: 3 });", "const scaled = [|FS012:scale({ rows: data.rows, factor: 3 })|];")
        .replace("const t = total({ rows: scaled.rows });", "const t = [|FS012:total({ rows: scaled.rows })|];"),
    );
    edit(m.text);
    try {
      const ds = analysis.diagnostics(file);
      assert.deepEqual(ds.map(codeAt).sort(), expectedCodes(m), show(ds));
      assert.ok(ds.every((d) => d.severity === "information"));
      assert.match(ds.find((d) => d.message.includes("node scale"))!.message, /task scale's code changed/);
      assert.match(ds.find((d) => d.message.includes("node total"))!.message, /upstream/);
      assert.deepEqual(await assertSameAsPreview("after a task edit"), { "get-data": "complete", scale: "stale", total: "stale" });
    } finally {
      edit(STATUS_FLOW);
    }
    // Undoing the edit makes them complete again: no FS012.
    assert.deepEqual(analysis.diagnostics(file).map(codeAt), []);
  });

  test("FS012: editing a helper the task calls makes it stale too", async () => {
    edit(STATUS_FLOW.replace("i * 2", "i * 2 + 0"));
    try {
      const codes = analysis.diagnostics(file).map((d) => d.code);
      assert.deepEqual(codes, ["FS012", "FS012", "FS012"]);
      assert.deepEqual(await assertSameAsPreview("after a helper edit"), { "get-data": "stale", scale: "stale", total: "stale" });
    } finally {
      edit(STATUS_FLOW);
    }
  });

  test("a version bump agrees with preview", async () => {
    edit(STATUS_FLOW.replace('version: "1"', 'version: "2"'));
    try {
      await assertSameAsPreview("after a version bump");
    } finally {
      edit(STATUS_FLOW);
    }
  });

  test("editing a literal input in the workflow body agrees with preview (a new cache key: pending)", async () => {
    edit(STATUS_FLOW.replace("factor: 3", "factor: 4"));
    try {
      await assertSameAsPreview("after changing factor: 3 to factor: 4");
    } finally {
      edit(STATUS_FLOW);
    }
  });

  test("after reset --downstream the statuses agree with preview", async () => {
    edit(STATUS_FLOW);
    assertExit(await ws.cli(["reset", `${target}:scale`, "--downstream", "--yes"]), 0, "reset");
    assert.deepEqual(await assertSameAsPreview("after reset"), { "get-data": "complete", scale: "pending", total: "pending" });
    assert.deepEqual(analysis.diagnostics(file).map(codeAt), [], "nothing is stale after a reset");
    await runOk(ws, [target]);
    assert.deepEqual(await assertSameAsPreview("after a second run"), { "get-data": "complete", scale: "complete", total: "complete" });
  });
});
