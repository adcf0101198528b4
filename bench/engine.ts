/**
 * Engine benchmark: N-node graphs of no-op tasks, a wide fan-out (one source, N-1 leaves) and a deep
 * chain (n0 → n1 → …), each built by a loop in the workflow body.
 *   - through the real CLI (`node runtime/dist/cli.js run`): cold run (fresh store) and fully cached
 *     re-run, wall time of the whole process (startup, loading, fingerprints included);
 *   - through the engine API in a fresh process (bench/engine-api.ts, bundled with the engine as the
 *     CLI is): prepare (load + fingerprint), cold runWorkflow, cached runWorkflow — the engine alone;
 *   - baselines in the same process and run: a minimal Promise-based DAG executor over the same graph
 *     and the same task functions with no store (the scheduling floor), and the same executor writing
 *     each output with one fs.writeFile (the I/O floor). Both run at the engine's concurrency (4).
 *     A third, informational: the same executor writing each output durably (temp file, fsync,
 *     rename, async) — what the store's "durable before complete" rule costs at the least.
 * The workflow body is also generated as N spelled-out statements ("generated" style): those run
 * through the CLI too, to show both forms work.
 *
 *   node --import tsx bench/engine.ts [--nodes 10000]
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";
import type { ApiFigures } from "./engine-api.js";
import { engineFlowText, writeScaffold, type EngineShape, type EngineStyle } from "./generate.js";
import { assert, CLI, median, now, REPO, requireBuilt, run, settleDisk, tempDir } from "./lib/util.js";

import { CACHED_REPEATS, ENGINE_CONCURRENCY, REPEATS } from "./lib/engine-settings.js";

export { ENGINE_CONCURRENCY, REPEATS, type ApiFigures };

export interface CliFigures {
  shape: EngineShape;
  style: EngineStyle;
  coldMs: number;
  /** The median of cachedRunsMs. */
  cachedMs: number;
  cachedRunsMs: number[];
  coldOk: boolean;
  cachedOk: boolean;
}

export interface EngineFigures {
  nodes: number;
  api: ApiFigures[];
  /**
   * The same API measurements with the workspace, the store and the floors' files in memory
   * (tmpfs, /dev/shm): the engine's own cost without the disk, whose speed swings on a shared VM.
   * Empty where there is no tmpfs.
   */
  apiInMemory: ApiFigures[];
  cli: CliFigures[];
  /** A run of an empty workflow through the CLI: process start-up and loading (the median of cliStartupRunsMs). */
  cliStartupMs: number;
  cliStartupRunsMs: number[];
}

export interface EngineOptions {
  nodes: number;
  /** Also run the generated (spelled-out) bodies through the CLI. */
  generated?: boolean;
  log?: (line: string) => void;
  nodeFlags?: string[];
}

function flowFile(dir: string, shape: EngineShape, style: EngineStyle): string {
  return path.join(dir, `${shape}_${style}.ts`);
}

function summaryOf(stdout: string): { ran: number; complete: number } {
  const ran = Number(/(\d+) ran successfully/.exec(stdout)?.[1] ?? NaN);
  const complete = Number(/(\d+) complete ones were encountered/.exec(stdout)?.[1] ?? 0);
  return { ran, complete };
}

export async function engineBench(o: EngineOptions): Promise<EngineFigures> {
  requireBuilt([CLI]);
  const log = o.log ?? (() => {});
  const dir = tempDir(`engine-${o.nodes}`);
  writeScaffold(dir, "flowsmith-engine-bench");
  const shapes: EngineShape[] = ["wide", "deep"];
  const styles: EngineStyle[] = o.generated === false ? ["loop"] : ["loop", "generated"];
  for (const shape of shapes) for (const style of styles) fs.writeFileSync(flowFile(dir, shape, style), engineFlowText(shape, style, o.nodes));
  fs.writeFileSync(path.join(dir, "empty.ts"), `import { task, workflow } from "flowsmith";\nexport const one = task(async () => ({ ok: true }));\nexport const empty = workflow(() => {\n  const r = one();\n  return { ok: r.ok };\n});\n`);

  // CLI start-up: a one-node workflow, cached (what every CLI run pays before any node).
  const storeFor = (name: string) => path.join(dir, `.store-${name}`);
  // Whole-process timings are single samples of a shared machine: the start-up and each cached
  // re-run are measured CACHED_REPEATS times and judged on the median (every value is printed).
  await run(process.execPath, [CLI, "run", "empty.ts#empty", "--store", storeFor("empty")], { cwd: dir });
  const startups: number[] = [];
  for (let k = 0; k < CACHED_REPEATS; k++) {
    const startup = await run(process.execPath, [CLI, "run", "empty.ts#empty", "--store", storeFor("empty")], { cwd: dir });
    assert(startup.code === 0, `flowsmith run empty.ts#empty failed: ${startup.stderr}`);
    startups.push(startup.wallMs);
  }
  const cliStartupMs = median(startups);
  log(`  CLI start-up (cached one-node run): ${cliStartupMs.toFixed(0)} ms (median of ${startups.map((x) => x.toFixed(0)).join(" / ")})`);

  const cli: CliFigures[] = [];
  for (const style of styles) {
    for (const shape of shapes) {
      const target = `${shape}_${style}.ts#${shape}_${style}`;
      const store = storeFor(`cli-${shape}-${style}`);
      // The engine's figures: without the pre-run check, which is the static analysis (its cost is
      // `flowsmith check`'s; a re-run of unchanged code skips it, as the start-up row shows).
      const args = [...(o.nodeFlags ?? []), CLI, "run", target, "--store", store, "--no-check"];
      settleDisk();
      const cold = await run(process.execPath, args, { cwd: dir });
      assert(cold.code === 0, `flowsmith run ${target} failed (exit ${cold.code}): ${cold.stderr.slice(0, 2000)}${cold.stdout.slice(-1000)}`);
      const c = summaryOf(cold.stdout);
      assert(c.ran === o.nodes, `flowsmith run ${target} ran ${c.ran} nodes, expected ${o.nodes}`);
      const cachedRunsMs: number[] = [];
      for (let k = 0; k < CACHED_REPEATS; k++) {
        settleDisk();
        const cached = await run(process.execPath, args, { cwd: dir });
        assert(cached.code === 0, `cached flowsmith run ${target} failed: ${cached.stderr.slice(0, 2000)}`);
        const done = summaryOf(cached.stdout);
        assert(done.complete === o.nodes && (done.ran === 0 || Number.isNaN(done.ran)), `cached run of ${target}: ${done.complete} complete, ${done.ran} ran`);
        cachedRunsMs.push(cached.wallMs);
      }
      const cachedMs = median(cachedRunsMs);
      cli.push({ shape, style, coldMs: cold.wallMs, cachedMs, cachedRunsMs, coldOk: true, cachedOk: true });
      log(`  CLI ${shape}/${style}: cold ${cold.wallMs.toFixed(0)} ms, cached ${cachedMs.toFixed(0)} ms (median of ${cachedRunsMs.map((x) => x.toFixed(0)).join(" / ")})`);
    }
  }

  const api: ApiFigures[] = [];
  for (const shape of shapes) {
    const out = await apiInChild(dir, shape, o.nodes, storeFor(`api-${shape}`), o.nodeFlags);
    api.push(out);
    log(
      `  API ${shape}: prepare ${out.prepareMs.toFixed(0)} ms, cold ${out.coldMs.toFixed(0)} ms, cached ${out.cachedMs.toFixed(0)} ms; ` +
        `scheduling floor ${out.schedulingFloorMs.toFixed(0)} ms, I/O floor ${out.ioFloorMs.toFixed(0)} ms, durable I/O floor ${out.durableFloorMs.toFixed(0)} ms`,
    );
  }
  const apiInMemory: ApiFigures[] = [];
  const ram = memoryDir(`engine-${o.nodes}`);
  if (ram) {
    writeScaffold(ram, "flowsmith-engine-bench");
    for (const shape of shapes) fs.writeFileSync(flowFile(ram, shape, "loop"), engineFlowText(shape, "loop", o.nodes));
    try {
      for (const shape of shapes) {
        const out = await apiInChild(ram, shape, o.nodes, path.join(ram, `.store-api-${shape}`), o.nodeFlags);
        apiInMemory.push(out);
        log(`  API ${shape}, in memory: cold ${out.coldMs.toFixed(0)} ms; I/O floor ${out.ioFloorMs.toFixed(0)} ms, durable-write floor ${out.durableWriteFloorMs.toFixed(0)} ms`);
      }
    } finally {
      fs.rmSync(path.dirname(ram), { recursive: true, force: true });
    }
  }
  return { nodes: o.nodes, api, apiInMemory, cli, cliStartupMs, cliStartupRunsMs: startups };
}


/**
 * bench/engine-api.ts and the engine's sources bundled as runtime/dist/cli.js is (scripts/build.mjs:
 * esbuild, node20, CommonJS), for the API child to run with plain node. Under tsx every function
 * the engine makes per node would also go through esbuild's keepNames helper (`__name`): a cost
 * the shipped CLI does not have (≈ 15 % of a 10,000-node cold run on this machine).
 */
let childBundle: string | undefined;
function apiChildBundle(): string {
  if (childBundle) return childBundle;
  const outfile = path.join(REPO, "bench/.build/engine-child.js");
  buildSync({
    entryPoints: [path.join(REPO, "bench/engine-api.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
    external: ["esbuild", "typescript", "zod"],
  });
  return (childBundle = outfile);
}

/** The API measurements in a fresh process, so one shape's JIT or heap does not help the next. */
function apiInChild(dir: string, shape: EngineShape, nodes: number, store: string, nodeFlags: string[] = []): Promise<ApiFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, apiChildBundle(), "--api-child", dir, shape, String(nodes), store], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    child.on("close", (code) => {
      const line = stdout.split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || !line) reject(new Error(`engine API child (${shape}) failed with ${code}: ${stderr.slice(-3000)}`));
      else resolve(JSON.parse(line) as ApiFigures);
    });
  });
}

/** A fresh directory on a RAM file system (Linux's /dev/shm), or undefined where there is none. */
function memoryDir(name: string): string | undefined {
  const base = "/dev/shm";
  try {
    if (process.platform !== "linux" || !fs.statSync(base).isDirectory()) return undefined;
    const dir = path.join(base, `flowsmith-bench-${process.pid}`, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    return dir;
  } catch {
    return undefined;
  }
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

if (require.main === module) {
  engineBench({
    nodes: Number(arg("nodes", "10000")),
    generated: !process.argv.includes("--no-generated"),
    log: (l) => process.stdout.write(`${l}\n`),
  }).then(
    (f) => process.stdout.write(`${JSON.stringify(f, null, 2)}\n`),
    (e) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
