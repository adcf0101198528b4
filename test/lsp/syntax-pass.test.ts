/**
 * The syntax pass over real JSON-RPC (`node dist/server.js --stdio`): an opened flow file first
 * gets the diagnostics that need no types (FS004, FS006, FS007, FS009, FS010 and syntax errors),
 * from a parse alone, then the typed analysis replaces them with the full set — and nothing the
 * first publish said is missing from the full set (the syntax pass is a subset, never a guess).
 * Files are opened before, during and after the server's first workspace scan.
 *
 * Needs `npm run build` (dist/server.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, describe, test } from "node:test";
import { makeWorkspace } from "../unit/helpers/workspace.ts";
import { LspClient, SERVER, type Diagnostic } from "./client.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

const SYNTAX_CODES = new Set(["FS000", "FS004", "FS006", "FS007", "FS009", "FS010"]);
const TSCONFIG = `${JSON.stringify({ compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, noEmit: true, skipLibCheck: true, types: ["node"] } })}\n`;

const TASKS = `import { task } from "flowsmith";
export const load = task({ name: "load" }, async ({ n }: { n: number }) => ({ rows: [n, n + 1] }));
export const sum = task({ name: "sum" }, async ({ rows }: { rows: number[] }) => ({ total: rows.length }));
export const report = task({ name: "report" }, async ({ total }: { total: number }) => { console.log(total); });
`;

/** Syntax-only mistakes (FS004, FS009, FS010, FS007) and a typed one (FS001). */
const MIXED = `import { workflow } from "flowsmith";
import { load, sum, report } from "./tasks";
export const mixed = workflow({}, () => {
  const d = load({ n: 3 });
  if (d.rows) console.log("branching on a reference");
  const s = sum({ rowz: d.rows });
  load({ n: 4 });
  sum({ rows: d.rows }, { as: "not an id!" });
  report({ total: s.total });
  return { when: Math.random() };
});
`;

/** Only a typed mistake: the syntax pass has nothing to say. */
const TYPED_ONLY = `import { workflow } from "flowsmith";
import { load, sum } from "./tasks";
export const typedOnly = workflow({}, () => {
  const d = load({ n: 3 });
  const s = sum({ rows: d.rows, extra: 1 });
  return { t: s.total };
});
`;

const key = (d: Diagnostic): string => `${d.code} ${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.message}`;

/** The publishes for `uri`, in order. */
function publishesOf(client: LspClient, uri: string): Diagnostic[][] {
  return client.published.filter((p) => p.uri === uri).map((p) => p.diagnostics);
}

/** Open `file` with `text`; wait until its last publish has `code`; returns its publishes since the open. */
async function openUntilTyped(client: LspClient, file: string, text: string, code: string): Promise<Diagnostic[][]> {
  const uri = client.uri(file);
  const before = publishesOf(client, uri).length;
  client.open(file, text);
  await client.waitFor(`a publish of ${uri} with ${code}`, () => publishesOf(client, uri).length > before && publishesOf(client, uri).at(-1)?.some((d) => d.code === code), 60_000);
  return publishesOf(client, uri).slice(before);
}

/** The first publish is syntax-only and a subset of the final one, which holds the typed codes too. */
function assertSyntaxFirst(publishes: Diagnostic[][], expectEarly: string[], expectTyped: string[]): void {
  const first = publishes[0]!;
  const last = publishes.at(-1)!;
  for (const d of first) assert.ok(SYNTAX_CODES.has(String(d.code)), `first publish has only syntax-pass codes, got ${d.code}: ${d.message}`);
  for (const code of expectEarly) assert.ok(first.some((d) => d.code === code), `first publish has ${code}: ${JSON.stringify(first.map((d) => d.code))}`);
  const final = new Set(last.map(key));
  for (const d of first) assert.ok(final.has(key(d)), `the typed pass keeps what the syntax pass said: ${key(d)}`);
  for (const code of [...expectEarly, ...expectTyped]) assert.ok(last.some((d) => d.code === code), `final publish has ${code}: ${JSON.stringify(last.map((d) => d.code))}`);
  assert.ok(publishes.length >= 2, "a syntax publish, then a typed one");
}

describe("syntax pass: first answers before types", () => {
  const ws = makeWorkspace();
  ws.write("tsconfig.json", TSCONFIG);
  ws.write("flows/tasks.ts", TASKS);
  ws.write("flows/mixed.ts", MIXED);
  // Enough flow files that the first scan takes a while: opens land before, during and after it.
  for (let i = 0; i < 60; i++) {
    ws.write(`flows/more/f${i}.ts`, `import { workflow } from "flowsmith";\nimport { load, sum } from "../tasks";\nexport const w${i} = workflow({}, () => {\n  const d = load({ n: ${i} });\n  return { t: sum({ rows: d.rows }).total };\n});\n`);
  }
  // during.ts and later.ts are new files, not on disk yet: the scan never sent their diagnostics.
  let client: LspClient;
  after(async () => {
    await client?.stop().catch(() => undefined);
    ws.cleanup();
  });

  test("opened before the scan: syntax codes first, then the full set", async () => {
    client = await LspClient.start(ws.dir);
    const publishes = await openUntilTyped(client, ws.path("flows/mixed.ts"), MIXED, "FS001");
    assertSyntaxFirst(publishes, ["FS004", "FS007", "FS009", "FS010"], ["FS001"]);
  });

  test("a file whose syntax pass is empty: an empty first publish, then its typed errors", async () => {
    const publishes = await openUntilTyped(client, ws.path("flows/typed-only.ts"), TYPED_ONLY, "FS001");
    assert.deepEqual(publishes[0], [], "nothing that needs no types");
    assert.ok(publishes.at(-1)!.some((d) => d.code === "FS001"));
  });

  test("opened during and after the scan: syntax codes first, then the full set", async () => {
    const scanned = () => client.logs.some((l) => /analysed \d+ flow files/.test(l));
    const during = ws.path("flows/during.ts");
    const duringPublishes = await openUntilTyped(client, during, MIXED.replace("mixed", "during"), "FS001");
    assertSyntaxFirst(duringPublishes, ["FS004", "FS007", "FS009", "FS010"], ["FS001"]);
    await client.waitFor("the first scan to end", scanned, 120_000);
    const later = ws.path("flows/later.ts");
    const laterPublishes = await openUntilTyped(client, later, MIXED.replace("mixed", "later"), "FS001");
    assertSyntaxFirst(laterPublishes, ["FS004", "FS007", "FS009", "FS010"], ["FS001"]);
  });

  test("an edit right after the open is not lost while the open waits for its first answer", async () => {
    const file = ws.path("flows/edited.ts");
    client.open(file, TYPED_ONLY.replace("typedOnly", "edited"));
    client.change(file, TYPED_ONLY.replace("typedOnly", "edited").replace(", extra: 1", ""));
    const uri = client.uri(file);
    await client.waitFor("the edited text analysed", () => {
      const p = publishesOf(client, uri);
      return p.length >= 2 && p.at(-1)!.length === 0;
    }, 60_000);
    // Settled: the last word is about the edited text (no FS001 about "extra").
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(!publishesOf(client, uri).at(-1)!.some((d) => d.code === "FS001"));
  });
});
