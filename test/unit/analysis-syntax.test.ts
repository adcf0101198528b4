/**
 * Syntax errors (FS000): a flow file the parser could not read is never "no problems". The
 * analysis reports TypeScript's syntax errors at their positions and drops what it found in the
 * part of the file the parser had to guess (decisions.md: "Syntax errors are FS000"); `flowsmith
 * check` exits 1 on them and `flowsmith graph` refuses the file in one line.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { FlowAnalysis, type FlowDiagnostic } from "../../server/src/analysis/index.ts";
import { codeAt, expectedCodes, parseMarkers } from "./helpers/markers.ts";
import { assertCleanError, assertExit, makeWorkspace } from "./helpers/workspace.ts";

const ws = makeWorkspace();
after(() => ws.cleanup());
const analysis = new FlowAnalysis(ws.dir);

const show = (ds: FlowDiagnostic[]) => ds.map((d) => `  ${codeAt(d)} ${d.severity}: ${d.message}`).join("\n") || "  (none)";

const HEAD = `import { task, workflow } from "flowsmith";
import { z } from "zod";
export const load = task(async ({ url }: { url: string }) => ({ rows: [1, 2], count: 2 }));
`;

/**
 * The parser's recovery decides how many errors follow the first: compare the first FS000 and the
 * ranges of every other code exactly, and require that all FS000 are errors.
 */
function assertSyntaxAndRest(ds: FlowDiagnostic[], m: ReturnType<typeof parseMarkers>): void {
  const syntax = ds.filter((d) => d.code === "FS000");
  assert.ok(syntax.length > 0 && syntax.every((d) => d.severity === "error"), show(ds));
  const first = syntax.reduce((a, b) => (b.range.start.line * 1e6 + b.range.start.character < a.range.start.line * 1e6 + a.range.start.character ? b : a));
  assert.deepEqual([codeAt(first)], expectedCodes(m, "FS000"), `the first syntax error:\n${show(ds)}`);
  assert.deepEqual(
    ds.filter((d) => d.code !== "FS000").map(codeAt).sort(),
    expectedCodes(m).filter((c) => !c.startsWith("FS000")),
    `the diagnostics besides the syntax errors:\n${show(ds)}`,
  );
}

/** Set a marked source as a file; returns its path and its markers. */
function file(rel: string, source: string) {
  const m = parseMarkers(source);
  ws.write(rel, m.text);
  const abs = ws.path(rel);
  analysis.setText(abs, m.text);
  return { abs, m };
}

describe("syntax errors are reported as FS000 errors, at their position", () => {
  test("`let slope = = 0;` in a task: one FS000 at the second =, in TypeScript's words", () => {
    const { abs, m } = file("slope.ts", `${HEAD}export const train = task(async ({ rows, epochs }: { rows: number[]; epochs: number }) => {
  let slope = [|FS000:=|] 0;
  return { model: rows.length * epochs + slope };
});
export const wf = workflow({ params: z.object({ url: z.string() }) }, ({ url }) => {
  const d = load({ url });
  const m = train({ rows: d.rows, epochs: 3 });
  return { model: m.model };
});
`);
    const ds = analysis.diagnostics(abs);
    assert.deepEqual(ds.map(codeAt).sort(), expectedCodes(m), show(ds));
    assert.equal(ds[0]!.severity, "error");
    assert.equal(ds[0]!.message, "syntax error: Expression expected");
  });

  test("an unclosed { : the syntax errors only, no FS001 'no input \"return\"' from the parser's guess", () => {
    const { abs, m } = file("brace.ts", `${HEAD}export const train = task(async ({ rows, epochs }: { rows: number[]; epochs: number }) => ({ model: rows.length * epochs }));
export const wf = workflow(() => {
  const d = load({ url: "x" });
  const m = train({ rows: d.rows, epochs: 3 [|FS000:;|]
  return { model: m.model };
});
`);
    const ds = analysis.diagnostics(abs);
    assertSyntaxAndRest(ds, m);
    assert.ok(ds.every((d) => d.code === "FS000"), show(ds));
    // The error at the end names the brace it could not match.
    assert.ok(ds.some((d) => /'\}' expected \(to match the "\{" on line 5, column 34\)/.test(d.message)), show(ds));
    // Without the fix the parser's guess reads `return` as an input of train.
    analysis.setText(abs, m.text.replace("epochs: 3 ;", "epochs: 3 });"));
    assert.deepEqual(analysis.diagnostics(abs).map((d) => d.code), [], "the fixed file is clean again");
  });

  test("a workflow before the first error keeps its diagnostics; one in or after it loses them", () => {
    const { abs, m } = file("before.ts", `${HEAD}export const early = workflow(() => {
  const d = load({ url: "x" });
  return { n: d.[|FS005:nope|] };
});
export const broken = workflow(() => {
  const d = load({ url: "x" [|FS000:;|]
  return { n: d.nope };
});
export const late = workflow(() => {
  const d = load({ url: "x" });
  return { n: d.nope };
});
`);
    const ds = analysis.diagnostics(abs);
    assertSyntaxAndRest(ds, m);
  });

  test("a workflow before the error that uses a task defined after it is not checked (the task is the parser's guess)", () => {
    const { abs, m } = file("uses-later.ts", `${HEAD}export const early = workflow(() => {
  const d = load({ url: "x" });
  const t = train({ rows: d.rows, epochs: 3, extra: 1 });
  return { n: t.model };
});
export const train = task(async ({ rows, epochs }: { rows: number[]; epochs: number }) => {
  let slope = [|FS000:=|] 0;
  return { model: rows.length * epochs + slope };
});
`);
    const ds = analysis.diagnostics(abs);
    assert.deepEqual(ds.map(codeAt).sort(), expectedCodes(m), show(ds));
  });

  test("a task from another file's broken part: one FS000 at the call, naming that file and position", () => {
    ws.write("lib/tasks.ts", `import { task } from "flowsmith";
export const good = task(async ({ n }: { n: number }) => ({ n }));
export const bad = task(async ({ n }: { n: number }) => {
  let slope = = 0;
  return { n: n + slope };
});
`);
    const { abs, m } = file("uses-bad.ts", `import { workflow } from "flowsmith";
import { bad, good } from "./lib/tasks";
export const fine = workflow(() => {
  const g = good({ n: 1 });
  return { n: g.[|FS005:nope|] };
});
export const notChecked = workflow(() => {
  const g = good({ n: 1 });
  const b = [|FS000:bad({ n: g.n, extra: 2 })|];
  return { n: b.n };
});
`);
    const ds = analysis.diagnostics(abs);
    assert.deepEqual(ds.map(codeAt).sort(), expectedCodes(m), show(ds));
    const fs000 = ds.find((d) => d.code === "FS000")!;
    assert.equal(fs000.severity, "error");
    assert.match(fs000.message, /task bad is defined in lib\/tasks\.ts, which has a syntax error \(lib\/tasks\.ts:4:15: syntax error: Expression expected\)/);
    // The other file reports its own error.
    assert.deepEqual(analysis.diagnostics(ws.path("lib/tasks.ts")).map((d) => `${d.code} ${d.range.start.line + 1}:${d.range.start.character + 1}`), ["FS000 4:15"]);
  });

  test("a file that is not a flow any more (garbage after the imports) still reports its errors", () => {
    const { abs } = file("garbage.ts", `import { task, workflow } from "flowsmith";\n}}}{{{ ) export const\n`);
    const ds = analysis.diagnostics(abs);
    assert.ok(ds.length > 0 && ds.every((d) => d.code === "FS000" && d.severity === "error"), show(ds));
  });
});

describe("the CLI: check exits 1, graph refuses the file in one line", () => {
  const SLOPE = `${HEAD}export const train = task(async ({ rows, epochs }: { rows: number[]; epochs: number }) => {
  let slope = = 0;
  return { model: rows.length * epochs + slope };
});
export const wf = workflow({ params: z.object({ url: z.string() }) }, ({ url }) => {
  const d = load({ url });
  const m = train({ rows: d.rows, epochs: 3 });
  return { model: m.model };
});
`;

  test("check FILE: the error line and exit 1, never 'no problems'", async () => {
    ws.write("cli/slope.ts", SLOPE);
    const res = await ws.cli(["check", "cli/slope.ts"]);
    assertExit(res, 1, "check");
    assert.match(res.stdout, /^cli\/slope\.ts:5:15 error FS000 syntax error: Expression expected$/m);
    assert.doesNotMatch(res.stdout, /no problems/);
    assert.match(res.stdout, /1 error in 1 flow file/);
  });

  test("check DIR --format json lists it with its position", async () => {
    ws.write("cli/slope.ts", SLOPE);
    const res = await ws.cli(["check", "cli", "--format", "json"]);
    assertExit(res, 1, "check --format json");
    const out = JSON.parse(res.stdout) as { file: string; line: number; column: number; code: string; severity: string }[];
    assert.ok(out.some((d) => d.file === "cli/slope.ts" && d.line === 5 && d.column === 15 && d.code === "FS000" && d.severity === "error"), res.stdout);
  });

  test("graph FILE#wf: one line naming file:line:col, exit 2", async () => {
    ws.write("cli/slope.ts", SLOPE);
    const res = await ws.cli(["graph", "cli/slope.ts#wf"]);
    assertCleanError(res, /cli\/slope\.ts:5:15: syntax error: Expression expected/);
    assert.equal(res.stdout, "", "no graph is printed");
  });

  test("graph of a fixed file works again", async () => {
    ws.write("cli/slope.ts", SLOPE.replace("= = 0", "= 0"));
    const res = await ws.cli(["graph", "cli/slope.ts#wf"]);
    assertExit(res, 0, "graph");
    assert.deepEqual((JSON.parse(res.stdout) as { nodes: { id: string }[] }).nodes.map((n) => n.id), ["load", "train"]);
  });
});
