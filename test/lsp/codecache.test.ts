/**
 * The server's V8 code cache (server/src/boot.ts): the first start finds none and writes it once
 * its workspace sweep is done; the next start uses it; a damaged cache is rejected, the server
 * still answers and replaces it; FLOWSMITH_CODE_CACHE=off writes nothing; a cache directory that
 * cannot be made costs only the cache. Diagnostics are the same in every case.
 *
 * Needs `npm run build` (dist/server.js, dist/server-main.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import { makeWorkspace } from "../unit/helpers/workspace.ts";
import { LspClient, SERVER } from "./client.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

const ws = makeWorkspace();
ws.write(
  "flows/bad.ts",
  `import { task, workflow } from "flowsmith";
export const make = task(async () => ({ n: 1 }));
export const use = task(async ({ s }: { s: string }) => ({ ok: s.length > 0 }));
export const wf = workflow(() => ({ ok: use({ s: make().n }).ok }));
`,
);
const BAD = ws.path("flows/bad.ts");
const dirs: string[] = [];
after(() => {
  ws.cleanup();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function cacheDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-code-cache-test-"));
  dirs.push(dir);
  return path.join(dir, "cache");
}

const cacheFiles = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".v8cache")) : []);

/** Start a server, wait for its sweep and the diagnostics of bad.ts; say what it found of its cache. */
async function startOnce(env: NodeJS.ProcessEnv): Promise<{ state: string; codes: string[] }> {
  const client = await LspClient.start(ws.dir, {}, env);
  try {
    await client.waitFor("the workspace sweep", () => client.logs.some((l) => /analysed \d+ flow files/.test(l)), 60_000);
    const diagnostics = await client.diagnosticsOf(BAD);
    const state = /code cache (\w+)/.exec(client.logs.find((l) => l.includes("code cache")) ?? "")?.[1] ?? "none logged";
    // The cache is written right after the sweep: let that turn of the event loop pass.
    await new Promise((r) => setTimeout(r, 300));
    return { state, codes: diagnostics.map((d) => String(d.code)).sort() };
  } finally {
    await client.stop();
  }
}

test("the first start writes the code cache after its sweep, the next one uses it", async () => {
  const dir = cacheDir();
  const first = await startOnce({ FLOWSMITH_CODE_CACHE_DIR: dir });
  assert.equal(first.state, "miss");
  assert.ok(first.codes.includes("FS003"), `bad.ts wires a number into a string input (FS003): ${first.codes.join(", ")}`);
  const files = cacheFiles(dir);
  assert.equal(files.length, 1, `one cache file in ${dir}: ${files.join(", ")}`);
  assert.equal(fs.statSync(path.join(dir, files[0]!)).mode & 0o777, 0o600);
  const second = await startOnce({ FLOWSMITH_CODE_CACHE_DIR: dir });
  assert.equal(second.state, "hit");
  assert.deepEqual(second.codes, first.codes);
  assert.deepEqual(cacheFiles(dir), files);
});

test("a damaged cache is rejected and replaced; stale caches of other builds are removed", async () => {
  const dir = cacheDir();
  await startOnce({ FLOWSMITH_CODE_CACHE_DIR: dir });
  const [name] = cacheFiles(dir);
  const file = path.join(dir, name!);
  const good = fs.readFileSync(file);
  const damaged = Buffer.from(good);
  damaged.fill(0x5a, 0, 64); // V8's header: magic, version and checksum
  fs.writeFileSync(file, damaged);
  fs.writeFileSync(path.join(dir, "server-0123456789abcdef0123.v8cache"), "an older build's");
  const run = await startOnce({ FLOWSMITH_CODE_CACHE_DIR: dir });
  assert.equal(run.state, "rejected");
  assert.ok(run.codes.includes("FS003"));
  assert.deepEqual(cacheFiles(dir), [name]);
  assert.notDeepEqual(fs.readFileSync(file).subarray(0, 64), damaged.subarray(0, 64), "the damaged cache was replaced");
  assert.equal((await startOnce({ FLOWSMITH_CODE_CACHE_DIR: dir })).state, "hit");
});

test("FLOWSMITH_CODE_CACHE=off writes nothing; an unusable cache directory costs only the cache", async () => {
  const dir = cacheDir();
  const off = await startOnce({ FLOWSMITH_CODE_CACHE_DIR: dir, FLOWSMITH_CODE_CACHE: "off" });
  assert.equal(off.state, "off");
  assert.equal(fs.existsSync(dir), false);
  // A directory that cannot be made: a file stands where it would go.
  const blocker = cacheDir();
  fs.mkdirSync(path.dirname(blocker), { recursive: true });
  fs.writeFileSync(blocker, "not a directory");
  const blocked = await startOnce({ FLOWSMITH_CODE_CACHE_DIR: path.join(blocker, "sub") });
  assert.equal(blocked.state, "miss");
  assert.deepEqual(blocked.codes, off.codes);
});
