/**
 * `flowsmith check` keeps its results with the journal of what it read (server/src/cli/checkCache.ts)
 * and loads the analysis bundle through a V8 code cache (runtime/src/util/codeCache.ts). Outcomes
 * only, never times: the same diagnostics and exit codes from a cold check, a cached one, a damaged
 * cache, two checks at once and with the caches off; an edit, a new file or a tsconfig change is
 * never answered from the cache; FS012 (stale) follows the store even when the rest is cached.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { makeWorkspace, runOk, type CliResult } from "./helpers/workspace.ts";

const TASKS = `import { task } from "flowsmith";
export const load = task({ name: "load" }, async ({ n }: { n: number }) => ({ rows: [n, n + 1] }));
export const sum = task({ name: "sum" }, async ({ rows }: { rows: number[] }) => ({ total: rows.length }));
`;
const FLOW = `import { workflow } from "flowsmith";
import { load, sum } from "./tasks";
export const main = workflow({}, () => {
  const data = load({ n: 2 });
  const s = sum({ rowz: data.rows });
  return { total: s.total };
});
`;
const TSCONFIG = `${JSON.stringify({ compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, noEmit: true, skipLibCheck: true, types: ["node"] } })}\n`;

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-check-cache-"));
const ws = makeWorkspace();
ws.write("tsconfig.json", TSCONFIG);
ws.write("flows/tasks.ts", TASKS);
ws.write("flows/flow.ts", FLOW);
after(() => {
  ws.cleanup();
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

const env = { FLOWSMITH_CODE_CACHE_DIR: cacheDir };
const check = (extra: NodeJS.ProcessEnv = {}, args: string[] = ["flows"]): Promise<CliResult> => ws.cli(["check", ...args], { env: { ...env, ...extra } });
const entries = (dir = cacheDir) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => /^check-.*\.json$/.test(n)) : []);
const entryMtime = () => fs.statSync(path.join(cacheDir, entries()[0]!)).mtimeMs;
const codeCaches = (dir = cacheDir) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => /^analysis-.*\.v8cache$/.test(n)) : []);

function assertBroken(res: CliResult): void {
  assert.equal(res.code, 1, res.stdout + res.stderr);
  assert.match(res.stdout, /flows\/flow\.ts:5:\d+ error FS001 task sum has no input "rowz"/);
  assert.match(res.stdout, /2 errors in 2 flow files/);
}

describe("check's caches", () => {
  let cold: CliResult;

  test("a cold check writes both caches; a second check answers the same from the kept results", async () => {
    cold = await check();
    assertBroken(cold);
    assert.equal(entries().length, 1, "one kept result");
    assert.equal(codeCaches().length, 1, "the analysis bundle's code cache");
    const before = entryMtime();
    const warm = await check();
    assert.deepEqual([warm.code, warm.stdout], [cold.code, cold.stdout]);
    assert.equal(entryMtime(), before, "answered from the kept results (not rewritten)");
    const json = await check({}, ["flows", "--format", "json"]);
    assert.equal(json.code, 1);
    assert.ok((JSON.parse(json.stdout) as { code: string }[]).some((d) => d.code === "FS001"));
  });

  test("damaged caches: the same answer, and both are replaced", async () => {
    fs.writeFileSync(path.join(cacheDir, entries()[0]!), '{"version":1,"files":["x"],"results":[],"journ');
    fs.writeFileSync(path.join(cacheDir, codeCaches()[0]!), Buffer.alloc(4096, 0x5a));
    const res = await check();
    assert.deepEqual([res.code, res.stdout], [cold.code, cold.stdout]);
    const kept = JSON.parse(fs.readFileSync(path.join(cacheDir, entries()[0]!), "utf8")) as { version: number };
    assert.equal(kept.version, 1, "the damaged entry was replaced");
  });

  test("an edit, a new flow file and a tsconfig change are never answered from the cache", async () => {
    ws.edit("flows/flow.ts", "rowz", "rows");
    const fixed = await check();
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    assert.match(fixed.stdout, /no problems in 2 flow files/);
    ws.write("flows/twice.ts", `import { task } from "flowsmith";\nexport const a = task({ name: "dup" }, async () => ({ x: 1 }));\nexport const b = task({ name: "dup" }, async () => ({ x: 2 }));\n`);
    const added = await check();
    assert.equal(added.code, 1);
    assert.match(added.stdout, /flows\/twice\.ts:3:\d+ error FS007/);
    fs.rmSync(ws.path("flows/twice.ts"));
    // strict off: an output that may be undefined fits again; the program's settings are read afresh.
    ws.write("flows/tasks.ts", TASKS.replace("({ rows: [n, n + 1] })", "({ rows: n > 0 ? [n, n + 1] : undefined })"));
    const strict = await check();
    assert.equal(strict.code, 1, `strict: undefined does not fit number[]\n${strict.stdout}`);
    assert.match(strict.stdout, /FS003/);
    ws.write("tsconfig.json", TSCONFIG.replace('"strict":true', '"strict":false'));
    const loose = await check();
    assert.equal(loose.code, 0, `strict off: it fits\n${loose.stdout}`);
    ws.write("tsconfig.json", TSCONFIG);
    ws.write("flows/tasks.ts", TASKS);
  });

  test("two checks at once (both computing): the same answers, and a usable entry after", async () => {
    ws.edit("flows/tasks.ts", "rows.length", "rows.length + 0");
    const [a, b] = await Promise.all([check(), check()]);
    assert.equal(a.code, 0, a.stdout + a.stderr);
    assert.deepEqual([b.code, b.stdout], [a.code, a.stdout]);
    const before = entryMtime();
    const c = await check();
    assert.deepEqual([c.code, c.stdout], [a.code, a.stdout]);
    assert.equal(entryMtime(), before, "the entry one of them wrote is used");
  });

  test("FS012 follows the store even when the rest comes from the cache", async () => {
    await runOk(ws, ["flows/flow.ts#main"]);
    ws.edit("flows/tasks.ts", "rows.length + 0", "rows.length + 0 * 1");
    const stale = await check();
    assert.match(stale.stdout, /information FS012 node sum is stale/);
    const before = entryMtime();
    await runOk(ws, ["flows/flow.ts#main"]);
    const fresh = await check();
    assert.equal(entryMtime(), before, "the code part came from the cache");
    assert.doesNotMatch(fresh.stdout, /FS012/, "the store has the new output: nothing is stale");
  });

  test("FLOWSMITH_CHECK_CACHE=off and FLOWSMITH_CODE_CACHE=off: the same answers, nothing written", async () => {
    const off = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-check-cache-off-"));
    try {
      ws.edit("flows/flow.ts", "sum({ rows:", "sum({ rowz:");
      const a = await check({ FLOWSMITH_CODE_CACHE_DIR: off, FLOWSMITH_CHECK_CACHE: "off" });
      assertBroken(a);
      assert.deepEqual(entries(off), [], "no kept results");
      fs.rmSync(off, { recursive: true, force: true });
      const b = await check({ FLOWSMITH_CODE_CACHE_DIR: off, FLOWSMITH_CODE_CACHE: "off" });
      assert.deepEqual([b.code, b.stdout], [a.code, a.stdout]);
      assert.deepEqual([entries(off), codeCaches(off)], [[], []], "neither cache written");
    } finally {
      fs.rmSync(off, { recursive: true, force: true });
    }
  });
});
