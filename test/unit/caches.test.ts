/**
 * The store's caches (`.flowsmith/cache/`): code fingerprints per flow file and modules as esbuild
 * transformed them. They only save work: every change they were computed from shows, and a broken
 * entry is ignored.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { prepare } from "../../runtime/src/engine/prepare.ts";
import { makeWorkspace, type Workspace } from "./helpers/workspace.ts";

const FLOW = `import { task, workflow } from "flowsmith";
import { double } from "./lib/math";
export const make = task(async ({ n }: { n: number }) => ({ n: double(n) }));
export const flow = workflow(() => {
  const m = make({ n: 2 });
  return { n: m.n };
});
`;

function setup(t: { after(fn: () => void): void }): Workspace {
  const ws = makeWorkspace(t);
  ws.write("lib/math.ts", "export const double = (x: number) => x * 2;\n");
  ws.write("flow.ts", FLOW);
  return ws;
}

const fingerprint = (ws: Workspace) => prepare("flow.ts#flow", { cwd: ws.dir }).fingerprints.get("make");
const cacheFiles = (ws: Workspace, kind: string) => {
  const dir = ws.path(`.flowsmith/cache/${kind}`);
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};

describe("store caches", { concurrency: 2 }, () => {
  test("fingerprints are cached per flow file and follow every file they were computed from", (t) => {
    const ws = setup(t);
    const first = fingerprint(ws);
    assert.match(first ?? "", /^[0-9a-f]{16}$/);
    assert.equal(cacheFiles(ws, "fingerprints").length, 1, "an entry for flow.ts");
    assert.equal(fingerprint(ws), first, "read back unchanged");
    ws.write("lib/math.ts", "export const double = (x: number) => x * 3;\n");
    const edited = fingerprint(ws);
    assert.notEqual(edited, first, "an edit of a module the task calls changes its fingerprint");
    ws.write("lib/math.ts", "export const double = (x: number) =>   x * 3; // same code\n");
    assert.equal(fingerprint(ws), edited, "formatting and comments still do not count");
  });

  test("a module appearing where one was looked for and missing is seen", (t) => {
    const ws = setup(t);
    // ./lib/math is lib/math/index.ts: lib/math.ts, tried first, is missing.
    fs.rmSync(ws.path("lib/math.ts"));
    ws.write("lib/math/index.ts", "export const double = (x: number) => x * 2;\n");
    const before = fingerprint(ws);
    const reads = JSON.parse(fs.readFileSync(ws.path(`.flowsmith/cache/fingerprints/${cacheFiles(ws, "fingerprints")[0]}`), "utf8")).reads as [string, string | null][];
    assert.ok(reads.some(([file, hash]) => file === ws.path("lib/math.ts") && hash === null), `the miss is recorded: ${JSON.stringify(reads)}`);
    ws.write("lib/math.ts", "export const double = (x: number) => x - 1;\n");
    assert.notEqual(fingerprint(ws), before, "lib/math.ts now wins the resolution");
  });

  test("a broken cache entry is ignored and replaced", (t) => {
    const ws = setup(t);
    const first = fingerprint(ws);
    const entry = ws.path(`.flowsmith/cache/fingerprints/${cacheFiles(ws, "fingerprints")[0]}`);
    for (const junk of ["{", "null", '{"format":"flowsmith-fingerprint/1","reads":"x"}', '{"format":"other"}']) {
      fs.writeFileSync(entry, junk);
      assert.equal(fingerprint(ws), first, junk);
    }
    assert.doesNotThrow(() => JSON.parse(fs.readFileSync(entry, "utf8")));
  });

  test("transformed modules are cached; an edit is transformed anew, a syntax error still named", (t) => {
    const ws = setup(t);
    const load = () => prepare("flow.ts#flow", { cwd: ws.dir });
    load();
    assert.equal(cacheFiles(ws, "js").length, 2, "flow.ts and lib/math.ts");
    load();
    assert.equal(cacheFiles(ws, "js").length, 2, "read back, not transformed again");
    ws.write("lib/math.ts", "export const double = (x: number) => x * 4;\n");
    load();
    assert.equal(cacheFiles(ws, "js").length, 3);
    ws.write("lib/math.ts", "export const double = (x: number) => x * ;\n");
    assert.throws(load, /lib[/\\]math\.ts:1:\d+: syntax error/);
  });

  test("the transformed-module cache is kept bounded: past 2,000 files the oldest half goes", (t) => {
    const ws = setup(t);
    const dir = ws.path(".flowsmith/cache/js");
    fs.mkdirSync(dir, { recursive: true });
    const old = Date.now() / 1000 - 3600;
    for (let i = 0; i < 2000; i++) {
      const file = path.join(dir, `${String(i).padStart(64, "0")}.js`);
      fs.writeFileSync(file, "module.exports = {};\n");
      fs.utimesSync(file, old + i, old + i);
    }
    prepare("flow.ts#flow", { cwd: ws.dir });
    const left = cacheFiles(ws, "js");
    assert.ok(left.length <= 1002 && left.length >= 1000, `${left.length} files left`);
    assert.ok(!left.includes(`${"0".repeat(64)}.js`), "the oldest went");
    assert.equal(prepare("flow.ts#flow", { cwd: ws.dir }).fingerprints.size, 1, "and the flow still loads");
  });
});
