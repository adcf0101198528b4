/**
 * `file(path)` outputs (issue 21 item 4) in plain workflows, through the built CLI: stored by
 * content once, read-only; a changed file changes downstream cache keys; a received FlowFile
 * passed on is not copied again; a missing file fails its node in one line; file() in a workflow
 * body is FS004 at graph-build time.
 *
 * Needs `npm run build` (runtime/dist/cli.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { assertCleanError, assertExit, makeWorkspace, runOk, startedNodes } from "./helpers/workspace.ts";

const FLOW = `import * as fs from "node:fs";
import { file, task, workflow, type FlowFile } from "flowsmith";
import { z } from "zod";

export const write = task(async ({ text, name }: { text: string; name: string }) => {
  fs.mkdirSync("out", { recursive: true });
  fs.writeFileSync("out/" + name, text);
  return { doc: file("out/" + name), copy: file("out/" + name, { name: "copy.txt" }) };
});
export const pass = task(async ({ doc }: { doc: FlowFile }) => ({ again: doc, stored: doc.stored }));
export const read = task(async ({ doc }: { doc: FlowFile }) => {
  fs.appendFileSync("counter.log", "read\\n");
  return { text: fs.readFileSync(doc.path, "utf8"), name: doc.name };
});
export const docs = workflow({ params: z.object({ text: z.string().default("hello") }) }, ({ text }) => {
  const w = write({ text, name: "a.md" });
  const p = pass({ doc: w.doc });
  const r = read({ doc: p.again });
  return { text: r.text, doc: w.doc, copy: w.copy, again: p.again };
});
export const missing = task(async () => ({ doc: file("out/never-written.txt") }));
export const broken = workflow(() => ({ doc: missing({}).doc }));
export const inBody = workflow(() => ({ doc: file("x.txt") }));
`;

test("file() outputs: stored once by content, read-only; content changes re-run downstream; pass-through is not copied", async (t) => {
  const ws = makeWorkspace(t);
  ws.write("flow.ts", FLOW);
  const first = await runOk(ws, ["flow.ts#docs"]);
  const out = JSON.parse((await ws.cli(["results", first.runId])).stdout);
  assert.equal(out.text, "hello");
  assert.equal(out.doc.name, "a.md");
  assert.equal(out.copy.name, "copy.txt");
  assert.equal(out.doc.$file, out.copy.$file, "same content, same hash");
  assert.equal(out.again.$file, out.doc.$file, "a received file returned again is the same record");
  assert.equal(out.doc.size, 5);
  const files = fs.readdirSync(ws.path(".flowsmith/files"), { recursive: true }).map(String).filter((f) => !f.startsWith("tmp") && /[0-9a-f]{64}/.test(f));
  assert.deepEqual(files.map((f) => path.basename(f)).sort(), [`${out.doc.$file}.md`, `${out.doc.$file}.txt`], "one copy per content and extension");
  for (const f of files) assert.equal(fs.statSync(ws.path(`.flowsmith/files/${f}`)).mode & 0o777, 0o444);
  assert.equal(fs.readFileSync(out.doc.path, "utf8"), "hello");

  // Same text: nothing runs. Other text: the file's content changes the downstream keys.
  assert.deepEqual(startedNodes((await runOk(ws, ["flow.ts#docs"])).stdout), []);
  // A copy left by a process that died mid-copy (its pid is gone) is removed by the next one storing a file.
  const orphan = ws.path(".flowsmith/files/tmp/4194999.0123456789ab.tmp");
  fs.writeFileSync(orphan, "half a copy");
  const changed = await runOk(ws, ["flow.ts#docs", "--param", "text=bonjour"]);
  assert.ok(!fs.existsSync(orphan), "the dead process's temp copy is swept");
  assert.deepEqual(startedNodes(changed.stdout), ["write", "pass", "read"]);
  assert.equal(JSON.parse((await ws.cli(["results", changed.runId])).stdout).text, "bonjour");
  assert.deepEqual(ws.counter(), ["read", "read"]);
});

test("a file that does not exist fails its node in one line; file() in a workflow body is FS004", async (t) => {
  const ws = makeWorkspace(t);
  ws.write("flow.ts", FLOW);
  const res = await ws.cli(["run", "flow.ts#broken", "--no-check"]);
  assertExit(res, 1, "run of a task returning a missing file");
  assert.match(res.stdout, /\[missing\] FAILED.*file\(".*out\/never-written\.txt"\) does not exist; the task must write it before returning it/);
  assert.doesNotMatch(res.stdout + res.stderr, /\n\s{4}at /);
  assertCleanError(await ws.cli(["run", "flow.ts#inBody", "--no-check"]), /FS004.*file\("x\.txt"\) is called in a workflow body/);
});
