/**
 * `asset(path)` through the built CLI: a task receives the absolute path; the input's hash is the
 * content's (a file's bytes, a directory's sorted relative paths and file hashes); a changed asset
 * makes its readers and their downstream STALE in preview before anything runs, and runs them
 * again; an unchanged large directory is not re-read (shown through the size-and-mtime cache: a
 * file rewritten with the same size and mtime is taken from the cache, as git's index would); a
 * missing asset is one line.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { hashAsset } from "../../runtime/src/store/assets.ts";
import { assertCleanError, assertExit, makeWorkspace, ndjson, type Workspace } from "./helpers/workspace.ts";

const T = { timeout: 180_000 };

const FLOW = `import { task, workflow, asset } from "flowsmith";
import * as fs from "node:fs";
import * as path from "node:path";

const log = (line: string) => fs.appendFileSync("counter.log", line + "\\n");

export const listing = task(async ({ dir }: { dir: string }, ctx) => {
  log(ctx.node);
  return { dir, files: fs.readdirSync(dir).sort(), bytes: fs.readdirSync(dir).reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0) };
});
export const readOne = task(async ({ file }: { file: string }, ctx) => { log(ctx.node); return { text: fs.readFileSync(file, "utf8") }; });
export const summary = task(async ({ files, bytes }: { files: string[]; bytes: number }, ctx) => { log(ctx.node); return { line: files.length + " files, " + bytes + " bytes" }; });
export const other = task(async ({ n }: { n: number }, ctx) => { log(ctx.node); return { n }; });

export const data = workflow(() => {
  const l = listing({ dir: asset("data/raw") });
  const s = summary({ files: l.files, bytes: l.bytes });
  const one = readOne({ file: asset("data/config.txt") });
  const o = other({ n: 1 });
  return { line: s.line, text: one.text, dir: l.dir, n: o.n };
});

export const missing = workflow(() => { listing({ dir: asset("data/nope") }); });
`;

const OLD = new Date("2024-01-01T00:00:00Z");

function workspace(t: { after(fn: () => void): void }, files = 3): Workspace {
  const ws = makeWorkspace(t);
  ws.write("flows/flow.ts", FLOW);
  for (let i = 0; i < files; i++) ws.write(`flows/data/raw/f${String(i).padStart(4, "0")}.csv`, `row,${i}\n`.repeat(20));
  ws.write("flows/data/config.txt", "alpha");
  // Old mtimes: the cache trusts entries hashed well after their file last changed.
  const touchOld = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) touchOld(p);
      else fs.utimesSync(p, OLD, OLD);
    }
  };
  touchOld(ws.path("flows/data"));
  return ws;
}

async function run(ws: Workspace, target = "data") {
  const res = await ws.cli(["run", `flows/flow.ts#${target}`, "--no-check", "--events", "ndjson"]);
  const events = ndjson(res.stdout);
  const runId = events[0]?.runId as string;
  const record = JSON.parse(ws.read(path.join(".flowsmith/runs", runId, "run.json"))) as Record<string, any>;
  return { res, record, node: (id: string) => (record.nodes as Record<string, any>[]).find((n) => n.id === id) };
}

async function statuses(ws: Workspace): Promise<Record<string, string>> {
  const res = await ws.cli(["preview", "flows/flow.ts#data", "--format", "json"]);
  assertExit(res, 0);
  return Object.fromEntries((JSON.parse(res.stdout).nodes as { id: string; status: string }[]).map((n) => [n.id, n.status]));
}

describe("asset()", () => {
  test("the task gets the absolute path; records name the asset relative to the workspace root", T, async (t) => {
    const ws = workspace(t);
    const r = await run(ws);
    assertExit(r.res, 0);
    assert.equal(r.record.outputs[0].dir, ws.path("flows/data/raw"));
    assert.equal(r.record.outputs[0].line, "3 files, 360 bytes");
    assert.equal(r.record.outputs[0].text, "alpha");
    assert.deepEqual(r.node("listing")?.assets, ["flows/data/raw"]);
    const preview = JSON.parse((await ws.cli(["preview", "flows/flow.ts#data", "--format", "json"])).stdout);
    assert.deepEqual(preview.nodes.find((n: any) => n.id === "readOne").assets, ["flows/data/config.txt"]);
  });

  test("a changed asset: its readers and their downstream are STALE before anything runs, and run again", T, async (t) => {
    const ws = workspace(t);
    assertExit((await run(ws)).res, 0);
    assert.deepEqual(await statuses(ws), { listing: "complete", summary: "complete", readOne: "complete", other: "complete" });

    ws.write("flows/data/raw/f0001.csv", "changed\n");
    assert.deepEqual(await statuses(ws), { listing: "stale", summary: "stale", readOne: "complete", other: "complete" });
    ws.write("flows/data/config.txt", "beta");
    assert.equal((await statuses(ws)).readOne, "stale");

    const before = ws.counter().length;
    const again = await run(ws);
    assertExit(again.res, 0);
    assert.deepEqual(ws.counter().slice(before).sort(), ["listing", "readOne", "summary"]);
    assert.equal(again.record.outputs[0].text, "beta");
    assert.deepEqual(await statuses(ws), { listing: "complete", summary: "complete", readOne: "complete", other: "complete" });

    // A file added to the directory, then one removed: the directory's hash changes each time.
    ws.write("flows/data/raw/new.csv", "x\n");
    assert.equal((await statuses(ws)).listing, "stale");
    assertExit((await run(ws)).res, 0);
    fs.rmSync(ws.path("flows/data/raw/f0002.csv"));
    assert.equal((await statuses(ws)).listing, "stale");
    // Content-addressed: back to content seen before, the output made then is complete again.
    ws.write("flows/data/raw/f0002.csv", "row,2\n".repeat(20));
    assert.equal((await statuses(ws)).listing, "complete");
  });

  test("an unchanged large directory is not re-read: size and mtime come from the store's cache", T, async (t) => {
    const ws = workspace(t, 400);
    const first = await run(ws);
    assertExit(first.res, 0);
    // Rewrite a file with other bytes of the same size, and put its mtime back: only a re-read
    // would see it. Preview (and a run) take the cached hash: still complete, nothing re-runs.
    const file = ws.path("flows/data/raw/f0007.csv");
    const text = fs.readFileSync(file, "utf8");
    fs.writeFileSync(file, text.replace("row,7", "row,8"));
    fs.utimesSync(file, OLD, OLD);
    assert.equal((await statuses(ws)).listing, "complete");
    const before = ws.counter().length;
    assertExit((await run(ws)).res, 0);
    assert.equal(ws.counter().length, before, "nothing ran");
    // Touching it (a new mtime) makes it read again: now the content change is seen.
    fs.utimesSync(file, new Date(), new Date());
    assert.equal((await statuses(ws)).listing, "stale");

    // In-process: the second hash of an unchanged directory reads no file.
    const cache = fs.mkdtempSync(path.join(ws.dir, "cache-"));
    const dir = ws.path("flows/data/raw");
    fs.utimesSync(file, OLD, OLD);
    const cold = hashAsset(dir, cache);
    assert.equal(cold.files, 400);
    assert.equal(cold.filesRead, 400);
    const warm = hashAsset(dir, cache);
    assert.equal(warm.filesRead, 0);
    assert.equal(warm.hash, cold.hash);
    assert.equal(hashAsset(dir).hash, cold.hash, "the cache never changes the hash");
  });

  test("a missing asset fails its reader with one line naming it", T, async (t) => {
    const ws = workspace(t);
    const r = await run(ws, "missing");
    assertExit(r.res, 1);
    assert.match(r.node("listing")?.error, /asset .*data\/nope does not exist/);
    assertCleanError(await ws.cli(["run", "flows/flow.ts#nowhere", "--no-check"]));
  });
});
