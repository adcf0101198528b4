/**
 * Issue 7: bad input to the language server. Thousands of mutated flow files (token deletions and
 * insertions, truncation, random bytes) go through the real server over stdio; every request must
 * be answered, nothing may crash or reject unhandled. Then the pathological cases: a 5 MB file,
 * deeply nested expressions, circular imports, a file deleted while open, non-UTF-8 bytes.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { makeWorkspace } from "../unit/helpers/workspace.js";
import { LspClient, SERVER } from "./client.js";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

const DOCUMENTS = Number(process.env.FLOWSMITH_FUZZ_DOCS ?? 2000);
const REPO = path.resolve(__dirname, "../..");
const SEEDS = [
  "examples/pipeline/flow.ts",
  "examples/my_wf/flow.ts",
  "examples/subflow/flow.ts",
  "examples/long_running/flow.ts",
  "test/fixtures/diagnostics/broken.ts",
].map((f) => fs.readFileSync(path.join(REPO, f), "utf8"));

const ws = makeWorkspace();
let client: LspClient;
const logs: string[] = [];

before(async () => {
  client = await LspClient.start(ws.dir);
  client.connection.onNotification("window/logMessage", (p: { message: string }) => logs.push(p.message));
});

after(async () => {
  await client?.stop();
  ws.cleanup();
});

/** A small deterministic PRNG so a failure can be replayed from its document number. */
function prng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const TOKENS = ["(", ")", "{", "}", "[", "]", ".", ",", ";", "=>", "await ", "if (", "...", "task(", "workflow(", "`${", "/*", "'", '"', "as ", "\u0000", "\uFFFF", "0x", "<", ">"];

function mutate(text: string, rnd: () => number): string {
  const kind = Math.floor(rnd() * 5);
  const at = Math.floor(rnd() * text.length);
  switch (kind) {
    case 0: {
      // delete a span of tokens
      const len = 1 + Math.floor(rnd() * 40);
      return text.slice(0, at) + text.slice(at + len);
    }
    case 1: {
      const tok = TOKENS[Math.floor(rnd() * TOKENS.length)]!;
      return text.slice(0, at) + tok + text.slice(at);
    }
    case 2:
      return text.slice(0, at); // truncation
    case 3: {
      // random bytes (as UTF-16 code units, lone surrogates included)
      let junk = "";
      for (let i = 0; i < 1 + rnd() * 30; i++) junk += String.fromCharCode(Math.floor(rnd() * 0xffff));
      return text.slice(0, at) + junk + text.slice(at);
    }
    default: {
      // swap two lines
      const lines = text.split("\n");
      const a = Math.floor(rnd() * lines.length);
      const b = Math.floor(rnd() * lines.length);
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return lines.join("\n");
    }
  }
}

async function answered<T>(what: string, p: Promise<T>, ms = 20_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return (await Promise.race([p.then(() => true as const), timeout])) === true;
  } catch (error) {
    // An error response is an answer too (e.g. a request for a closed document), not a hang.
    return error instanceof Error && !/disposed|closed/i.test(error.message) ? true : (() => { throw new Error(`${what}: ${String(error)}`); })();
  } finally {
    clearTimeout(timer);
  }
}

test(`fuzz: ${DOCUMENTS} mutated flow documents through the server over stdio`, { timeout: 300_000 }, async () => {
  const rnd = prng(20261122);
  const files = Array.from({ length: 4 }, (_, i) => ws.path(`fuzz${i}.ts`));
  const texts = files.map((_, i) => SEEDS[i % SEEDS.length]!);
  files.forEach((f, i) => client.open(f, texts[i]!));
  let unanswered = 0;
  for (let n = 0; n < DOCUMENTS; n++) {
    const i = n % files.length;
    // Mutations accumulate for a while, then restart from a clean seed.
    const base = rnd() < 0.2 ? SEEDS[Math.floor(rnd() * SEEDS.length)]! : texts[i]!;
    let text = mutate(base, rnd);
    if (text.length > 200_000) text = text.slice(0, 200_000);
    texts[i] = text;
    client.change(files[i]!, text);
    const uri = client.uri(files[i]!);
    const line = Math.floor(rnd() * Math.max(1, text.split("\n").length));
    const requests: Promise<unknown>[] = [client.request("textDocument/codeLens", { textDocument: { uri } })];
    if (n % 3 === 0) requests.push(client.request("textDocument/hover", { textDocument: { uri }, position: { line, character: Math.floor(rnd() * 40) } }));
    if (n % 5 === 0) requests.push(client.request("textDocument/documentSymbol", { textDocument: { uri } }));
    if (n % 50 === 0) requests.push(client.request("flowsmith/flows", {}));
    // Completion and quick fixes (editor/completion.ts, codeActions.ts), at the place the mutation may have broken.
    const character = Math.floor(rnd() * 60);
    if (n % 3 === 1) requests.push(client.completion(files[i]!, { line, character }, rnd() < 0.5 ? { triggerKind: 2, triggerCharacter: ".:{, "[Math.floor(rnd() * 5)]! } : { triggerKind: 1 }));
    if (n % 3 === 2) {
      const range = { start: { line, character }, end: { line, character: character + 10 } };
      const diagnostics = ["FS001", "FS002", "FS004", "FS005", "FS010"].map((code) => ({ range, code, source: "flowsmith", message: code }));
      requests.push(client.codeActions(files[i]!, range, diagnostics));
    }
    for (const r of requests) if (!(await answered(`document ${n}`, r))) unanswered++;
  }
  const crashes = logs.filter((l) => /uncaught exception|unhandled rejection/i.test(l)).length + (client.child.exitCode === null ? 0 : 1);
  console.log(`fuzz documents: ${DOCUMENTS}, crashes: ${crashes}, unanswered requests: ${unanswered}`);
  assert.equal(client.child.exitCode, null, "the server is still running");
  assert.equal(crashes, 0, logs.filter((l) => /uncaught|unhandled/i.test(l)).join("\n"));
  assert.equal(unanswered, 0);
  // Their handlers answer through the server's guard; a failure there is a bug, not bad input.
  assert.deepEqual(logs.filter((l) => /(completion|code actions) failed/.test(l)), []);
  for (const f of files) client.close(f);
});

test("a 5 MB file, deep nesting, circular imports, a file deleted while open, non-UTF-8 bytes", { timeout: 120_000 }, async () => {
  // 5 MB of valid-looking flow code.
  const big = ws.path("big.ts");
  const chunk = SEEDS[0]!.replace(/export const (\w+)/g, (_m, n: string) => `const ${n}_${Math.random().toString(36).slice(2, 8)}`);
  let text = "";
  while (text.length < 5 * 1024 * 1024) text += chunk;
  client.open(big, text);
  assert.ok(await answered("big codeLens", client.request("textDocument/codeLens", { textDocument: { uri: client.uri(big) } }), 60_000));
  client.close(big);

  // Deeply nested expressions.
  const deep = ws.path("deep.ts");
  const nested = `import { task, workflow } from "flowsmith";\nexport const t = task(async ({ n }: { n: number }) => ({ n }));\nexport const w = workflow(() => { const x = ${"(".repeat(3000)}1${")".repeat(3000)}; const y = ${"[".repeat(2000)}${"]".repeat(2000)}; return { o: t({ n: x }).n }; });\n`;
  client.open(deep, nested);
  assert.ok(await answered("deep diagnostics", client.diagnosticsOf(deep)));
  assert.ok(await answered("deep hover", client.request("textDocument/hover", { textDocument: { uri: client.uri(deep) }, position: { line: 2, character: 40 } })));

  // Circular imports between flow files.
  ws.write("a.ts", `import { task, workflow } from "flowsmith";\nimport { tb } from "./b";\nexport const ta = task(async ({ v }: { v: number }) => ({ v }));\nexport const wa = workflow(() => ({ o: tb({ v: ta({ v: 1 }).v }).v }));\n`);
  ws.write("b.ts", `import { task, workflow } from "flowsmith";\nimport { ta, wa } from "./a";\nexport const tb = task(async ({ v }: { v: number }) => ({ v }));\nexport const wb = workflow(() => { const s = wa(); return { o: ta({ v: s.o }).v }; });\n`);
  client.open(ws.path("a.ts"), ws.read("a.ts"));
  client.open(ws.path("b.ts"), ws.read("b.ts"));
  const da = await client.diagnosticsOf(ws.path("a.ts"));
  assert.ok(Array.isArray(da));
  assert.ok(await answered("flows with cycles", client.request("flowsmith/flows", {})));

  // A file deleted while open (the editor still has it; the disk does not).
  const gone = ws.path("gone.ts");
  ws.write("gone.ts", SEEDS[0]!);
  client.open(gone, SEEDS[0]!);
  await client.diagnosticsOf(gone);
  fs.rmSync(gone);
  await client.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: client.uri(gone), type: 3 }] });
  assert.ok(await answered("lens of deleted", client.request("textDocument/codeLens", { textDocument: { uri: client.uri(gone) } })));
  client.close(gone);
  assert.ok(await answered("graph after delete", client.request("flowsmith/graph", { target: "gone.ts#pipeline" })));

  // Non-UTF-8 bytes on disk, picked up by workspace discovery.
  fs.writeFileSync(ws.path("latin1.ts"), Buffer.concat([Buffer.from('import { task } from "flowsmith";\n// caf'), Buffer.from([0xe9, 0xff, 0xfe, 0x00]), Buffer.from("\nexport const t = task(async () => ({ ok: true }));\n")]));
  await client.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: client.uri(ws.path("latin1.ts")), type: 1 }] });
  assert.ok(await answered("flows with latin1", client.request("flowsmith/flows", {})));
  assert.ok(await answered("lens latin1", client.request("textDocument/codeLens", { textDocument: { uri: client.uri(ws.path("latin1.ts")) } })));

  assert.equal(client.child.exitCode, null, "the server is still running");
  const crashes = logs.filter((l) => /uncaught exception|unhandled rejection/i.test(l));
  assert.deepEqual(crashes, []);
});
