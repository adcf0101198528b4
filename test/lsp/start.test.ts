/**
 * Files opened while the server starts (an editor restoring its tabs): the server answers them
 * before it loads the whole workspace, from a program of their own imports. Their first
 * diagnostics must be their complete ones — what the same file gets once everything is loaded —
 * and a file that another (not imported) file reaches through a global is published again with
 * the whole program.
 *
 * Needs `npm run build` (dist/server.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, test } from "node:test";
import { makeWorkspace } from "../unit/helpers/workspace.ts";
import { LspClient, SERVER, type Diagnostic } from "./client.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

const ws = makeWorkspace();
// A chain of modules whose types flow into the opened file: f0 ← f1 ← … ← f5 ← main.
for (let k = 0; k <= 5; k++) {
  ws.write(
    `chain/f${k}.ts`,
    `import { task } from "flowsmith";
${k > 0 ? `import type { Out${k - 1} } from "./f${k - 1}";\n` : ""}export interface Out${k} { v: ${k > 0 ? `Out${k - 1} | ` : ""}number; s: string }
export const t${k} = task(async ({ n }: { n: number }): Promise<Out${k}> => ({ v: n, s: "x" }));
`,
  );
}
ws.write(
  "chain/main.ts",
  `import { task, workflow } from "flowsmith";
import { t5 } from "./f5";
export const need = task(async ({ s }: { s: number }) => ({ ok: s > 0 }));
export const wf = workflow(() => {
  const a = t5({ n: 1 });
  const b = need({ s: a.s });
  return { ok: b.ok, v: a.v };
});
`,
);
// A script (no import or export) that declares a global type for "flowsmith" flows elsewhere.
ws.write("shared/globals.ts", `// Types shared by the "flowsmith" flows of this workspace.\ninterface Payload { s: number }\n`);
ws.write(
  "shared/uses.ts",
  `import { task, workflow } from "flowsmith";
export const mk = task(async () => ({ s: "text" }));
export const take = task(async ({ s }: Payload) => ({ done: s + 1 }));
export const wf2 = workflow(() => {
  const a = mk();
  const b = take({ s: a.s });
  return { d: b.done };
});
`,
);
// Other flows, so the workspace load takes a moment.
for (let i = 0; i < 40; i++) {
  ws.write(`other/o${i}.ts`, `import { task, workflow } from "flowsmith";\nexport const o${i} = task(async ({ n }: { n: number }) => ({ m: n * ${i} }));\nexport const w${i} = workflow(() => ({ m: o${i}({ n: ${i} }).m }));\n`);
}
const MAIN = ws.path("chain/main.ts");
const USES = ws.path("shared/uses.ts");

let early: LspClient;
let reference: LspClient;
const sweepDone = (c: LspClient) => c.waitFor("the end of the workspace load", () => c.statusNotifications.some((n) => n.targets.length === 0), 60_000);
const codes = (ds: Diagnostic[]) => ds.map((d) => `${d.code}@${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.message}`).sort();

before(async () => {
  // Opened right after `initialized`, as a restored tab is.
  // USES first: it is answered before anything else is loaded (a later open may already find
  // part of the workspace parsed).
  early = await LspClient.start(ws.dir);
  early.open(USES, ws.read("shared/uses.ts"));
  early.open(MAIN, ws.read("chain/main.ts"));
  await sweepDone(early);
  // The reference: the same files opened once the whole workspace is loaded.
  reference = await LspClient.start(ws.dir);
  await sweepDone(reference);
  reference.open(MAIN, ws.read("chain/main.ts"));
  reference.open(USES, ws.read("shared/uses.ts"));
  await reference.diagnosticsOf(MAIN);
  await reference.diagnosticsOf(USES);
});

after(async () => {
  await early?.stop();
  await reference?.stop();
  ws.cleanup();
});

test("the first typed diagnostics of a file opened at start are its complete ones (types through a chain of imports)", () => {
  // The first publish is the syntax pass (what needs no types, test/lsp/syntax-pass.test.ts): a subset.
  const [syntaxPass, first, ...rest] = early.published.filter((p) => p.uri === early.uri(MAIN));
  assert.ok(syntaxPass && first, "the opened file was published: its syntax pass, then its typed diagnostics");
  const expected = reference.diagnostics.get(reference.uri(MAIN))!;
  assert.ok(expected.some((d) => d.code === "FS003"), `the reference has the type mismatch: ${codes(expected).join("; ")}`);
  for (const c of codes(syntaxPass.diagnostics)) assert.ok(codes(expected).includes(c), `the syntax pass said only what the typed pass does: ${c}`);
  assert.deepEqual(codes(first.diagnostics), codes(expected));
  // …and nothing different was published for it afterwards.
  for (const p of rest) assert.deepEqual(codes(p.diagnostics), codes(expected));
});

test("a file reached through a global declared elsewhere ends with the whole program's diagnostics", () => {
  const expected = reference.diagnostics.get(reference.uri(USES))!;
  assert.ok(expected.some((d) => d.code === "FS003"), `the reference sees the global Payload: ${codes(expected).join("; ")}`);
  const mine = early.published.filter((p) => p.uri === early.uri(USES));
  assert.deepEqual(codes(mine.at(-1)?.diagnostics ?? []), codes(expected));
});
