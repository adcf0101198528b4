/**
 * Engine benchmark: N-node graphs of no-op tasks, a wide fan-out (one source, N-1 leaves) and a deep
 * chain (n0 → n1 → …), each built by a loop in the workflow body.
 *   - through the real CLI (`node runtime/dist/cli.js run`): cold run (fresh store) and fully cached
 *     re-run, wall time of the whole process (startup, loading, fingerprints included);
 *   - through the engine API in a fresh process (runtime/src/engine/prepare.ts + run.ts via tsx):
 *     prepare (load + fingerprint), cold runWorkflow, cached runWorkflow — the engine alone;
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
import { engineFlowText, writeScaffold, type EngineShape, type EngineStyle } from "./generate.js";
import { assert, CLI, now, REPO, requireBuilt, run, settleDisk, tempDir } from "./lib/util.js";

export const ENGINE_CONCURRENCY = 4;
/** Floors and cold runs are measured this many times, interleaved; each figure is the best. */
export const REPEATS = Number(process.env.FLOWSMITH_BENCH_REPEATS ?? 5);

export interface ApiFigures {
  shape: EngineShape;
  nodes: number;
  prepareMs: number;
  coldMs: number;
  cachedMs: number;
  schedulingFloorMs: number;
  ioFloorMs: number;
  /** The same executor writing each output durably: temp file, fsync, rename (what "durable" costs). */
  durableFloorMs: number;
  coldRan: number;
  cachedEncountered: number;
  /** Making as many small outputs durable with 4 threads and no engine at all (the fastest way we know). */
  durableWriteFloorMs: number;
  writeFloorRunsMs: number[];
  /** How many times the floors and the cold run were measured (each figure is the best), and all of them. */
  repeats: number;
  ioRunsMs: number[];
  coldRunsMs: number[];
}

export interface CliFigures {
  shape: EngineShape;
  style: EngineStyle;
  coldMs: number;
  cachedMs: number;
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
  /** A run of an empty workflow through the CLI: process start-up and loading. */
  cliStartupMs: number;
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
  await run(process.execPath, [CLI, "run", "empty.ts#empty", "--store", storeFor("empty")], { cwd: dir });
  const startup = await run(process.execPath, [CLI, "run", "empty.ts#empty", "--store", storeFor("empty")], { cwd: dir });
  assert(startup.code === 0, `flowsmith run empty.ts#empty failed: ${startup.stderr}`);
  log(`  CLI start-up (cached one-node run): ${startup.wallMs.toFixed(0)} ms`);

  const cli: CliFigures[] = [];
  for (const style of styles) {
    for (const shape of shapes) {
      const target = `${shape}_${style}.ts#${shape}_${style}`;
      const store = storeFor(`cli-${shape}-${style}`);
      const args = [...(o.nodeFlags ?? []), CLI, "run", target, "--store", store];
      settleDisk();
      const cold = await run(process.execPath, args, { cwd: dir });
      assert(cold.code === 0, `flowsmith run ${target} failed (exit ${cold.code}): ${cold.stderr.slice(0, 2000)}${cold.stdout.slice(-1000)}`);
      const c = summaryOf(cold.stdout);
      assert(c.ran === o.nodes, `flowsmith run ${target} ran ${c.ran} nodes, expected ${o.nodes}`);
      settleDisk();
      const cached = await run(process.execPath, args, { cwd: dir });
      assert(cached.code === 0, `cached flowsmith run ${target} failed: ${cached.stderr.slice(0, 2000)}`);
      const k = summaryOf(cached.stdout);
      assert(k.complete === o.nodes && (k.ran === 0 || Number.isNaN(k.ran)), `cached run of ${target}: ${k.complete} complete, ${k.ran} ran`);
      cli.push({ shape, style, coldMs: cold.wallMs, cachedMs: cached.wallMs, coldOk: true, cachedOk: true });
      log(`  CLI ${shape}/${style}: cold ${cold.wallMs.toFixed(0)} ms, cached ${cached.wallMs.toFixed(0)} ms`);
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
  return { nodes: o.nodes, api, apiInMemory, cli, cliStartupMs: startup.wallMs };
}

/** The API measurements in a fresh process (tsx), so one shape's JIT or heap does not help the next. */
function apiInChild(dir: string, shape: EngineShape, nodes: number, store: string, nodeFlags: string[] = []): Promise<ApiFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", __filename, "--api-child", dir, shape, String(nodes), store], {
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

// ---- the floors -----------------------------------------------------------------------------------

interface FloorNode {
  id: string;
  deps: string[];
  exec: (outputs: Map<string, unknown>) => Promise<unknown>;
}

/**
 * The minimal Promise-based DAG executor: a node starts when its last dependency finishes, at most
 * `concurrency` at once; with `writeDir`, each output is written with one fs.writeFile.
 */
export function floorRun(nodes: FloorNode[], concurrency: number, writeDir?: string, durable = false): Promise<Map<string, unknown>> {
  const outputs = new Map<string, unknown>();
  const waiting = new Map<string, number>();
  const dependents = new Map<string, FloorNode[]>();
  const ready: FloorNode[] = [];
  for (const n of nodes) {
    waiting.set(n.id, n.deps.length);
    for (const d of n.deps) {
      let list = dependents.get(d);
      if (!list) dependents.set(d, (list = []));
      list.push(n);
    }
    if (n.deps.length === 0) ready.push(n);
  }
  return new Promise((resolve, reject) => {
    let running = 0;
    let done = 0;
    const pump = () => {
      while (running < concurrency && ready.length) {
        const n = ready.pop()!;
        running++;
        n.exec(outputs)
          .then(async (out) => {
            outputs.set(n.id, out);
            if (writeDir && !durable) await fs.promises.writeFile(path.join(writeDir, `${n.id}.json`), JSON.stringify(out));
            if (writeDir && durable) {
              const file = path.join(writeDir, `${n.id}.json`);
              const h = await fs.promises.open(`${file}.tmp`, "w");
              await h.writeFile(JSON.stringify(out));
              await h.sync();
              await h.close();
              await fs.promises.rename(`${file}.tmp`, file);
            }
            running--;
            done++;
            for (const d of dependents.get(n.id) ?? []) {
              const left = waiting.get(d.id)! - 1;
              waiting.set(d.id, left);
              if (left === 0) ready.push(d);
            }
            if (done === nodes.length) resolve(outputs);
            else pump();
          })
          .catch(reject);
      }
    };
    pump();
  });
}

/** Threads of the durable-write throughput floor: as many as the engine's store writer has. */
const WRITE_THREADS = 4;

/**
 * The fastest way we know to make `nodes` small outputs durable on this disk, with no engine at
 * all: WRITE_THREADS worker threads, each writing its share with synchronous calls — temp file,
 * write, fdatasync, close, rename into 256 shard directories — as the engine's store writer does.
 */
async function durableWriteFloor(dir: string, nodes: number): Promise<number> {
  for (let i = 0; i < 256; i++) fs.mkdirSync(path.join(dir, String(i)), { recursive: true });
  const source = `const { parentPort } = require("node:worker_threads"); const fs = require("node:fs");
    parentPort.on("message", ({ dir, from, to }) => {
      for (let i = from; i < to; i++) {
        const file = dir + "/" + (i % 256) + "/" + i + ".json", tmp = file + ".tmp";
        const fd = fs.openSync(tmp, "w"); fs.writeSync(fd, '{"x":' + i + '}'); fs.fdatasyncSync(fd); fs.closeSync(fd); fs.renameSync(tmp, file);
      }
      parentPort.postMessage(0);
    });`;
  const { Worker } = await import("node:worker_threads");
  const workers = Array.from({ length: WRITE_THREADS }, () => new Worker(source, { eval: true }));
  // Started and idle before the clock starts, as the engine's writers are by its second output.
  await Promise.all(workers.map((w) => new Promise((r) => w.once("online", r))));
  const t = now();
  await Promise.all(
    workers.map(
      (w, k) =>
        new Promise((r) => {
          w.once("message", r);
          w.postMessage({ dir, from: Math.floor((k * nodes) / WRITE_THREADS), to: Math.floor(((k + 1) * nodes) / WRITE_THREADS) });
        }),
    ),
  );
  const ms = now() - t;
  await Promise.all(workers.map((w) => w.terminate()));
  return ms;
}

async function apiChild(dir: string, shape: EngineShape, nodes: number, store: string): Promise<void> {
  // The engine's own sources, as the CLI bundles them.
  const { prepare } = (await import(path.join(REPO, "runtime/src/engine/prepare.ts"))) as typeof import("../runtime/src/engine/prepare.js");
  const { runWorkflow, planGraphs } = (await import(path.join(REPO, "runtime/src/engine/run.ts"))) as typeof import("../runtime/src/engine/run.js");
  type Binding = import("../runtime/src/graph/model.js").Binding;
  fs.rmSync(store, { recursive: true, force: true });
  const target = `${shape}_loop.ts#${shape}_loop`;

  let t = now();
  const prepared = prepare(target, { cwd: dir, store });
  const prepareMs = now() - t;

  // The same graph and task functions for the floors.
  const graph = planGraphs(prepared, [{}])[0]!;
  assert(graph.nodes.size === nodes, `the ${shape} graph has ${graph.nodes.size} nodes, expected ${nodes}`);
  const resolveBinding = (b: Binding, outputs: Map<string, unknown>): unknown => {
    switch (b.kind) {
      case "value":
        return b.value;
      case "ref": {
        let v = outputs.get(b.node);
        for (const p of b.path) v = (v as Record<string, unknown>)[p];
        return v;
      }
      case "object":
        return Object.fromEntries(Object.entries(b.fields).map(([k, f]) => [k, resolveBinding(f, outputs)]));
      case "array":
        return b.items.map((f) => resolveBinding(f, outputs));
    }
  };
  const ctx = { signal: new AbortController().signal, log() {}, progress() {}, runId: "floor", node: "", attempt: 1, config: {} };
  const floorNodes: FloorNode[] = [...graph.nodes.values()].map((n) => ({
    id: n.id,
    deps: n.deps,
    exec: async (outputs) => {
      const input: Record<string, unknown> = {};
      for (const [k, b] of Object.entries(n.inputs)) input[k] = resolveBinding(b, outputs);
      return n.task.fn(input, ctx);
    },
  }));
  // Warm-up of the floor (tiny), then the measured runs. The machine is shared and its disk's
  // speed moves a lot from one second to the next (a file creation costs 10 µs of kernel time in
  // one second, 200 µs in another): the floors and the cold run are measured REPEATS times,
  // interleaved (floor and cold run back to back, durable floors; again…); each figure is the
  // best of its repeats, and the engine's ratio to the floor is also taken pair by pair. Every repeat writes
  // into fresh directories, removed only after every timing: deleting 20,000 files between two
  // measurements would leave the file system's journal busy for the next one.
  await floorRun(floorNodes.slice(0, 1), ENGINE_CONCURRENCY);
  settleDisk();
  t = now();
  const schedOut = await floorRun(floorNodes, ENGINE_CONCURRENCY);
  const schedulingFloorMs = now() - t;
  assert(schedOut.size === nodes, "the scheduling floor did not run every node");
  const io: number[] = [];
  const durable: number[] = [];
  const writeFloor: number[] = [];
  const colds: number[] = [];
  const scratch: string[] = [];
  let coldRan = NaN;
  let coldPrepared = prepared;
  for (let rep = 0; rep < REPEATS; rep++) {
    const ioDir = path.join(dir, `.io-floor-${shape}-${rep}`);
    const durableDir = path.join(dir, `.durable-floor-${shape}-${rep}`);
    const writeDir = path.join(dir, `.write-floor-${shape}-${rep}`);
    for (const d of [ioDir, durableDir, writeDir]) {
      fs.rmSync(d, { recursive: true, force: true });
      fs.mkdirSync(d, { recursive: true });
      scratch.push(d);
    }
    // A fresh store for each cold run; the last one is kept for the cached run below.
    const repStore = rep === REPEATS - 1 ? store : `${store}-${rep}`;
    if (repStore !== store) scratch.push(repStore);
    coldPrepared = rep === REPEATS - 1 ? prepared : prepare(target, { cwd: dir, store: repStore });
    const ioFloor = async () => {
      settleDisk();
      t = now();
      await floorRun(floorNodes, ENGINE_CONCURRENCY, ioDir);
      io.push(now() - t);
    };
    const coldRun = async () => {
      settleDisk();
      t = now();
      const cold = await runWorkflow(coldPrepared, { concurrency: ENGINE_CONCURRENCY });
      colds.push(now() - t);
      assert(cold.status === "complete", `cold engine run of ${shape}: ${cold.status} ${cold.error ?? ""}`);
      coldRan = cold.summary?.ranSuccessfully ?? NaN;
    };
    // The I/O floor and the cold run back to back (their ratio is taken pair by pair), in turn
    // one first and the other first, so that a drift of the disk's speed favours neither.
    if (rep % 2 === 0) {
      await ioFloor();
      await coldRun();
    } else {
      await coldRun();
      await ioFloor();
    }
    settleDisk();
    t = now();
    await floorRun(floorNodes, ENGINE_CONCURRENCY, durableDir, true);
    durable.push(now() - t);
    settleDisk();
    writeFloor.push(await durableWriteFloor(writeDir, nodes));
  }
  const ioFloorMs = Math.min(...io);
  const durableFloorMs = Math.min(...durable);
  const durableWriteFloorMs = Math.min(...writeFloor);
  const coldMs = Math.min(...colds);
  process.stderr.write(`  ${shape}: I/O floor ${io.map((x) => x.toFixed(0)).join(" / ")} ms; durable floor ${durable.map((x) => x.toFixed(0)).join(" / ")} ms; cold ${colds.map((x) => x.toFixed(0)).join(" / ")} ms\n`);

  settleDisk();
  t = now();
  const cached = await runWorkflow(prepared, { concurrency: ENGINE_CONCURRENCY });
  const cachedMs = now() - t;
  assert(cached.status === "complete", `cached engine run of ${shape}: ${cached.status}`);
  for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
  const out: ApiFigures = {
    shape,
    nodes,
    prepareMs,
    coldMs,
    cachedMs,
    schedulingFloorMs,
    ioFloorMs,
    durableFloorMs,
    coldRan,
    durableWriteFloorMs,
    writeFloorRunsMs: writeFloor,
    repeats: REPEATS,
    ioRunsMs: io,
    coldRunsMs: colds,
    cachedEncountered: cached.summary?.completeEncountered ?? NaN,
  };
  assert(out.coldRan === nodes, `cold engine run of ${shape} ran ${out.coldRan} nodes`);
  assert(out.cachedEncountered === nodes, `cached engine run of ${shape} found ${out.cachedEncountered} complete`);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

if (require.main === module) {
  const i = process.argv.indexOf("--api-child");
  if (i >= 0) {
    const [dir, shape, nodes, store] = process.argv.slice(i + 1);
    apiChild(dir!, shape as EngineShape, Number(nodes), store!).then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exit(1);
      },
    );
  } else {
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
}
