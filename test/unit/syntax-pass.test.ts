/**
 * The syntax pass (server/src/analysis/syntaxPass.ts): the diagnostics a parse tells without types
 * are a subset of the typed analysis' — on hand-written cases for each syntax-safe check, on the
 * cases where it must say nothing early (a sub-flow, a re-export, a namespace import), and on a few
 * hundred mutations of the example flows (token deletions, insertions, swaps).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { FlowAnalysis, type FlowDiagnostic } from "../../server/src/analysis/index.ts";
import { makeWorkspace, REPO } from "./helpers/workspace.ts";

const key = (d: FlowDiagnostic): string => `${d.code} ${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.severity} ${d.message}`;

const TASKS = `import { task } from "flowsmith";
export const load = task({ name: "load" }, async ({ n }: { n: number }) => ({ rows: [n] }));
export const sum = task({ name: "sum" }, async ({ rows }: { rows: number[] }) => ({ total: rows.length }));
export const effect = task({ name: "effect" }, async ({ n }: { n: number }) => { console.log(n); });
export { load as again };
`;

const ws = makeWorkspace();
ws.write("flows/tasks.ts", TASKS);
ws.write("flows/reexport.ts", `export { load, sum } from "./tasks";\n`);
ws.write("flows/sub.ts", `import { workflow } from "flowsmith";\nimport { load } from "./tasks";\nexport const sub = workflow({}, () => ({ rows: load({ n: 1 }).rows }));\n`);
after(() => ws.cleanup());
const analysis = new FlowAnalysis(ws.dir);
let counter = 0;

/** Both passes on `text` as a new flow file: the early diagnostics, the typed ones. */
function bothPasses(text: string): { early: FlowDiagnostic[]; typed: FlowDiagnostic[] } {
  const file = ws.path(`flows/case${counter++}.ts`);
  analysis.setText(file, text);
  const early = analysis.syntaxDiagnostics(file, text);
  const typed = analysis.diagnostics(file).filter((d) => d.file === file);
  analysis.closeText(file);
  return { early, typed };
}

function assertSubset(early: FlowDiagnostic[], typed: FlowDiagnostic[], what: string): void {
  const all = new Set(typed.map(key));
  for (const d of early) assert.ok(all.has(key(d)), `${what}: the syntax pass said what the typed pass does not:\n  ${key(d)}\ntyped:\n  ${typed.map(key).join("\n  ")}`);
}

describe("syntax pass: a subset of the typed diagnostics", () => {
  test("each syntax-safe check reports early, and exactly as the typed pass", () => {
    const { early, typed } = bothPasses(`import { workflow } from "flowsmith";
import * as fs from "node:fs";
import { load, sum, effect, again } from "./tasks";
export const w = workflow({}, () => {
  const d = load({ n: 1 });
  if (d.rows) console.log("x");
  const s = sum({ rowz: d.rows });
  load({ n: 2 });
  effect({ n: 3 });
  sum({ rows: d.rows }, { as: "bad alias!" });
  fs.readFileSync("x");
  sum({ rows: d.rows, when: new Date(), big: 1n, fn: () => 1 });
  return { s, r: Math.random(), a: again({ n: 4 }) };
});
`);
    assertSubset(early, typed, "mixed mistakes");
    const codes = new Set(early.map((d) => d.code));
    for (const code of ["FS004", "FS006", "FS007", "FS009", "FS010"]) assert.ok(codes.has(code), `${code} early: ${[...codes].join(",")}`);
    assert.ok(!codes.has("FS001") && typed.some((d) => d.code === "FS001"), "FS001 needs types: typed pass only");
    // A task run for its effect (returns nothing) is not "unused" in either pass.
    assert.ok(!early.some((d) => d.code === "FS010" && /node effect/.test(d.message)));
  });

  test("says nothing early about a workflow whose callees syntax cannot follow", () => {
    for (const [what, text] of [
      ["a sub-flow call", `import { workflow } from "flowsmith";\nimport { sub } from "./sub";\nexport const w = workflow({}, () => { const x = sub({}); if (x.rows) console.log(1); return {}; });\n`],
      ["a re-exported task", `import { workflow } from "flowsmith";\nimport { load } from "./reexport";\nexport const w = workflow({}, () => { const x = load({ n: 1 }); if (x.rows) console.log(1); return {}; });\n`],
      ["a namespace import", `import { workflow } from "flowsmith";\nimport * as t from "./tasks";\nexport const w = workflow({}, () => { const x = t.load({ n: 1 }); if (x.rows) console.log(1); return {}; });\n`],
    ] as const) {
      const { early, typed } = bothPasses(text);
      assert.deepEqual(early, [], `${what}: nothing early`);
      assert.ok(typed.some((d) => d.code === "FS004"), `${what}: the typed pass finds the mistake`);
    }
  });

  test("syntax errors are reported early, at the same place", () => {
    const { early, typed } = bothPasses(`import { workflow } from "flowsmith";\nimport { load } from "./tasks";\nexport const w = workflow({}, () => {\n  let x = = 1;\n  return { r: load({ n: 1 }) };\n});\n`);
    assert.ok(early.some((d) => d.code === "FS000"));
    assertSubset(early, typed, "syntax error");
  });

  test("mutations of the example flows: never a diagnostic the typed pass does not give", () => {
    const seeds = ["examples/pipeline/flow.ts", "examples/my_wf/flow.ts", "examples/long_running/flow.ts", "test/fixtures/diagnostics/broken.ts"].map((f) => fs.readFileSync(path.join(REPO, f), "utf8"));
    let seed = 20261207;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const file = ws.path("flows/mutated.ts");
    let early = 0;
    const rounds = Number(process.env.FLOWSMITH_SYNTAX_MUTATIONS ?? 160);
    for (let i = 0; i < rounds; i++) {
      const tokens = seeds[i % seeds.length]!.split(/(\b|\s+)/);
      for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) {
        const at = Math.floor(rnd() * tokens.length);
        const other = tokens[Math.floor(rnd() * tokens.length)]!;
        const op = rnd();
        if (op < 0.4) tokens.splice(at, 1);
        else if (op < 0.8) tokens.splice(at, 0, other);
        else tokens[at] = other;
      }
      const text = tokens.join("");
      analysis.setText(file, text);
      const syntax = analysis.syntaxDiagnostics(file, text);
      early += syntax.length;
      assertSubset(syntax, analysis.diagnostics(file).filter((d) => d.file === file), `mutation ${i}`);
    }
    assert.ok(early > rounds, `the syntax pass said something on most mutations (${early} diagnostics)`);
  });
});
