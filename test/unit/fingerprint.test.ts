import assert from "node:assert/strict";
import { test } from "node:test";
import ts from "typescript";
import {
  fingerprintTasks,
  fingerprintText,
  type FingerprintHost,
  type TaskFingerprint,
} from "../../runtime/src/analysis/fingerprint.ts";

type Files = Record<string, string>;

/** In-memory host that also records every path asked for. */
function memHost(files: Files): FingerprintHost & { asked: string[] } {
  const asked: string[] = [];
  return { asked, readFile: (p) => (asked.push(p), files[p]) };
}

function run(files: Files, entry = "/p/flow.ts"): Map<string, TaskFingerprint> {
  return fingerprintTasks(entry, memHost(files));
}

/** name → fingerprint, for compact comparisons. */
function fps(files: Files, entry = "/p/flow.ts"): Record<string, string> {
  return Object.fromEntries([...run(files, entry)].map(([k, v]) => [k, v.fingerprint]));
}

const FLOW = `import { task, workflow } from "flowsmith";
import { z } from "zod";
import { helper } from "./util";
import * as lodash from "lodash";

function load(url: string) { return fetch(url); }
const FACTOR = 3;
function unused() { return 1; }

export const getData = task({ name: "get-data", retries: 2 },
  async ({ url }: { url: string }, ctx) => ({ rows: await load(url) }));
export const clean = task(async ({ rows }: { rows: number[] }) => ({ rows: rows.map(r => r * FACTOR + helper(r)) }));
export const total = task(async ({ rows }: { rows: number[] }) => ({ sum: lodash.sum(rows) }));
export const pipeline = workflow({ params: z.object({ url: z.string() }) }, ({ url }) => {
  const d = getData({ url });
  return clean({ rows: d.rows });
});
`;
const UTIL = `export function helper(x: number) { return x + 1; }
export function other(x: number) { return x - 1; }
`;
const base = (): Files => ({ "/p/flow.ts": FLOW, "/p/util.ts": UTIL });

/** Edit one file of the base project. */
function edit(file: string, from: string, to: string, files = base()): Files {
  assert.ok(files[file].includes(from), `fixture edit: ${from}`);
  return { ...files, [file]: files[file].replace(from, to) };
}

/** Which task names got a different fingerprint between two projects. */
function changed(a: Files, b: Files, entry?: string): string[] {
  const x = fps(a, entry), y = fps(b, entry);
  assert.deepEqual(Object.keys(x).sort(), Object.keys(y).sort());
  return Object.keys(x).filter((k) => x[k] !== y[k]).sort();
}

test("finds the tasks with 16-hex fingerprints and offsets of the task() call", () => {
  const m = run(base());
  assert.deepEqual([...m.keys()], ["get-data", "clean", "total"]);
  for (const t of m.values()) {
    assert.match(t.fingerprint, /^[0-9a-f]{16}$/);
    assert.equal(t.file, "/p/flow.ts");
    const call = FLOW.slice(t.start, t.end);
    assert.match(call, /^task\(/);
    assert.match(call, /\)$/);
  }
  assert.equal(FLOW.slice(m.get("clean")!.start, m.get("clean")!.end).includes("FACTOR"), true);
  // distinct tasks, distinct fingerprints
  assert.equal(new Set([...m.values()].map((t) => t.fingerprint)).size, 3);
});

test("comments, whitespace, line breaks, quotes, semicolons and trailing commas do not matter", () => {
  const reformatted = `import { task, workflow } from 'flowsmith'
import { z } from 'zod'
import { helper } from './util'
import * as lodash from 'lodash'

/** Loads the url. */
function load(
  url: string, // the url
) {
  return fetch(url) /* inline */
}
const FACTOR = 3 // three
function unused() { return 1 }

export const getData = task(
  {
    name: 'get-data',
    retries: 2,
  },
  async ({ url }: { url: string }, ctx) => ({
    rows: await load(url),
  }),
)
export const clean = task(async ({ rows }: { rows: number[] }) =>
  ({ rows: rows.map(r =>
    r * FACTOR + helper(r)) }))
export const total = task(async ({ rows }: { rows: number[]; }) => ({ sum: lodash.sum(rows) }))
`;
  const utilReformatted = `// util
export function helper(x: number) {
    return x + 1
}
`;
  assert.deepEqual(fps({ "/p/flow.ts": reformatted, "/p/util.ts": utilReformatted }), fps(base()));
});

test("editing one task's body changes only that task", () => {
  assert.deepEqual(changed(base(), edit("/p/flow.ts", "r * FACTOR", "r * FACTOR * 2")), ["clean"]);
  assert.deepEqual(changed(base(), edit("/p/flow.ts", "retries: 2", "retries: 3")), ["get-data"]);
});

test("editing a same-file helper changes only the tasks that reference it", () => {
  assert.deepEqual(changed(base(), edit("/p/flow.ts", "return fetch(url);", "return fetch(url + '?');")), ["get-data"]);
  assert.deepEqual(changed(base(), edit("/p/flow.ts", "const FACTOR = 3;", "const FACTOR = 4;")), ["clean"]);
  // code nobody references, and the workflow body, are in no task's fingerprint
  assert.deepEqual(changed(base(), edit("/p/flow.ts", "return 1;", "return 2;")), []);
  assert.deepEqual(changed(base(), edit("/p/flow.ts", "return clean({ rows: d.rows });", "return clean({ rows: [] });")), []);
});

test("helpers are followed transitively, including types and multi-declarator statements", () => {
  const files: Files = {
    "/p/flow.ts": `import { task } from "flowsmith";
interface Row { v: number }
const A = 1, B = 2;
function inner(r: Row) { return r.v * A; }
function outer(rs: Row[]) { return rs.map(inner); }
export const t = task(async ({ rows }: { rows: Row[] }) => ({ out: outer(rows) }));
export const u = task(async () => ({ b: B }));
`,
  };
  assert.deepEqual(changed(files, edit("/p/flow.ts", "r.v * A", "r.v * A + 1", files)), ["t"]);
  assert.deepEqual(changed(files, edit("/p/flow.ts", "v: number", "v: number; w?: string", files)), ["t"]);
  assert.deepEqual(changed(files, edit("/p/flow.ts", "B = 2", "B = 3", files)), ["u"]);
  assert.deepEqual(changed(files, edit("/p/flow.ts", "A = 1", "A = 5", files)), ["t"]);
});

test("a helper in an imported relative file is part of the fingerprint; other exports are not", () => {
  assert.deepEqual(changed(base(), edit("/p/util.ts", "x + 1", "x + 2")), ["clean"]);
  assert.deepEqual(changed(base(), edit("/p/util.ts", "x - 1", "x - 2")), []);
});

test("relative resolution: .js→.ts, index.ts, aliases, default, re-exports and export *", () => {
  const files: Files = {
    "/p/flow.ts": `import { task } from "flowsmith";
import { a } from "./lib/a.js";
import b from "./lib/b";
import { cee } from "./lib";
import * as ns from "./lib/ns";
export const ta = task(async () => ({ v: a() }));
export const tb = task(async () => ({ v: b(1) }));
export const tc = task(async () => ({ v: cee() }));
export const tn = task(async () => ({ v: ns.deep() }));
`,
    "/p/lib/a.ts": `function impl() { return "a1"; }\nexport { impl as a };\n`,
    "/p/lib/b.ts": `export default function (x: number) { return x + 10; }\n`,
    "/p/lib/index.ts": `export { c as cee } from "./c";\n`,
    "/p/lib/c.ts": `export const c = () => "c1";\n`,
    "/p/lib/ns.ts": `export * from "./deep";\nexport const unrelated = 1;\n`,
    "/p/lib/deep.mts": `export function deep() { return "d1"; }\n`,
  };
  assert.equal(run(files).size, 4);
  assert.deepEqual(changed(files, edit("/p/lib/a.ts", '"a1"', '"a2"', files)), ["ta"]);
  assert.deepEqual(changed(files, edit("/p/lib/b.ts", "x + 10", "x + 11", files)), ["tb"]);
  assert.deepEqual(changed(files, edit("/p/lib/c.ts", '"c1"', '"c2"', files)), ["tc"]);
  assert.deepEqual(changed(files, edit("/p/lib/deep.mts", '"d1"', '"d2"', files)), ["tn"]);
  assert.deepEqual(changed(files, edit("/p/lib/ns.ts", "unrelated = 1", "unrelated = 2", files)), []);
});

test("a local namespace used as a value includes everything it exports, through export * cycles", () => {
  const files: Files = {
    "/p/flow.ts": `import { task } from "flowsmith";\nimport * as u from "./u";\nexport const t = task(async () => ({ v: Object.keys(u) }));\n`,
    "/p/u.ts": `export * from "./v";\nexport const x = 1;\nexport function y() { return 2; }\n`,
    "/p/v.ts": `export * from "./u";\nexport const w = "w1";\n`,
  };
  assert.deepEqual(changed(files, edit("/p/u.ts", "return 2", "return 3", files)), ["t"]);
  assert.deepEqual(changed(files, edit("/p/v.ts", '"w1"', '"w2"', files)), ["t"]);
});

test("default-exported expressions and imported JSON are followed", () => {
  const files: Files = {
    "/p/flow.ts": `import { task } from "flowsmith";
import conf from "./conf";
import data from "./data.json";
export const t = task(async () => ({ c: conf, n: data.n }));
`,
    "/p/conf.ts": `const make = (n: number) => ({ n });\nexport default make(1);\n`,
    "/p/data.json": `{ "n": 1 }`,
  };
  assert.deepEqual(changed(files, edit("/p/conf.ts", "make(1)", "make(2)", files)), ["t"]);
  assert.deepEqual(changed(files, edit("/p/conf.ts", "({ n })", "({ n: n + 1 })", files)), ["t"]);
  assert.deepEqual(changed(files, edit("/p/data.json", "1", "2", files)), ["t"]);
});

test("packages count by specifier and imported name only, and are never read", () => {
  const host = memHost(base());
  fingerprintTasks("/p/flow.ts", host);
  assert.ok(!host.asked.some((p) => /lodash|zod|flowsmith/.test(p)), host.asked.join(", "));
  assert.deepEqual(changed(base(), edit("/p/flow.ts", 'from "lodash"', 'from "lodash-es"')), ["total"]);
  assert.deepEqual(changed(base(), edit("/p/flow.ts", "lodash.sum(rows)", "lodash.sumBy(rows)")), ["total"]);
});

test("task may be aliased, namespaced, or re-exported by a local file", () => {
  const files: Files = {
    "/p/flow.ts": `import { task as t } from "flowsmith";
import * as fs from "flowsmith";
import { task as viaNamed } from "./sdk";
import { task as viaStar } from "./sdk-star";
import * as local from "./sdk-star";
export const a = t(async () => ({}));
export const b = fs.task(async () => ({}));
export const c = viaNamed(async () => ({}));
export const d = viaStar(async () => ({}));
export const e = local.task(async () => ({}));
`,
    "/p/sdk.ts": `export { task } from "flowsmith";\n`,
    "/p/sdk-star.ts": `export * from "flowsmith";\n`,
  };
  assert.deepEqual([...run(files).keys()], ["a", "b", "c", "d", "e"]);
});

test("a call named task that is not flowsmith's task is not a task", () => {
  const files: Files = {
    "/p/flow.ts": `import { task as realTask } from "flowsmith";
import { task } from "other-lib";
import * as fs from "fs-extra";
import { task as mine } from "./mine";
export const a = task(async () => ({}));
export const b = fs.task(async () => ({}));
export const c = mine(async () => ({}));
export const d = realTask.task(async () => ({}));
export const ok = realTask(async () => ({}));
`,
    "/p/mine.ts": `export function task(f: unknown) { return f; }\n`,
  };
  assert.deepEqual([...run(files).keys()], ["ok"]);
  // a local declaration named task shadows nothing from flowsmith
  const local: Files = { "/p/flow.ts": `function task(f: unknown) { return f; }\nexport const a = task(() => 1);\n` };
  assert.equal(run(local).size, 0);
});

test("naming: name option, then export name (export { x as y }), then variable name", () => {
  const files: Files = {
    "/p/flow.ts": `import { task } from "flowsmith";
export const opt = task({ name: "from-option" }, async () => ({}));
const inner = task(async () => ({}));
const hidden = task(async () => ({}));
export const direct = task(async () => ({}));
const tpl = task({ name: \`tpl-name\` }, async () => ({}));
export { inner as outer };
`,
  };
  assert.deepEqual([...run(files).keys()].sort(), ["direct", "from-option", "hidden", "outer", "tpl-name"]);
});

test("a change inside a template literal (or regex) changes the fingerprint", () => {
  const files: Files = {
    "/p/flow.ts": `import { task } from "flowsmith";
function label(x: number) { return \`id-\${x}-\${\`n\${x}\`}\`; }
export const t = task(async ({ x }: { x: number }) => ({ s: label(x) + \`/x//\${x} \` }));
export const r = task(async ({ s }: { s: string }) => ({ ok: /[/*]ab/.test(s) }));
`,
  };
  assert.deepEqual(changed(files, edit("/p/flow.ts", "id-", "id_", files)), ["t"]);
  assert.deepEqual(changed(files, edit("/p/flow.ts", "`n${x}`", "`m${x}`", files)), ["t"]);
  assert.deepEqual(changed(files, edit("/p/flow.ts", "/x//", "/x///", files)), ["t"]);
  assert.deepEqual(changed(files, edit("/p/flow.ts", "${x} `", "${x}  `", files)), ["t"]);
  assert.deepEqual(changed(files, edit("/p/flow.ts", "[/*]ab", "[/*]ac", files)), ["r"]);
});

test("JSX helpers in a .tsx file: re-indenting markup is neutral, text edits are not", () => {
  const files: Files = {
    "/p/flow.ts": `import { task } from "flowsmith";\nimport { View } from "./view";\nexport const t = task(async () => ({ html: View }));\n`,
    "/p/view.tsx": `export const View = ({ x }: { x: number }) => (\n  <div className="v">\n    {x}  items // not a comment\n    <b>// bold</b>\n  </div>\n);\n`,
  };
  const reindented = edit("/p/view.tsx", "\n    {x}  items", "\n        {x}  items", files);
  assert.deepEqual(changed(files, reindented), []);
  assert.deepEqual(changed(files, edit("/p/view.tsx", "{x}  items", "{x} items", files)), ["t"]);
  assert.deepEqual(changed(files, edit("/p/view.tsx", "not a comment", "not a comment!", files)), ["t"]);
  assert.deepEqual(changed(files, edit("/p/view.tsx", "// bold", "// bolder", files)), ["t"]);
  assert.deepEqual(changed(files, edit("/p/view.tsx", 'className="v"', "className='w'", files)), ["t"]);
});

test("a file with syntax errors does not throw and still yields the tasks it can see", () => {
  const files: Files = {
    "/p/flow.ts": `import { task } from "flowsmith";
import { x } from "./broken";
export const good = task(async () => ({ v: x }));
export const bad = task(async ({ a }: { a: number }) => ({ v: a + }));
function oops( { return
`,
    "/p/broken.ts": "export const x = `unterminated ${ (",
  };
  let m!: Map<string, TaskFingerprint>;
  assert.doesNotThrow(() => (m = run(files)));
  assert.ok(m.has("good"));
  assert.match(m.get("good")!.fingerprint, /^[0-9a-f]{16}$/);
  assert.doesNotThrow(() => fingerprintText("}{ ` ${ /* "));
});

test("missing files are skipped", () => {
  assert.equal(run({}).size, 0);
  const files: Files = {
    "/p/flow.ts": `import { task } from "flowsmith";\nimport { gone } from "./gone";\nexport const t = task(async () => ({ v: gone() }));\n`,
  };
  assert.deepEqual([...run(files).keys()], ["t"]);
});

test("import and re-export cycles terminate, and edits across the cycle still count", () => {
  const files: Files = {
    "/p/flow.ts": `import { task } from "flowsmith";\nimport { even } from "./a";\nexport * from "./a";\nexport const t = task(async ({ n }: { n: number }) => ({ e: even(n) }));\n`,
    "/p/a.ts": `import { odd } from "./b";\nexport * from "./b";\nexport * from "../p/flow";\nexport function even(n: number): boolean { return n === 0 || odd(n - 1); }\n`,
    "/p/b.ts": `import { even, missing } from "./a";\nexport * from "./a";\nexport function odd(n: number): boolean { return n !== 0 && even(n - 1) && !missing; }\n`,
  };
  assert.deepEqual([...run(files).keys()], ["t"]);
  assert.deepEqual(changed(files, edit("/p/b.ts", "n !== 0", "n > 0", files)), ["t"]);
});

test("tasks in imported local files are found, and a task's fingerprint does not depend on the entry", () => {
  const files: Files = {
    ...base(),
    "/p/util.ts": UTIL + `import { task } from "flowsmith";\nexport const utilTask = task(async () => ({ v: helper(1) }));\n`,
    "/p/flow.ts": FLOW + `export const clash = task({ name: "utilTask" }, async () => ({}));\n`,
  };
  const fromFlow = run(files);
  const fromUtil = run(files, "/p/util.ts");
  // the entry file wins a name clash
  assert.equal(fromFlow.get("utilTask")!.file, "/p/flow.ts");
  const onlyUtil = { ...files, "/p/flow.ts": FLOW };
  assert.equal(run(onlyUtil).get("utilTask")!.file, "/p/util.ts");
  assert.equal(run(onlyUtil).get("utilTask")!.fingerprint, fromUtil.get("utilTask")!.fingerprint);
  assert.deepEqual(changed(onlyUtil, edit("/p/util.ts", "x + 1", "x + 5", onlyUtil)), ["clean", "utilTask"]);
});

test("fingerprintText: 16 hex chars, ignores trivia, sees every token", () => {
  const a = fingerprintText("const a = 1; // one\n");
  assert.match(a, /^[0-9a-f]{16}$/);
  assert.equal(fingerprintText("const   a=1\n/* c */"), a);
  assert.notEqual(fingerprintText("const a = 2;"), a);
  assert.notEqual(fingerprintText("f(`a${x}b`)"), fingerprintText("f(`a${x}c`)"));
  // normalisation never merges programs that differ
  assert.notEqual(fingerprintText("a\n(b)"), fingerprintText("a;(b)"));
  assert.notEqual(fingerprintText("x = [,]"), fingerprintText("x = []"));
  assert.notEqual(fingerprintText("x = [a,,]"), fingerprintText("x = [a,]"));
  assert.equal(fingerprintText("f(a, b,)"), fingerprintText("f(a, b)"));
});

test("a 1,000-line flow fingerprints quickly", () => {
  let src = `import { task } from "flowsmith";\n`;
  for (let i = 0; i < 100; i++) {
    src += `/** helper ${i} */\nfunction helper${i}(x: number): number {\n  const y = x * ${i};\n  // comment\n  return y + \`t\${x}\`.length;\n}\n`;
    src += `export const t${i} = task({ name: "t${i}" },\n  async ({ a }: { a: number }) => {\n    return { out: helper${i}(a) };\n  });\n\n`;
  }
  const files = { "/p/flow.ts": src };
  run(files); // warm up the JIT
  // Against a baseline in the same process (a shared machine's speed moves 2–3× between runs):
  // parsing the text once with TypeScript, which any fingerprint must do. Best of 5 each.
  const best = (f: () => void) => {
    let min = Infinity;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      f();
      min = Math.min(min, performance.now() - t0);
    }
    return min;
  };
  const parse = best(() => ts.createSourceFile("/p/flow.ts", src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS));
  const fingerprint = best(() => assert.equal(run(files).size, 100));
  assert.ok(fingerprint < 4 * parse + 10, `fingerprints ${fingerprint.toFixed(1)} ms, one parse ${parse.toFixed(1)} ms`);
});
