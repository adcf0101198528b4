/**
 * The language server hands the fingerprinter the syntax trees its program already parsed
 * (FingerprintHost.parsed) instead of letting it parse every file a second time. The fingerprints
 * must be exactly those of a fresh parse (what the engine computes), and a tree that is not what
 * `ts.createSourceFile` would give there (another text, no parent pointers, another script kind,
 * an ES5 target) must be ignored.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import ts from "typescript";
import { FingerprintCache, fingerprintTasks, TYPESCRIPT_VERSION, type FingerprintHost } from "../../runtime/src/analysis/fingerprint.ts";

const FILES: Record<string, string> = {
  "/p/flow.ts": `import { task, workflow } from "flowsmith";
import { helper, FACTOR } from "./util";
// a comment
export const load = task({ name: "load-it" }, async ({ url }: { url: string }) => ({ rows: [url.length] }));
export const clean = task(async ({ rows }: { rows: number[] }) => ({ rows: rows.map((r) => helper(r) * FACTOR) }));
export const wf = workflow(() => clean({ rows: load({ url: "a" }).rows }));
`,
  "/p/util.ts": `export function helper(n: number): number { return n + 1; }
export const FACTOR = 3;
`,
  "/p/view.tsx": `import { task } from "flowsmith";
export const render = task(async ({ n }: { n: number }) => ({ html: String(<b>{n}</b>) }));
`,
};

const plain: FingerprintHost = { readFile: (p) => FILES[p] };

/** A host that offers trees parsed the way the server's program parses them, and counts the uses. */
function sharing(parse: (p: string, text: string) => ts.SourceFile | undefined): FingerprintHost & { offered: string[] } {
  const offered: string[] = [];
  return {
    offered,
    readFile: (p) => FILES[p],
    parsed: (p, text) => {
      offered.push(p);
      return parse(p, text);
    },
  };
}

function tasks(host: FingerprintHost, file: string) {
  return new FingerprintCache(host).tasksIn(file).map((t) => ({ name: t.name, fingerprint: t.fingerprint, start: t.start, end: t.end }));
}

test("the module reports the TypeScript it parses with", () => {
  assert.equal(TYPESCRIPT_VERSION, ts.version);
});

test("trees parsed by the program give the fingerprints of a fresh parse (ES2022 target, parents set)", () => {
  const kind = (p: string) => (p.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const host = sharing((p, text) => ts.createSourceFile(p, text, ts.ScriptTarget.ES2022, true, kind(p)));
  for (const file of ["/p/flow.ts", "/p/view.tsx"]) {
    const expected = [...fingerprintTasks(file, plain).values()].map((t) => ({ name: t.name, fingerprint: t.fingerprint, start: t.start, end: t.end }));
    assert.ok(expected.length > 0);
    assert.deepEqual(tasks(host, file), expected, file);
  }
  assert.ok(host.offered.includes("/p/flow.ts") && host.offered.includes("/p/util.ts"), "the shared trees were asked for");
});

test("after an edit the new tree is used, and the fingerprints follow the text", () => {
  const texts = { ...FILES };
  const trees = new Map<string, ts.SourceFile>();
  const host: FingerprintHost = {
    readFile: (p) => texts[p],
    parsed: (p, text) => {
      let sf = trees.get(p);
      if (!sf || sf.text !== text) trees.set(p, (sf = ts.createSourceFile(p, text, ts.ScriptTarget.ES2022, true)));
      return sf;
    },
  };
  const cache = new FingerprintCache(host);
  const before = cache.tasksIn("/p/flow.ts").find((t) => t.name === "clean")!.fingerprint;
  texts["/p/util.ts"] = texts["/p/util.ts"]!.replace("n + 1", "n + 2");
  cache.invalidate("/p/util.ts");
  const after = cache.tasksIn("/p/flow.ts").find((t) => t.name === "clean")!.fingerprint;
  assert.notEqual(after, before);
  const fresh = fingerprintTasks("/p/flow.ts", { readFile: (p) => texts[p] }).get("clean")!.fingerprint;
  assert.equal(after, fresh);
});

test("trees that are not what a fresh parse gives are ignored (and the fingerprints stay right)", () => {
  const expected = tasks(plain, "/p/flow.ts");
  const wrong: [string, (p: string, text: string) => ts.SourceFile | undefined][] = [
    ["another text", (p, text) => ts.createSourceFile(p, `${text}\nexport const extra = 1;`, ts.ScriptTarget.ES2022, true)],
    ["no parent pointers", (p, text) => ts.createSourceFile(p, text, ts.ScriptTarget.ES2022, false)],
    ["an ES5 target", (p, text) => ts.createSourceFile(p, text, ts.ScriptTarget.ES5, true)],
    ["another script kind", (p, text) => ts.createSourceFile(p, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TSX)],
    ["another file name", (_p, text) => ts.createSourceFile("/elsewhere.ts", text, ts.ScriptTarget.ES2022, true)],
  ];
  for (const [what, parse] of wrong) assert.deepEqual(tasks(sharing(parse), "/p/flow.ts"), expected, what);
});
