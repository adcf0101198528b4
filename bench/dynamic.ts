/**
 * Dynamic shapes benchmark (issue 23), through the real CLI and the store's asset hashing:
 *   - map over N elements (10,000; smoke 100), cold (a fresh store) and fully cached, each as a
 *     ratio against the same count of plain nodes (N calls of the same task in the body), measured
 *     in the same benchmark run, interleaved, medians; the goal is the same order as plain nodes
 *     (elements are ordinary nodes of the task: one cache key, one output each);
 *   - asset hashing of a directory of 1 GB (256 files × 4 MiB; smoke 16 × 64 KiB), cold (no
 *     cache entry: every byte read) and unchanged (the size-and-mtime cache: only listed and
 *     stat'ed). The data is generated in a temp directory and deleted after. The cold figure reads
 *     from the page cache (the data was just written); a cold disk is slower.
 *
 *   node --import tsx bench/dynamic.ts [--smoke]
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { hashAsset } from "../runtime/src/store/assets.js";
import { writeScaffold } from "./generate.js";
import { ratio, type Row } from "./lib/report.js";
import { assert, CLI, median, ms, now, requireBuilt, run, tempDir } from "./lib/util.js";

export interface DynamicOptions {
  smoke?: boolean;
  log?: (line: string) => void;
}

export interface DynamicFigures {
  elements: number;
  map: { coldMs: number[]; cachedMs: number[] };
  plain: { coldMs: number[]; cachedMs: number[] };
  asset: { files: number; bytes: number; coldMs: number[]; unchangedMs: number[] };
}

function flowText(n: number): string {
  return `import { each, map, task, workflow } from "flowsmith";

export const nothing = task({ name: "nothing" }, async ({ i }: { i: number }) => ({ i }));
export const range = task({ name: "range" }, async ({ n }: { n: number }) => ({ items: Array.from({ length: n }, (_, i) => i) }));
export const mapped = workflow(() => ({ is: map(nothing, { i: each(range({ n: ${n} }).items) }).i }));
export const plain = workflow(() => ({ n: Array.from({ length: ${n} }, (_, i) => nothing({ i }).i).length }));
`;
}

async function timedRun(dir: string, target: string, expect: RegExp): Promise<number> {
  const t = now();
  const r = await run(process.execPath, [CLI, "run", `flow.ts#${target}`, "--no-check"], { cwd: dir, timeoutMs: 900_000 });
  const elapsed = now() - t;
  assert(r.code === 0, `flowsmith run ${target} exited ${r.code}: ${r.stderr.slice(0, 800)}`);
  assert(expect.test(r.stdout), `flowsmith run ${target}: ${expect} not in its summary:\n${r.stdout.slice(-600)}`);
  return elapsed;
}

function writeData(dir: string, files: number, size: number): number {
  fs.mkdirSync(dir, { recursive: true });
  const chunk = crypto.randomBytes(Math.min(size, 1 << 20));
  for (let i = 0; i < files; i++) {
    const fd = fs.openSync(path.join(dir, `part-${String(i).padStart(4, "0")}.bin`), "w");
    for (let written = 0; written < size; written += chunk.length) {
      chunk.writeUInt32LE(i, 0);
      fs.writeSync(fd, chunk, 0, Math.min(chunk.length, size - written));
    }
    fs.closeSync(fd);
  }
  // Old mtimes: the cache trusts entries hashed well after their files last changed.
  const old = new Date(Date.now() - 3600_000);
  for (const f of fs.readdirSync(dir)) fs.utimesSync(path.join(dir, f), old, old);
  return files * size;
}

export async function dynamicBench(options: DynamicOptions = {}): Promise<DynamicFigures> {
  const log = options.log ?? (() => {});
  requireBuilt([CLI]);
  const n = options.smoke ? 100 : 10_000;
  const repeats = options.smoke ? 1 : 3;
  const dir = tempDir("dynamic");
  writeScaffold(dir, "flowsmith-bench-dynamic");
  fs.writeFileSync(path.join(dir, "flow.ts"), flowText(n));
  const figures: DynamicFigures = { elements: n, map: { coldMs: [], cachedMs: [] }, plain: { coldMs: [], cachedMs: [] }, asset: { files: 0, bytes: 0, coldMs: [], unchangedMs: [] } };
  const store = path.join(dir, ".flowsmith");
  for (let r = 0; r < repeats; r++) {
    for (const [target, into] of [["mapped", figures.map], ["plain", figures.plain]] as const) {
      fs.rmSync(store, { recursive: true, force: true });
      const ran = target === "mapped" ? n + 2 : n; // (range and the map node besides the elements)
      into.coldMs.push(await timedRun(dir, target, new RegExp(`${ran} ran successfully`)));
      into.cachedMs.push(await timedRun(dir, target, /complete ones were encountered/));
      log(`  ${target} ×${n}: cold ${ms(into.coldMs.at(-1))}, cached ${ms(into.cachedMs.at(-1))}`);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });

  const files = options.smoke ? 16 : 256;
  const size = options.smoke ? 64 << 10 : 4 << 20;
  const data = tempDir("dynamic-asset");
  try {
    figures.asset.files = files;
    figures.asset.bytes = writeData(path.join(data, "raw"), files, size);
    for (let r = 0; r < repeats; r++) {
      const cache = path.join(data, `cache-${r}`);
      let t = now();
      const cold = hashAsset(path.join(data, "raw"), cache);
      figures.asset.coldMs.push(now() - t);
      assert(cold.filesRead === files, `cold hashing read ${cold.filesRead} of ${files} files`);
      t = now();
      const warm = hashAsset(path.join(data, "raw"), cache);
      figures.asset.unchangedMs.push(now() - t);
      assert(warm.filesRead === 0 && warm.hash === cold.hash, `unchanged hashing read ${warm.filesRead} files`);
      log(`  asset ${files} files, ${(figures.asset.bytes / 2 ** 20).toFixed(0)} MiB: cold ${ms(figures.asset.coldMs.at(-1))}, unchanged ${ms(figures.asset.unchangedMs.at(-1))}`);
    }
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
  }
  return figures;
}

export function dynamicRows(f: DynamicFigures, smoke = false): Row[] {
  const N = f.elements.toLocaleString("en-US");
  const size = f.asset.bytes >= 2 ** 30 ? `${(f.asset.bytes / 2 ** 30).toFixed(0)} GiB` : `${(f.asset.bytes / 2 ** 20).toFixed(0)} MiB`;
  const mapCold = median(f.map.coldMs);
  const plainCold = median(f.plain.coldMs);
  const mapCached = median(f.map.cachedMs);
  const plainCached = median(f.plain.cachedMs);
  const assetCold = median(f.asset.coldMs);
  const assetWarm = median(f.asset.unchangedMs);
  const target = (limit: number) => (smoke ? "runs" : `≤ ${limit}×`);
  return [
    { group: "dynamic", figure: `map over ${N} elements, cold run (whole CLI process), against ${N} plain nodes of the same task`, value: ms(mapCold), baseline: `plain ${ms(plainCold)}`, ratio: ratio(mapCold, plainCold), target: target(1.5), pass: smoke ? true : mapCold <= 1.5 * plainCold },
    { group: "dynamic", figure: `map over ${N} elements, fully cached run, against ${N} plain nodes`, value: ms(mapCached), baseline: `plain ${ms(plainCached)}`, ratio: ratio(mapCached, plainCached), target: target(1.5), pass: smoke ? true : mapCached <= 1.5 * plainCached },
    { group: "dynamic", figure: `asset hash of a ${size} directory (${f.asset.files} files), cold (every byte read; page cache warm)`, value: ms(assetCold), baseline: `${((f.asset.bytes / 2 ** 20) / (assetCold / 1000)).toFixed(0)} MiB/s`, target: "—" },
    { group: "dynamic", figure: `asset hash of the same directory unchanged (size-and-mtime cache: listed and stat'ed only), against cold`, value: ms(assetWarm), baseline: `cold ${ms(assetCold)}`, ratio: ratio(assetWarm, assetCold), target: smoke ? "runs" : "≤ 0.05×", pass: smoke ? true : assetWarm <= 0.05 * assetCold },
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(__filename)) {
  const smoke = process.argv.includes("--smoke");
  dynamicBench({ smoke, log: (l) => process.stdout.write(`${l}\n`) })
    .then(async (f) => {
      const { formatTable } = await import("./lib/report.js");
      process.stdout.write(`${formatTable(dynamicRows(f, smoke))}\n`);
    })
    .catch((error) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
}
