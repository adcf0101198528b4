/**
 * Precision on flows nobody here wrote (issue 18, item 5): mistakes the analysis used to miss, each
 * with its failing case (marked ranges) and a close valid variant that gets no diagnostic.
 *
 *  a. an output that may be undefined wired into a required input (FS003), as the program's
 *     strictNullChecks says — with it off, TypeScript does not care either, and neither do we;
 *  b. a non-JSON type nested in an array, object, record… of a param schema (FS006);
 *  c. a cycle of sub-flows across two files (FS008, in both files);
 *  d. no FS010 for a node whose outputs are used only in an expression that is itself an error;
 *  e. DESIGN's "Params are references": computing with, comparing, formatting or branching on a
 *     param is FS004; passing it to inputs, sub-flows or returning it is fine.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { FlowAnalysis, type FlowDiagnostic } from "../../server/src/analysis/index.ts";
import { codeAt, expectedCodes, parseMarkers } from "./helpers/markers.ts";
import { makeWorkspace } from "./helpers/workspace.ts";

const ws = makeWorkspace();
after(() => ws.cleanup());
const analysis = new FlowAnalysis(ws.dir);

const show = (ds: FlowDiagnostic[]) => ds.map((d) => `  ${codeAt(d)} ${d.severity}: ${d.message}`).join("\n") || "  (none)";

const HEAD = `import { task, workflow } from "flowsmith";
import { z } from "zod";
interface Row { v: number | null }
export const load = task(async ({ url }: { url: string }) => ({ rows: [] as Row[], count: 3 }));
export const clean = task(async ({ rows, dropNulls }: { rows: Row[]; dropNulls: boolean }) => ({ rows }));
export const fit = task(async ({ rows, epochs }: { rows: Row[]; epochs: number }) => ({ model: rows.length * epochs, score: 0.5 }));
export const need = task(async ({ n }: { n: number }) => ({ d: n * 2 }));
export const maybe = task(async ({ url }: { url: string }) => ({ n: url.length > 3 ? 1 : undefined }));
export const partial = task(async ({ url }: { url: string }): Promise<{ n?: number }> => ({ n: url.length }));
`;

let counter = 0;
/** Analyse a marked source as a new file in `an`'s workspace; returns its diagnostics and markers. */
function check(source: string, an = analysis, dir = ws): { ds: FlowDiagnostic[]; m: ReturnType<typeof parseMarkers>; file: string } {
  const m = parseMarkers(source);
  const file = dir.path(`cases/c${++counter}.ts`);
  dir.write(`cases/c${counter}.ts`, m.text);
  an.setText(file, m.text);
  return { ds: an.diagnostics(file), m, file };
}

function assertMarked(source: string, messages: RegExp[] = [], an = analysis, dir = ws): FlowDiagnostic[] {
  const { ds, m } = check(source, an, dir);
  assert.deepEqual(ds.map(codeAt).sort(), expectedCodes(m), show(ds));
  for (const re of messages) assert.ok(ds.some((d) => re.test(d.message)), `no message matches ${re}:\n${show(ds)}`);
  return ds;
}

describe("a. an output that may be undefined into a required input is FS003", () => {
  test("an output of type number | undefined, and an optional output field", () => {
    const ds = assertMarked(`${HEAD}export const wf = workflow(() => {
  const m = maybe({ url: "x" });
  const p = partial({ url: "y" });
  const a = need({ n: [|FS003:m.n|] });
  const b = need({ n: [|FS003:p.n|] }, { as: "b" });
  return { a: a.d, b: b.d };
});`);
    assert.match(ds[0]!.message, /^maybe\.n is number \| undefined, but input "n" of node need \(task need\) expects number$/);
    assert.match(ds[1]!.message, /^partial\.n is number \| undefined, but input "n" of node b \(task need\) expects number$/);
  });

  test("valid: into an optional input, or one that takes undefined", () => {
    assertMarked(`${HEAD}export const lenient = task(async ({ n, m }: { n?: number; m: number | undefined }) => ({ d: (n ?? 0) + (m ?? 0) }));
export const wf = workflow(() => {
  const x = maybe({ url: "x" });
  const p = partial({ url: "y" });
  const a = lenient({ n: x.n, m: p.n });
  return { a: a.d };
});`);
  });

  test("with strictNullChecks off (the user's tsconfig), TypeScript does not care and neither does FS003", (t) => {
    const loose = makeWorkspace(t);
    loose.write("tsconfig.json", JSON.stringify({ compilerOptions: { strict: false, target: "ES2022", module: "ESNext", moduleResolution: "Bundler", skipLibCheck: true } }));
    const an = new FlowAnalysis(loose.dir);
    assertMarked(`${HEAD}export const wf = workflow(() => {
  const m = maybe({ url: "x" });
  const p = partial({ url: "y" });
  const a = need({ n: m.n });
  const b = need({ n: p.n }, { as: "b" });
  return { a: a.d, b: b.d };
});`, [], an, loose);
  });
});

describe("b. a non-JSON type nested in a param schema is FS006", () => {
  test("in an array, an object, a record, a tuple, a union, under optional(), through a local schema", () => {
    assertMarked(`${HEAD}const Stamp = z.object({ at: z.date() });
export const wf = workflow({
  params: z.object({
    when: z.object({ list: z.array([|FS006:z.date()|]) }),
    r: z.record(z.string(), [|FS006:z.bigint()|]),
    a: z.object({ inner: z.object({ f: [|FS006:z.function()|] }) }),
    t: z.tuple([z.string(), [|FS006:z.map(z.string(), z.number())|]]).optional(),
    u: z.union([z.string(), [|FS006:z.symbol()|]]),
    arr: [|FS006:z.date()|].array(),
    s: [|FS006:Stamp|],
    c: [|FS006:z.custom<Date>()|],
    ok: z.object({ rows: z.array(z.object({ v: z.number().nullable() })), tags: z.record(z.string(), z.string()) }),
  }),
}, () => {
  const d = load({ url: "a" });
  return { rows: d.rows };
});`, [/param "when" holds a Date at when\.list\[\], which is not JSON/, /param "r" holds a bigint at r\[key\]/, /param "a" holds a function at a\.inner\.f/, /param "t" holds a Map at t\[1\]/, /param "u" holds a symbol/, /param "s" holds a Date/, /param "c" is a Date/]);
  });

  test("through a schema imported from another module (by its type)", () => {
    ws.write("cases/schemas.ts", `import { z } from "zod";\nexport const Dated = z.object({ since: z.date(), n: z.number() });\nexport const Plain = z.object({ since: z.string() });\n`);
    assertMarked(`${HEAD}import { Dated, Plain } from "./schemas";
export const wf = workflow({ params: z.object({ d: [|FS006:Dated|], p: Plain, list: z.array([|FS006:Dated|]) }) }, () => {
  const x = load({ url: "a" });
  return { rows: x.rows };
});`, [/param "d" holds a Date/]);
  });

  test("valid: JSON all the way down", () => {
    assertMarked(`${HEAD}export const wf = workflow({
  params: z.object({
    cfg: z.object({ lr: z.number().default(0.1), layers: z.array(z.number().int()), name: z.string().optional() }),
    tags: z.record(z.string(), z.array(z.string())).default({}),
    pair: z.tuple([z.string(), z.number()]),
    mode: z.union([z.literal("a"), z.literal("b")]),
  }),
}, () => {
  const d = load({ url: "a" });
  return { rows: d.rows };
});`);
  });
});

describe("c. a cycle of sub-flows across two files is FS008, in both files", () => {
  test("a.ts#a calls b.ts#b, which calls a.ts#a", () => {
    const a = parseMarkers(`import { workflow } from "flowsmith";
import { b } from "./b";
export const a = workflow((): any => {
  const r = [|FS008:b()|];
  return { r };
});
`);
    const b = parseMarkers(`import { workflow } from "flowsmith";
import { a } from "./a";
export const b = workflow((): any => {
  const r = [|FS008:a()|];
  return { r };
});
`);
    ws.write("cycle/a.ts", a.text);
    ws.write("cycle/b.ts", b.text);
    analysis.setText(ws.path("cycle/a.ts"), a.text);
    analysis.setText(ws.path("cycle/b.ts"), b.text);
    const da = analysis.diagnostics(ws.path("cycle/a.ts"));
    const db = analysis.diagnostics(ws.path("cycle/b.ts"));
    assert.deepEqual(da.map(codeAt), expectedCodes(a), show(da));
    assert.deepEqual(db.map(codeAt), expectedCodes(b), show(db));
    assert.match(da[0]!.message, /workflow a calls itself through a → b → a/);
    assert.match(db[0]!.message, /workflow b calls itself through b → a → b/);
  });

  test("valid: a.ts calls b.ts, which calls nothing back", () => {
    ws.write("chain/b.ts", `import { workflow } from "flowsmith";\nimport { load } from "../cases/lib";\nexport const b = workflow(() => ({ rows: load({ url: "b" }).rows }));\n`);
    ws.write("cases/lib.ts", HEAD);
    const text = `import { workflow } from "flowsmith";\nimport { b } from "./b";\nexport const a = workflow(() => {\n  const r = b();\n  return { rows: r.rows };\n});\n`;
    ws.write("chain/a.ts", text);
    analysis.setText(ws.path("chain/a.ts"), text);
    assert.deepEqual(analysis.diagnostics(ws.path("chain/a.ts")).map(codeAt), []);
  });
});

describe("d. no FS010 for a node whose outputs are used only in an expression that is an error", () => {
  test("branched on, computed with, iterated, put into a string, passed to a function that is not a task", () => {
    assertMarked(`${HEAD}export const wf = workflow(() => {
  const a = load({ url: "a" });
  if ([|FS004:a.count|]) {}
  const b = load({ url: "b" }, { as: "b" });
  const total = [|FS004:b.count|] + 1;
  const c = load({ url: "c" }, { as: "c" });
  const text = \`\${[|FS004:c.rows|]}\`;
  const d = load({ url: "d" }, { as: "d" });
  const e = load({ url: "e" }, { as: "e" });
  const n = Number([|FS004:e.count|]);
  for (const r of [|FS004:d.rows|]) void r;
  const f = clean({ rows: [], dropNulls: true });
  return { rows: f.rows, total, text, n };
});`);
  });

  test("a node nothing uses still gets FS010", () => {
    assertMarked(`${HEAD}export const wf = workflow(() => {
  const a = load({ url: "a" });
  [|FS010:load({ url: "b" }, { as: "b" })|];
  return { rows: a.rows };
});`);
  });
});

describe("e. params are references: FS004 when computed with, compared, formatted or branched on", () => {
  test("each misuse of a param in a body, named in flow words", () => {
    assertMarked(`${HEAD}export const inner = workflow({ params: z.object({ url: z.string() }) }, ({ url }) => ({ rows: load({ url }).rows }));
export const wf = workflow({ params: z.object({ url: z.string(), n: z.number().default(2), flag: z.boolean().default(false) }) }, ({ url, n, flag }) => {
  const a = load({ url: \`\${[|FS004:url|]}/x\` });
  if ([|FS004:n|] > 3) {}
  const c = clean({ rows: a.rows, dropNulls: [|FS004:n|] + 1 > 2 });
  const d = load({ url: [|FS004:url|] + "/y" }, { as: "d" });
  if ([|FS004:flag|]) {}
  const e = load({ url: [|FS004:flag|] ? "a" : "b" }, { as: "e" });
  const f = fit({ rows: c.rows, epochs: [|FS004:n|] ?? 3 });
  const s = inner({ url: [|FS004:url.trim|]() });
  const g = [|FS004:await n|];
  return { rows: d.rows, e: e.rows, f: f.model, s: s.rows, g };
});`, [/the param url is put into a string in workflow wf's body/, /the param n is compared/, /the param n is computed with/, /the param flag is branched on/, /params are references while the graph is built/]);
  });

  test("through the params object (p.url), and in the returned value", () => {
    assertMarked(`${HEAD}export const wf = workflow({ params: z.object({ url: z.string() }) }, (p) => {
  const a = load({ url: [|FS004:p.url|] + "/x" });
  return { rows: a.rows, label: \`at \${[|FS004:p.url|]}\` };
});
export const cfgWf = workflow({ params: z.object({ url: z.string(), cfg: z.object({ n: z.number() }) }) }, ({ url, cfg }) => {
  const a = load({ url: [|FS004:url.length|] > 3 ? "a" : "b" });
  const b = need({ n: [|FS004:cfg.n|] * 2 });
  return { rows: a.rows, d: b.d };
});`);
  });

  test("valid: params passed straight into task inputs, sub-flow calls, or returned; fields of an object param", () => {
    assertMarked(`${HEAD}export const cfgTask = task(async ({ cfg }: { cfg: { n: number; url: string } }) => ({ n: cfg.n }));
export const inner = workflow({ params: z.object({ url: z.string(), n: z.number() }) }, ({ url, n }) => ({ rows: load({ url }).rows, n }));
export const wf = workflow({ params: z.object({ url: z.string(), n: z.number().default(2), cfg: z.object({ n: z.number(), url: z.string() }) }) }, ({ url, n, cfg }) => {
  const a = load({ url });
  const f = fit({ rows: a.rows, epochs: n });
  const s = inner({ url, n });
  const c = cfgTask({ cfg });
  const g = need({ n: cfg.n });
  return { model: f.model, rows: s.rows, inner: s.n, c: c.n, g: g.d, n, url };
});
export const whole = workflow({ params: z.object({ url: z.string() }) }, (p) => {
  const a = load({ url: p.url });
  return { rows: a.rows, url: p.url };
});`);
  });
});
