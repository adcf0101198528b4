/**
 * Quick fixes over real JSON-RPC with the bundled server (dist/server.js): each Flowsmith
 * diagnostic with a fix gets it (FS001/FS005 did-you-mean, FS002 missing inputs wired when one
 * reference fits, FS010 return or remove, FS004 extract into a task), and applying the fix's edit
 * leaves no diagnostic of that code. On the example's tsconfig (Bundler) and a NodeNext ESM
 * package; stale squiggles, bad ranges and requests before the first scan get an answer, never a crash.
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

const PIPELINE = fs.readFileSync(path.join(REPO, "examples/pipeline/flow.ts"), "utf8");
type Action = NonNullable<Awaited<ReturnType<LspClient["codeActions"]>>>[number];
type Edit = { range: Diagnostic["range"]; newText: string };

/** The pipeline example with its workflow body's statements replaced by `body`. */
function pipelineWith(body: string): string {
  const from = PIPELINE.indexOf("    const data = getData(");
  const to = PIPELINE.indexOf("  });", from);
  assert.ok(from > 0 && to > from, "the example's body moved");
  return `${PIPELINE.slice(0, from)}${body}\n${PIPELINE.slice(to)}`;
}

/** Apply LSP text edits (non-overlapping) to a text. */
function applyEdits(text: string, edits: Edit[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  const offset = (p: { line: number; character: number }) => starts[p.line]! + p.character;
  let out = text;
  for (const e of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) {
    out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  }
  return out;
}

/**
 * Change the document to `text` and return its first `code` diagnostic, once published (a publish
 * for an earlier text may arrive first: the server's typed pass follows its syntax pass).
 */
async function diagnosticOf(client: LspClient, file: string, text: string, code: string): Promise<{ diagnostic: Diagnostic; all: Diagnostic[] }> {
  // Published after this change: the map may still hold an earlier text's diagnostics of the same code.
  // (By the version the server says the publish was computed from: an earlier text's may still arrive after the change.)
  const before = client.published.length;
  const version = client.change(file, text);
  const uri = client.uri(file);
  const all = await client.waitFor(() => `${code} in ${JSON.stringify(client.diagnostics.get(uri)?.map((d) => `${d.code} ${d.message}`))}`, () => {
    const since = client.published.slice(before).filter((p) => p.uri === uri && p.version === version);
    return since.length && since.at(-1)!.diagnostics.some((d) => d.code === code) ? since.at(-1)!.diagnostics : undefined;
  });
  return { diagnostic: all.find((d) => d.code === code)!, all };
}

/** The fix titled like `title` for the first `code` diagnostic; applied, the text has no `code` left. Returns the new text. */
async function fixAndCheck(client: LspClient, file: string, text: string, code: string, title: RegExp): Promise<string> {
  const { diagnostic } = await diagnosticOf(client, file, text, code);
  const actions = (await client.codeActions(file, diagnostic.range, [diagnostic])) ?? [];
  const action = actions.find((a) => title.test(a.title));
  assert.ok(action, `a fix ${title} among ${JSON.stringify(actions.map((a) => a.title))}`);
  assert.equal(action.kind, "quickfix");
  assert.deepEqual(action.diagnostics?.map((d) => d.code), [code]);
  const edits = action.edit?.changes?.[client.uri(file)];
  assert.ok(edits?.length, "the fix edits the file");
  const fixed = applyEdits(text, edits);
  client.change(file, fixed);
  const uri = client.uri(file);
  const after = await client.waitFor(`no ${code} after "${action.title}":\n${fixed}`, () => {
    const now = client.diagnostics.get(uri);
    return now && !now.some((d) => d.code === code) ? now : undefined;
  });
  assert.deepEqual(after.filter((d) => d.severity === 1).map((d) => `${d.code} ${d.message}`), [], `no error after "${action.title}"`);
  return fixed;
}

describe("quick fixes on the pipeline example (Bundler, the examples' tsconfig)", () => {
  let ws: Workspace;
  let client: LspClient;
  let file: string;

  before(async () => {
    ws = makeWorkspace();
    ws.write("examples/tsconfig.json", fs.readFileSync(path.join(REPO, "examples/tsconfig.json"), "utf8"));
    ws.write("examples/pipeline/flow.ts", PIPELINE);
    file = ws.path("examples/pipeline/flow.ts");
    client = await LspClient.start(ws.dir);
    client.open(file, PIPELINE);
    await client.waitFor("the first scan", () => client.logs.some((l) => /analysed \d+ flow files/.test(l)), 60_000);
  });

  after(async () => {
    await client?.stop();
    ws?.cleanup();
  });

  const body = (train: string, extra = "", returns = "return { model: model.model, mse: model.mse };") =>
    pipelineWith(`    const data = getData({ count });\n    const clean = preprocess({ rows: data.rows, doPreprocess });\n${extra}    const model = ${train};\n    ${returns}`);

  test("FS001: did-you-mean replaces the unknown input's name", async () => {
    const fixed = await fixAndCheck(client, file, body("train({ rowz: clean.rows, epochs })"), "FS001", /^Change "rowz" to "rows"$/);
    assert.match(fixed, /train\(\{ rows: clean\.rows, epochs \}\)/);
  });

  test("FS005: did-you-mean replaces the unknown output's name", async () => {
    const fixed = await fixAndCheck(client, file, body("train({ rows: clean.rwos, epochs })"), "FS005", /^Change "rwos" to "rows"$/);
    assert.match(fixed, /rows: clean\.rows/);
  });

  test("FS002: the missing input is added; two references fit, so a placeholder of its type goes in", async () => {
    const fixed = await fixAndCheck(client, file, body("train({ epochs })"), "FS002", /^Add missing input "rows"$/);
    assert.match(fixed, /train\(\{ epochs, rows: \[\] \}\)/);
  });

  test("FS002 on a call with no input object: the object is written, an input named like the one param that fits is wired", async () => {
    const fixed = await fixAndCheck(client, file, body("train()"), "FS002", /^Add missing inputs "rows", "epochs" \(wired to epochs\)$/);
    assert.match(fixed, /train\(\{ rows: \[\], epochs \}\)/);
  });

  test("FS010: return the unused node from the workflow", async () => {
    const fixed = await fixAndCheck(client, file, body("train({ rows: clean.rows, epochs })", "    const extra = getData({ count }, { as: \"extra\" });\n"), "FS010", /^Return node extra from the workflow$/);
    assert.match(fixed, /return \{ model: model\.model, mse: model\.mse, extra \};/);
  });

  test("FS010: an unbound call is bound to a fresh name and returned; a body without return gets one", async () => {
    const fixed = await fixAndCheck(client, file, body("train({ rows: clean.rows, epochs })", "", ""), "FS010", /^Return node train from the workflow$/);
    assert.match(fixed, /return \{ model \};/);
    const unbound = await fixAndCheck(client, file, body("train({ rows: clean.rows, epochs })", "    getData({ count }, { as: \"again\" });\n"), "FS010", /^Return node again from the workflow$/);
    assert.match(unbound, /const again = getData\(\{ count \}, \{ as: "again" \}\);/);
    assert.match(unbound, /mse: model\.mse, again \}/);
  });

  test("FS010: remove the unused node, its line and all", async () => {
    const text = body("train({ rows: clean.rows, epochs })", "    const extra = getData({ count }, { as: \"extra\" });\n");
    const fixed = await fixAndCheck(client, file, text, "FS010", /^Remove node extra$/);
    assert.equal(fixed, body("train({ rows: clean.rows, epochs })"));
  });

  test("FS004: extract the computation into a task that takes the references as inputs, wired in", async () => {
    const text = body("train({ rows: clean.rows, epochs: twice })", "    const twice = data.rows.length * 2;\n");
    const fixed = await fixAndCheck(client, file, text, "FS004", /^Extract into a task \(computeTwice\)$/);
    assert.match(fixed, /export const computeTwice = task\(\(\{ rows \}: \{ rows: Row\[\] \}\) => \(\{ twice: rows\.length \* 2 \}\)\);\n\n(\/\*\*|export const pipeline)/);
    assert.match(fixed, /const twice = computeTwice\(\{ rows: data\.rows \}\)\.twice;/);
    // The same extraction is a refactoring on a selection, with no diagnostic in the request.
    client.change(file, text);
    const line = text.split("\n").findIndex((l) => l.includes("const twice"));
    const selection = { start: { line, character: 18 }, end: { line, character: 39 } };
    const refactors = (await client.codeActions(file, selection, [], ["refactor"])) ?? [];
    assert.deepEqual(refactors.map((a) => [a.title, a.kind]), [["Extract into a task (computeTwice)", "refactor.extract"]]);
    // Only quick fixes asked for: none on a selection without diagnostics.
    assert.deepEqual(await client.codeActions(file, selection, [], ["quickfix"]), []);
  });

  test("FS004 inside a callback: the callback goes with the computation, its parameter stays its own", async () => {
    const text = body("train({ rows: clean.rows, epochs })", "", "return { model: model.model, big: data.rows.filter((r) => r.x > count) };");
    const fixed = await fixAndCheck(client, file, text, "FS004", /^Extract into a task \(computeBig\)$/);
    assert.match(fixed, /export const computeBig = task\(\(\{ rows, count \}: \{ rows: Row\[\]; count: number \}\) => \(\{ big: rows\.filter\(\(r\) => r\.x > count\) \}\)\);/);
    assert.match(fixed, /big: computeBig\(\{ rows: data\.rows, count \}\)\.big/);
  });

  test("FS004 on an if's condition offers no extraction (the condition chooses what is wired)", async () => {
    const { diagnostic } = await diagnosticOf(client, file, body("train({ rows: clean.rows, epochs })", "    if (doPreprocess) getData({ count }, { as: \"x\" });\n"), "FS004");
    const actions = (await client.codeActions(file, diagnostic.range, [diagnostic])) ?? [];
    assert.deepEqual(actions.filter((a) => /Extract/.test(a.title)), []);
  });

  test("stale squiggles, bad ranges, other sources and unknown documents: an answer, never a crash", async () => {
    const text = body("train({ rowz: clean.rows, epochs })");
    const { diagnostic } = await diagnosticOf(client, file, text, "FS001");
    // The text moved on: the squiggle's range names nothing any more.
    client.change(file, `\n\n${text}`);
    assert.deepEqual(await client.codeActions(file, diagnostic.range, [diagnostic]), []);
    const bogus = [
      { ...diagnostic, range: { start: { line: 99_999, character: 0 }, end: { line: 99_999, character: 5 } } },
      { ...diagnostic, range: { start: { line: -1, character: -1 }, end: { line: 0, character: 0 } } },
      { ...diagnostic, code: "FS999" },
      { ...diagnostic, code: 1 as unknown as string },
      { ...diagnostic, source: "ts", code: "2353" },
      { message: "no range" } as unknown as Diagnostic,
    ];
    for (const d of bogus) {
      const answer = await client.codeActions(file, d.range ?? diagnostic.range, [d]);
      assert.ok(Array.isArray(answer), `an answer for ${JSON.stringify(d)}`);
    }
    // Mid-edit text: every line asked for its refactorings.
    const broken = body("train({ rows: clean.rows, epochs: data.rows.length * (");
    client.change(file, broken);
    for (let line = 0; line < broken.split("\n").length; line++) {
      const answer = await client.codeActions(file, { start: { line, character: 0 }, end: { line, character: 200 } }, []);
      assert.ok(Array.isArray(answer), `an answer on line ${line}`);
    }
    assert.deepEqual(await client.codeActions(ws.path("nope.ts"), diagnostic.range, [diagnostic]), []);
    assert.equal(client.child.exitCode, null, "the server is still running");
  });
});

describe("quick fixes in a NodeNext ESM package (tasks imported from ./tasks.js), asked before the first scan ends", () => {
  let ws: Workspace;
  let client: LspClient;

  before(() => {
    ws = makeWorkspace();
    ws.write("package.json", `${JSON.stringify({ name: "esm", private: true, type: "module" })}\n`);
    ws.write("tsconfig.json", JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, noEmit: true, types: [] } }));
    ws.write("src/tasks.ts", `import { task } from "flowsmith";
export const load = task(async ({ n }: { n: number }) => ({ rows: [n, n + 1], label: "x" }));
export const total = task(async ({ rows, scale }: { rows: number[]; scale?: number }) => ({ sum: rows.length * (scale ?? 1) }));
`);
    for (let i = 0; i < 60; i++) ws.write(`other/o${i}.ts`, `import { task, workflow } from "flowsmith";\nexport const o${i} = task(async ({ n }: { n: number }) => ({ m: n * ${i} }));\nexport const w${i} = workflow(() => ({ m: o${i}({ n: ${i} }).m }));\n`);
  });

  after(async () => {
    await client?.stop();
    ws?.cleanup();
  });

  const flow = (body: string) => `import { workflow } from "flowsmith";
import { z } from "zod";
import { load, total } from "./tasks.js";

export const sums = workflow({ params: z.object({ n: z.number() }) }, ({ n }) => {
  const l = load({ n });
${body}
});
`;

  test("FS002 wired to the one reference that fits; FS004 extraction imports task", async () => {
    const file = ws.path("src/flow.ts");
    const text = flow("  const t = total({});\n  return { sum: t.sum };");
    ws.write("src/flow.ts", text);
    client = await LspClient.start(ws.dir);
    client.open(file, text);
    const wired = await fixAndCheck(client, file, text, "FS002", /^Add missing input "rows" \(wired to l\.rows\)$/);
    assert.match(wired, /total\(\{ rows: l\.rows \}\)/);

    // A sub-flow call without its required param: the param named like it is wired.
    const caller = `\nexport const twice = workflow({ params: z.object({ n: z.number(), k: z.number() }) }, ({ n, k }) => {\n  const s = sums({});\n  return { sum: s.sum };\n});\n`;
    const sub = await fixAndCheck(client, file, flow("  const t = total({ rows: l.rows });\n  return { sum: t.sum };") + caller, "FS002", /^Add missing param "n" \(wired to n\)$/);
    assert.match(sub, /sums\(\{ n \}\)/);

    const computed = flow("  const t = total({ rows: l.rows });\n  return {\n    sum: t.sum,\n    label: `n=${n}`,\n  };");
    const extracted = await fixAndCheck(client, file, computed, "FS004", /^Extract into a task \(computeLabel\)$/);
    assert.match(extracted, /^import \{ workflow, task \} from "flowsmith";/);
    assert.match(extracted, /label: computeLabel\(\{ n \}\)\.label,/);
    assert.match(extracted, /export const computeLabel = task\(\(\{ n \}: \{ n: number \}\) => \(\{ label: `n=\$\{n\}` \}\)\);/);
    await client.waitFor("the first scan", () => client.logs.some((l) => /analysed \d+ flow files/.test(l)), 60_000);
    // A multi-line input object gets the new input on a line of its own.
    const multi = await fixAndCheck(client, file, flow("  const t = total({\n    scale: 2,\n  });\n  return { sum: t.sum };"), "FS002", /^Add missing input "rows"/);
    assert.match(multi, /total\(\{\n    scale: 2,\n    rows: l\.rows,\n  \}\)/);
  });
});
