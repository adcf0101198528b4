/**
 * The shape of the code, held as tests: no import cycles among product files, the layers point one
 * way (client → server → runtime → contract; the analysis has no LSP imports; the contract imports
 * nothing of ours), and no product file grows past what one reader takes in.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const PRODUCT = ["contract/src", "runtime/src", "server/src", "client/src", "client/webview"];
/** "About 400 lines" (issue 19): a file past this is two files waiting to be named. */
const MAX_LINES = 420;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir))) {
    const rel = path.posix.join(dir, entry);
    if (statSync(path.join(root, rel)).isDirectory()) out.push(...sources(rel));
    else if (/\.ts$/.test(entry) && !entry.endsWith(".d.ts")) out.push(rel);
  }
  return out;
}

const files = PRODUCT.flatMap(sources);
const known = new Set(files);

/** Every module a file imports or re-exports (type-only too: a cycle of types is a cycle of ideas). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), "utf8");
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g), ...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!);
  return specs;
}

function resolve(from: string, spec: string): string | undefined {
  if (spec === "@flowsmith/contract") return "contract/src/index.ts";
  if (spec.startsWith("@flowsmith/contract/")) return `contract/src/${spec.slice("@flowsmith/contract/".length)}.ts`;
  if (!spec.startsWith(".")) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)).replace(/\.js$/, "");
  for (const candidate of [`${base}.ts`, `${base}/index.ts`, base]) if (known.has(candidate)) return candidate;
  return undefined;
}

const graph = new Map(files.map((f) => [f, importsOf(f).map((s) => resolve(f, s)).filter((t): t is string => t !== undefined)]));

test("no import cycles among product files", () => {
  // Tarjan's strongly connected components.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.map((c) => `  ${c.join(" ↔ ")}`).join("\n")}`);
});

test("layers point one way: contract ← runtime ← server ← client; the analysis has no LSP imports", () => {
  const layer = (f: string) => (f.startsWith("contract/") ? 0 : f.startsWith("runtime/") ? 1 : f.startsWith("server/") ? 2 : 3);
  const upward: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) if (layer(to) > layer(from)) upward.push(`${from} → ${to}`);
  }
  assert.deepEqual(upward, []);
  const lspInAnalysis = files
    .filter((f) => f.startsWith("server/src/analysis/"))
    .filter((f) => importsOf(f).some((s) => /^vscode|@flowsmith\/contract\/lsp/.test(s)));
  assert.deepEqual(lspInAnalysis, []);
  const contractDeps = files
    .filter((f) => f.startsWith("contract/src/"))
    .flatMap((f) => importsOf(f).filter((s) => !s.startsWith("./")).map((s) => `${f}: ${s}`))
    .filter((s) => !s.endsWith("lsp.ts: vscode-languageserver-protocol"));
  assert.deepEqual(contractDeps, [], "the contract imports nothing but its own files (and the LSP types in lsp.ts)");
});

test(`no product file over ${MAX_LINES} lines`, () => {
  const long = files
    .map((f) => ({ f, lines: readFileSync(path.join(root, f), "utf8").split("\n").length }))
    .filter((x) => x.lines > MAX_LINES)
    .map((x) => `${x.f}: ${x.lines}`);
  assert.deepEqual(long, []);
});

test("the store's layout is the store's: nothing outside runtime/src/store names its folders", () => {
  const offenders = files
    .filter((f) => !f.startsWith("runtime/src/store/"))
    .filter((f) => /join\([^)]*["'`](?:runs|objects|locks|state|active)["'`]|["'`]run\.json["'`]|\.jsonl["'`]/.test(readFileSync(path.join(root, f), "utf8")))
    .filter((f) => existsSync(path.join(root, f)));
  assert.deepEqual(offenders, []);
});
