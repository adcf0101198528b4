/**
 * `flowsmith run` refuses what `flowsmith check` calls an error, before any node runs, with
 * check's own lines (exit 2); `--no-check` runs anyway; errors in the file's other workflows do not
 * stop this one; a clean check is remembered for unchanged code and made again after an edit.
 *
 * Needs `npm run build` (runtime/dist/cli.js, runtime/dist/analysis.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { assertExit, makeWorkspace } from "./helpers/workspace.ts";

const FLOW = `import { task, workflow } from "flowsmith";
export const split = task(async ({ text }: { text: string }) => ({ words: text.split(" ") }));
export const count = task(async ({ words }: { words: string[] }) => ({ n: words.length }));
export const good = workflow(() => {
  const s = split({ text: "a b c" });
  const c = count({ words: s.words });
  return { n: c.n };
});
export const bad = workflow(() => {
  const s = split({ text: "a b c" });
  const c = count({ word: s.words });
  return { n: c.n };
});
`;

test("run refuses a workflow check finds errors in, with check's lines; --no-check runs it", async (t) => {
  const ws = makeWorkspace(t);
  ws.write("flow.ts", FLOW);
  const check = await ws.cli(["check", "flow.ts"]);
  assertExit(check, 1, "check");
  const checkLines = check.stdout.split("\n").filter((l) => / error FS/.test(l));
  assert.equal(checkLines.length, 2, check.stdout);

  const refused = await ws.cli(["run", "flow.ts#bad"]);
  assertExit(refused, 2, "run of a broken workflow");
  assert.deepEqual(refused.stderr.split("\n").filter((l) => / error FS/.test(l)), checkLines, "the same lines as check");
  assert.match(refused.stderr, /flowsmith: error: flow\.ts#bad not run: flowsmith check finds 2 errors in flow\.ts \(above\); fix them, or pass --no-check to run anyway\n$/);
  assert.equal(refused.stdout, "", "no run id: nothing ran");
  assert.ok(!fs.existsSync(ws.path(".flowsmith/runs")) || fs.readdirSync(ws.path(".flowsmith/runs")).length === 0, "no run record");

  // The good workflow of the same file runs: the other workflow's errors are not its own.
  assertExit(await ws.cli(["run", "flow.ts#good"]), 0, "run of the good workflow");

  const forced = await ws.cli(["run", "flow.ts#bad", "--no-check"]);
  assertExit(forced, 1, "run --no-check of the broken workflow fails at run time");
  assert.match(forced.stdout, /run \S+ FAILED/);
});

test("a clean check is remembered for unchanged code, and made again after an edit", async (t) => {
  const ws = makeWorkspace(t);
  const TASKS = (useType: string) => `import { task } from "flowsmith";
export const make = task(async ({ x }: { x: number }) => ({ y: x + 1 }));
export const use = task(async ({ y }: { y: ${useType} }) => ({ z: String(y) }));
`;
  ws.write("tasks.ts", TASKS("number"));
  ws.write("flow.ts", `import { workflow } from "flowsmith";\nimport { make, use } from "./tasks";\nexport const wf = workflow(() => ({ z: use({ y: make({ x: 1 }).y }).z }));\n`);
  assertExit(await ws.cli(["run", "flow.ts#wf"]), 0, "first run");
  const markers = () => fs.readdirSync(ws.path(".flowsmith/cache/checked"));
  assert.equal(markers().length, 1, "the clean check is remembered");
  assertExit(await ws.cli(["run", "flow.ts#wf"]), 0, "second run");
  assert.equal(markers().length, 1, "unchanged code: the same answer");
  // An edit in the imported module (not the flow file) makes the same flow wrong: checked again.
  ws.write("tasks.ts", TASKS("string"));
  const refused = await ws.cli(["run", "flow.ts#wf"]);
  assertExit(refused, 2, "run after the imported task changed its input type");
  assert.match(refused.stderr, /error FS003 /);
  assert.equal(markers().length, 1, "no clean mark for the broken code");
  assert.ok(path.isAbsolute(ws.dir));
});
