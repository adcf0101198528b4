/**
 * Issue 21, item 7: bad composition documents through the language server. 2,000 mutated
 * `*.flows.yaml` documents (insertions, deletions and swaps of characters and lines from the valid
 * example, random YAML, empty, huge) go through the real server over stdio; every request
 * (diagnostics, completion, hover, definition, symbols, lenses, code actions, flows, graph) is
 * answered and nothing crashes. A composition naming a file that does not exist or does not parse
 * gets one clear diagnostic at its `flow:` value.
 *
 * Needs `npm run build` (dist/server.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { makeWorkspace, REPO } from "../unit/helpers/workspace.ts";
import { LspClient, SERVER } from "./client.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

const DOCUMENTS = Number(process.env.FLOWSMITH_FUZZ_DOCS ?? 2000);
const EXAMPLE = path.join(REPO, "examples/composition");
const SEED = fs.readFileSync(path.join(EXAMPLE, "nightly.flows.yaml"), "utf8");

const ws = makeWorkspace();
let client: LspClient;
const logs: string[] = [];

before(async () => {
  ws.write("examples/tsconfig.json", fs.readFileSync(path.join(REPO, "examples/tsconfig.json"), "utf8"));
  for (const f of ["pipelines/ingest.ts", "pipelines/train.ts"]) ws.write(`examples/composition/${f}`, fs.readFileSync(path.join(EXAMPLE, f), "utf8"));
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

const TOKENS = [":", "- ", "{", "}", "[", "]", ",", "#", "&a ", "*a", "!!binary ", "!!timestamp ", "? ", "|", ">", "'", '"', "\t", "---\n", "...\n", "%YAML 1.2\n", "\u0000", "\uFFFF", "<<: *a", ".inf", "0x1F", "2026-12-07", "  ", "\n"];

function randomYaml(rnd: () => number, depth = 0): string {
  const key = () => ["name", "flow", "composing_flows", "parameters", "mapped_parameters", "parent_flow_name", "parent_task_name", "output", "map_type", "attribute_index", "x"][Math.floor(rnd() * 11)]!;
  const scalar = () => [`${Math.floor(rnd() * 100)}`, "true", "null", "ingest", "clean", "pipelines/ingest.ts#ingest", "db", "'q'", "[1, a]", "{ a: 1 }", "~"][Math.floor(rnd() * 11)]!;
  const pad = "  ".repeat(depth);
  let out = "";
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    const list = rnd() < 0.3 ? "- " : "";
    out += depth < 4 && rnd() < 0.4 ? `${pad}${list}${key()}:\n${randomYaml(rnd, depth + 1)}` : `${pad}${list}${key()}: ${scalar()}\n`;
  }
  return out;
}

function mutate(text: string, rnd: () => number): string {
  const kind = Math.floor(rnd() * 7);
  const at = Math.floor(rnd() * (text.length + 1));
  switch (kind) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(rnd() * 30));
    case 1:
      return text.slice(0, at) + TOKENS[Math.floor(rnd() * TOKENS.length)]! + text.slice(at);
    case 2: {
      // swap two characters
      const b = Math.floor(rnd() * text.length);
      const chars = [...text];
      [chars[at], chars[b]] = [chars[b] ?? "", chars[at] ?? ""];
      return chars.join("");
    }
    case 3: {
      const lines = text.split("\n");
      const a = Math.floor(rnd() * lines.length);
      const b = Math.floor(rnd() * lines.length);
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return lines.join("\n");
    }
    case 4: {
      const lines = text.split("\n");
      lines.splice(Math.floor(rnd() * lines.length), 1 + Math.floor(rnd() * 3));
      return lines.join("\n");
    }
    case 5: {
      let junk = "";
      for (let i = 0; i < 1 + rnd() * 20; i++) junk += String.fromCharCode(Math.floor(rnd() * 0xffff));
      return text.slice(0, at) + junk + text.slice(at);
    }
    default: {
      // duplicate a line somewhere else
      const lines = text.split("\n");
      lines.splice(Math.floor(rnd() * lines.length), 0, lines[Math.floor(rnd() * lines.length)]!);
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
    throw new Error(`${what}: ${String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

test(`fuzz: ${DOCUMENTS} mutated composition documents through the server over stdio`, { timeout: 600_000 }, async () => {
  const rnd = prng(20261207);
  const files = Array.from({ length: 3 }, (_, i) => ws.path(`examples/composition/fuzz${i}.flows.yaml`));
  const texts = files.map(() => SEED);
  files.forEach((f, i) => client.open(f, texts[i]!));
  let unanswered = 0;
  let published = 0;
  for (let n = 0; n < DOCUMENTS; n++) {
    const i = n % files.length;
    const roll = rnd();
    let text: string;
    if (roll < 0.02) text = "";
    else if (roll < 0.03) text = SEED.repeat(400 + Math.floor(rnd() * 400)); // huge: hundreds of documents' worth of text
    else if (roll < 0.1) text = randomYaml(rnd);
    else if (roll < 0.25) text = mutate(SEED, rnd);
    else text = mutate(texts[i]!.length > 100_000 ? SEED : texts[i]!, rnd);
    texts[i] = text;
    client.change(files[i]!, text);
    const uri = client.uri(files[i]!);
    const lines = text.split("\n");
    const line = Math.floor(rnd() * Math.max(1, lines.length));
    const character = Math.floor(rnd() * ((lines[line]?.length ?? 0) + 3));
    const position = { line, character };
    const requests: Promise<unknown>[] = [
      client.completion(files[i]!, position, { triggerKind: 1 }),
      client.request("textDocument/hover", { textDocument: { uri }, position }),
      client.request("textDocument/definition", { textDocument: { uri }, position }),
    ];
    if (n % 2 === 0) requests.push(client.request("textDocument/codeLens", { textDocument: { uri } }));
    if (n % 2 === 1) requests.push(client.request("textDocument/documentSymbol", { textDocument: { uri } }));
    if (n % 5 === 0) {
      const range = { start: position, end: { line, character: character + 5 } };
      requests.push(client.codeActions(files[i]!, range, [{ range, code: "FS011", source: "flowsmith", message: "FS011", severity: 1 }]));
    }
    if (n % 100 === 0) requests.push(client.request("flowsmith/flows", {}), client.request("flowsmith/graph", { target: `examples/composition/fuzz${i}.flows.yaml#nightly` }));
    for (const r of requests) if (!(await answered(`document ${n}`, r))) unanswered++;
    // Diagnostics come for the text as it is now (the edits of a burst coalesce; every 50th waits for its own).
    if (n % 50 === 49) {
      // A text never published before (the burst's texts may have coalesced into one seen already).
      client.change(files[i]!, (texts[i] = `${text}\n# checkpoint ${n}\n`));
      const d = await client.waitFor(() => `diagnostics of document ${n} (${text.length} characters); server log: ${logs.slice(-3).join(" / ")}`, () => client.diagnostics.get(uri), 30_000);
      assert.ok(Array.isArray(d));
      published++;
    }
  }
  const crashes = logs.filter((l) => /uncaught exception|unhandled rejection/i.test(l)).length + (client.child.exitCode === null ? 0 : 1);
  console.log(`fuzz composition documents: ${DOCUMENTS}, crashes: ${crashes}, unanswered requests: ${unanswered}, diagnostics awaited: ${published}`);
  assert.equal(client.child.exitCode, null, "the server is still running");
  assert.equal(crashes, 0, logs.filter((l) => /uncaught|unhandled/i.test(l)).join("\n"));
  assert.equal(unanswered, 0);
  // Handlers answer through the server's guard; a failure logged there is a bug, not bad input.
  assert.deepEqual(logs.filter((l) => / failed: /.test(l) && /composition|completion|hover|definition|symbols|lenses/.test(l)), []);
  for (const f of files) client.close(f);
});

test("a composition naming a missing file or a file that does not parse: one clear diagnostic at its flow: value", { timeout: 120_000 }, async () => {
  ws.write("examples/composition/pipelines/broken.ts", 'import { task, workflow } from "flowsmith";\nexport const w = workflow(() => { const x = task(; });\n');
  const file = ws.path("examples/composition/bad-files.flows.yaml");
  const text = "name: bad\ncomposing_flows:\n  - name: a\n    flow: pipelines/nothere.ts#w\n  - name: b\n    flow: pipelines/broken.ts#w\n";
  client.open(file, text);
  const d = await client.waitFor("two FS011", () => {
    const got = client.diagnostics.get(client.uri(file));
    return got && got.length >= 2 ? got : undefined;
  }, 60_000);
  assert.equal(d.length, 2, JSON.stringify(d));
  const missing = d.find((x) => /nothere/.test(x.message))!;
  assert.equal(missing.code, "FS011");
  assert.deepEqual(missing.range.start, { line: 3, character: 10 });
  assert.match(missing.message, /there is no flow file pipelines\/nothere.ts/);
  const broken = d.find((x) => /broken/.test(x.message))!;
  assert.deepEqual(broken.range.start, { line: 5, character: 10 });
  assert.match(broken.message, /flow file pipelines\/broken.ts could not be read: line 2/);
  client.close(file);
});
