/**
 * Completion over real JSON-RPC with the bundled server (dist/server.js): in a task call's input
 * object the task's inputs with their types and the references that fit each one first; after
 * `ref.` the node's outputs. On the example's tsconfig (Bundler) and a NodeNext ESM package; at bad
 * positions and in half-typed text it answers (null or items), never crashes; asked before the
 * first scan has ended it answers too. Source is written inline with a `‸` cursor marker.
 *
 * Needs `npm run build` (dist/server.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { makeWorkspace, REPO, type Workspace } from "../unit/helpers/workspace.ts";
import { LspClient, SERVER } from "./client.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

const CURSOR = "‸";
const PIPELINE = fs.readFileSync(path.join(REPO, "examples/pipeline/flow.ts"), "utf8");
const TRIGGER_CHARACTER = 2;

/** The text without its cursor marker, and the cursor's position. */
function cursor(marked: string): { text: string; position: { line: number; character: number } } {
  const at = marked.indexOf(CURSOR);
  assert.ok(at >= 0, "the source needs a ‸ cursor");
  const before = marked.slice(0, at).split("\n");
  return { text: marked.replace(CURSOR, ""), position: { line: before.length - 1, character: before[before.length - 1]!.length } };
}

/** The pipeline example with its last statements replaced by `body` (the train call being written). */
function pipelineWith(body: string): string {
  const from = PIPELINE.indexOf("    const model = train(");
  const to = PIPELINE.indexOf("  });", from);
  assert.ok(from > 0 && to > from, "the example's train call moved");
  return `${PIPELINE.slice(0, from)}${body}\n${PIPELINE.slice(to)}`;
}

type Items = NonNullable<Awaited<ReturnType<LspClient["completion"]>>>["items"];

/** Items in the order an editor shows them (by sortText, then label). */
function sorted(items: Items): Items {
  return [...items].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label) || a.label.localeCompare(b.label));
}

async function complete(client: LspClient, file: string, marked: string, trigger?: string): Promise<Items> {
  const { text, position } = cursor(marked);
  client.change(file, text);
  const list = await client.completion(file, position, trigger ? { triggerKind: TRIGGER_CHARACTER, triggerCharacter: trigger } : { triggerKind: 1 });
  return sorted(list?.items ?? []);
}

describe("completion on the pipeline example (Bundler, the examples' tsconfig)", () => {
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

  test("at an input's value: the references that fit it first, the nearest upstream node's before the others", async () => {
    const items = await complete(client, file, pipelineWith("    const model = train({ rows: ‸ });\n    return { model: model.model };"), ":");
    const labels = items.map((i) => i.label);
    assert.deepEqual(labels.slice(0, 2), ["clean.rows", "data.rows"], labels.join(", "));
    assert.equal(items[0]!.detail, "Row[]");
    assert.equal(items[0]!.preselect, true);
    // Params are references too; those of other types come after every fitting one.
    for (const p of ["count", "doPreprocess", "epochs"]) assert.ok(labels.indexOf(p) > 1, `${p} is offered after the fitting ones: ${labels.join(", ")}`);
    assert.ok(!labels.includes("model"), "the node being written is not in scope of its own call");
  });

  test("a param that fits a number input is ranked first, by its name", async () => {
    const items = await complete(client, file, pipelineWith("    const model = train({ rows: clean.rows, epochs: ep‸ });\n    return { model: model.model };"));
    assert.equal(items[0]!.label, "epochs");
    assert.equal(items[0]!.detail, "number");
    assert.equal(items[1]!.label, "count", "the other number param fits too, after the one named like the input");
  });

  test("at an input's name: the task's inputs with their types, and wired entries for the fitting references", async () => {
    const items = await complete(client, file, pipelineWith("    const model = train({ ‸ });\n    return { model: model.model };"), "{");
    const byLabel = new Map(items.map((i) => [i.label, i]));
    assert.equal(byLabel.get("rows")?.detail, "Row[]");
    assert.equal(byLabel.get("epochs")?.detail, "number");
    assert.equal(byLabel.get("rows")?.textEdit?.newText, "rows: ");
    assert.equal(byLabel.get("rows: clean.rows")?.textEdit?.newText, "rows: clean.rows");
    assert.ok(byLabel.has("epochs: epochs"), items.map((i) => i.label).join(", "));
    // Inputs already passed are not offered again.
    const more = await complete(client, file, pipelineWith("    const model = train({ rows: clean.rows, ‸ });\n    return { model: model.model };"), ",");
    assert.deepEqual(more.filter((i) => !i.label.includes(":")).map((i) => i.label), ["epochs"]);
  });

  test("after `ref.`: the node's outputs with their types", async () => {
    const items = await complete(client, file, pipelineWith("    const model = train({ rows: clean.‸ });\n    return { model: model.model };"), ".");
    assert.deepEqual(items.map((i) => [i.label, i.detail]), [["rows", "Row[]"]]);
    const outputs = await complete(client, file, pipelineWith("    const model = train({ rows: clean.rows, epochs });\n    return { model: model.‸ };"), ".");
    assert.deepEqual(outputs.map((i) => i.label).sort(), ["model", "mse"]);
    assert.equal(outputs.find((i) => i.label === "mse")?.detail, "number");
  });

  test("nothing where flow words do not belong: outside workflow bodies, in a task body, after a plain value's dot", async () => {
    const { text, position } = cursor(PIPELINE.replace("const meanX = rows", "const meanX = rows.‸"));
    client.change(file, text.replace("rows.", "rows"));
    assert.equal(await client.completion(file, { line: 0, character: 0 }), null);
    client.change(file, text);
    assert.equal(await client.completion(file, position, { triggerKind: TRIGGER_CHARACTER, triggerCharacter: "." }), null);
    // A space typed in a body, not after `{`, `,` or `:`: nothing pops up.
    const spaced = await complete(client, file, pipelineWith("    const model = train({ rows: clean.rows ‸});\n    return {};"), " ");
    assert.deepEqual(spaced, []);
  });

  test("bad positions and half-typed text: always an answer, never a crash", async () => {
    const broken = pipelineWith("    const model = train({ rows: clean.");
    client.change(file, broken);
    const lines = broken.split("\n");
    const positions = [
      { line: -1, character: 0 },
      { line: 99_999, character: 0 },
      { line: 0, character: 99_999 },
      { line: 1.5, character: 2 },
      ...lines.flatMap((l, line) => [0, Math.floor(l.length / 2), l.length].map((character) => ({ line, character }))),
    ];
    for (const position of positions) {
      const answer = await client.completion(file, position);
      assert.ok(answer === null || Array.isArray(answer.items), `an answer at ${JSON.stringify(position)}`);
    }
    // The dot at the end of the broken text still lists the outputs.
    const items = await complete(client, file, pipelineWith("    const model = train({ rows: clean.‸"), ".");
    assert.deepEqual(items.map((i) => i.label), ["rows"]);
    // A file the server does not know, and one outside the workspace.
    assert.equal(await client.completion(ws.path("nope.ts"), { line: 0, character: 0 }), null);
    assert.equal(await client.request("textDocument/completion", { textDocument: { uri: "untitled:Untitled-1" }, position: { line: 0, character: 0 } }), null);
    assert.equal(client.child.exitCode, null, "the server is still running");
  });
});

describe("completion in a NodeNext ESM package (tasks imported from ./tasks.js), asked before the first scan ends", () => {
  let ws: Workspace;
  let client: LspClient;

  before(() => {
    ws = makeWorkspace();
    ws.write("package.json", `${JSON.stringify({ name: "esm", private: true, type: "module" })}\n`);
    ws.write("tsconfig.json", JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, noEmit: true, types: [] } }));
    ws.write("src/tasks.ts", `import { task } from "flowsmith";
export const load = task(async ({ n }: { n: number }) => ({ rows: [n, n + 1], label: "x" }));
/** Sums the rows. */
export const total = task(async ({ rows, scale }: {
  /** The numbers to add. */
  rows: number[];
  scale?: number;
}) => ({ sum: rows.length * (scale ?? 1) }));
`);
    // Other flows, so the first scan is still going when the first requests arrive.
    for (let i = 0; i < 60; i++) ws.write(`other/o${i}.ts`, `import { task, workflow } from "flowsmith";\nexport const o${i} = task(async ({ n }: { n: number }) => ({ m: n * ${i} }));\nexport const w${i} = workflow(() => ({ m: o${i}({ n: ${i} }).m }));\n`);
  });

  after(async () => {
    await client?.stop();
    ws?.cleanup();
  });

  test("inputs with types and doc comments, fitting outputs first, outputs after a dot", async () => {
    const flow = ws.path("src/flow.ts");
    const marked = `import { workflow } from "flowsmith";
import { z } from "zod";
import { load, total } from "./tasks.js";

export const sums = workflow({ params: z.object({ n: z.number() }) }, ({ n }) => {
  const l = load({ n });
  const t = total({ ‸ });
  return { sum: t.sum };
});
`;
    const { text, position } = cursor(marked);
    ws.write("src/flow.ts", text);
    client = await LspClient.start(ws.dir);
    client.open(flow, text);
    // Asked at once: the server answers from the file's own program while it scans the rest.
    const first = await client.completion(flow, position, { triggerKind: 1 });
    const rows = first?.items.find((i) => i.label === "rows");
    assert.equal(rows?.detail, "number[]");
    assert.match(JSON.stringify(rows), /The numbers to add/);
    assert.ok(first?.items.some((i) => i.label === "rows: l.rows"), JSON.stringify(first?.items.map((i) => i.label)));
    const required = sorted(first!.items).map((i) => i.label).filter((l) => !l.includes(":"));
    assert.deepEqual(required, ["rows", "scale"], "required inputs before optional ones");

    const values = await complete(client, flow, marked.replace("total({ ‸ })", "total({ rows: ‸ })"), " ");
    assert.equal(values[0]!.label, "l.rows");
    assert.ok(values.findIndex((i) => i.label === "l.label") > values.findIndex((i) => i.label === "l.rows"), "a string output ranks after the fitting one");
    const outputs = await complete(client, flow, marked.replace("total({ ‸ })", "total({ rows: l.‸ })"), ".");
    assert.deepEqual(outputs.map((i) => `${i.label}: ${i.detail}`).sort(), ["label: string", "rows: number[]"]);
    await client.waitFor("the first scan", () => client.logs.some((l) => /analysed \d+ flow files/.test(l)), 60_000);
    const again = await complete(client, flow, marked.replace("total({ ‸ })", "total({ rows: ‸ })"), ":");
    assert.equal(again[0]!.label, "l.rows");
  });

  test("a sub-flow's outputs and a params object's fields are references too", async () => {
    const nested = ws.path("src/nested.ts");
    const marked = (value: string) => `import { task, workflow } from "flowsmith";
import { z } from "zod";
import { load } from "./tasks.js";

export const size = task(async ({ rows, n }: { rows: number[]; n: number }) => ({ total: rows.length + n }));

export const inner = workflow({ params: z.object({ n: z.number() }) }, ({ n }) => {
  const l = load({ n });
  return { rows: l.rows, first: l.label };
});

export const outer = workflow({ params: z.object({ n: z.number(), cfg: z.object({ k: z.number() }) }) }, (p) => {
  const s = inner({ n: p.n });
  const t = size({ rows: s.rows, n: ${value} });
  return { t: t.total };
});
`;
    ws.write("src/nested.ts", cursor(marked("‸")).text);
    client.open(nested, cursor(marked("‸")).text);
    const values = await complete(client, nested, marked("‸"), " ");
    assert.deepEqual(values.filter((i) => i.detail === "number").map((i) => i.label), ["p.n", "p.cfg.k"]);
    assert.ok(values.some((i) => i.label === "s.rows" && i.detail === "number[]"));
    const sub = await complete(client, nested, marked("s.‸"), ".");
    assert.deepEqual(sub.map((i) => `${i.label}: ${i.detail}`), ["rows: number[]", "first: string"]);
    const params = await complete(client, nested, marked("p.cfg.‸"), ".");
    assert.deepEqual(params.map((i) => `${i.label}: ${i.detail}`), ["k: number"]);
    // A sub-flow call's input object: its params, with their types, and what fits each.
    const subParams = await complete(client, nested, marked("1").replace("inner({ n: p.n })", "inner({ ‸ })"), "{");
    assert.deepEqual(subParams.map((i) => `${i.label}: ${i.detail}`), ["n: number", "n: p.n: number", "n: p.cfg.k: number"]);
  });
});
