/**
 * The engine benchmark's measurements through the engine API (bench/engine.ts runs this file's
 * child, bundled as runtime/dist/cli.js is — see apiChildBundle there): the floors — a minimal
 * Promise-based DAG executor over the same graph and task functions with no store (the
 * scheduling floor), the same writing each output with one fs.writeFile (the I/O floor), and
 * writing each durably — and the engine's cold and fully cached runs, in one process.
 *
 *   node bench/.build/engine-child.js --api-child DIR wide|deep NODES STORE
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { prepare } from "../runtime/src/engine/prepare.js";
import { planGraphs, runWorkflow } from "../runtime/src/engine/run.js";
import type { Binding } from "../runtime/src/graph/model.js";
import type { EngineShape } from "./generate.js";
import { ENGINE_CONCURRENCY, REPEATS } from "./lib/engine-settings.js";
import { assert, now, settleDisk } from "./lib/util.js";


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
  /** The contract floor's runs (groupedWrites), one per repeat; empty without `sync -f`. */
  contractFloorRunsMs: number[];
  /** Making as many small outputs durable with 4 threads and no engine at all (the fastest way we know). */
  durableWriteFloorMs: number;
  writeFloorRunsMs: number[];
  /** How many times the floors and the cold run were measured (each figure is the best), and all of them. */
  repeats: number;
  ioRunsMs: number[];
  coldRunsMs: number[];
  /** CPU time used during each of those runs: by the process's main thread (Linux) and by all its threads. */
  ioCpu: CpuUse[];
  coldCpu: CpuUse[];
}

export interface CpuUse {
  /** The calling (main) thread's time on a core, ms; NaN where /proc/thread-self/schedstat is missing. */
  mainMs: number;
  /** All threads of the process (process.cpuUsage: user + system), ms. */
  allMs: number;
}

/** CPU time used so far by this thread and by the whole process. */
function cpuNow(): CpuUse {
  let mainMs = NaN;
  try {
    mainMs = Number(fs.readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
  } catch {
    // not Linux
  }
  const u = process.cpuUsage();
  return { mainMs, allMs: (u.user + u.system) / 1000 };
}

/** What `work` used of the CPU (see CpuUse). */
async function cpuOf(work: () => Promise<void>): Promise<CpuUse> {
  const a = cpuNow();
  await work();
  const b = cpuNow();
  return { mainMs: b.mainMs - a.mainMs, allMs: b.allMs - a.allMs };
}

// ---- the floors -----------------------------------------------------------------------------------

interface FloorNode {
  id: string;
  deps: string[];
  exec: (outputs: Map<string, unknown>) => Promise<unknown>;
}

/** What a floor executor does with each output (nothing, for the scheduling floor). */
interface FloorWrites {
  /** Called with each node's output; its dependents start once what it returns settles. */
  write(id: string, out: unknown): Promise<void> | undefined;
  /** Settles once every output is where it belongs (asked after the last node ran). */
  done?(): Promise<void>;
}

/**
 * The minimal Promise-based DAG executor: a node starts when its last dependency finishes, at most
 * `concurrency` at once; `writes` says what becomes of each output.
 */
export function floorRun(nodes: FloorNode[], concurrency: number, writes?: FloorWrites): Promise<Map<string, unknown>> {
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
            await writes?.write(n.id, out);
            running--;
            done++;
            for (const d of dependents.get(n.id) ?? []) {
              const left = waiting.get(d.id)! - 1;
              waiting.set(d.id, left);
              if (left === 0) ready.push(d);
            }
            if (done < nodes.length) pump();
            else if (writes?.done) writes.done().then(() => resolve(outputs), reject);
            else resolve(outputs);
          })
          .catch(reject);
      }
    };
    pump();
  });
}

/** The I/O floor: each output written with one fs.writeFile. */
function plainWrites(dir: string): FloorWrites {
  return { write: (id, out) => fs.promises.writeFile(path.join(dir, `${id}.json`), JSON.stringify(out)) };
}

/** Each output made durable on its own: temp file, write, fsync, close, rename (async, libuv's pool). */
function durableWrites(dir: string): FloorWrites {
  return {
    async write(id, out) {
      const file = path.join(dir, `${id}.json`);
      const h = await fs.promises.open(`${file}.tmp`, "w");
      await h.writeFile(JSON.stringify(out));
      await h.sync();
      await h.close();
      await fs.promises.rename(`${file}.tmp`, file);
    },
  };
}

/** coreutils' sync, which can sync one file system (`sync -f`), or undefined. */
export const SYNC_COMMAND = process.platform === "linux" ? ["/usr/bin/sync", "/bin/sync"].find((f) => fs.existsSync(f)) : undefined;

/**
 * The contract floor's writes: the least DESIGN asks of a run's outputs — each written whole to a
 * temp file, made durable together with the others written meanwhile by one `sync -f` of their
 * file system (group commit, as the store writer does), then renamed into place (atomic: nothing
 * half-written looks complete). Dependents start from the value in memory, as the engine's do;
 * the run is over when every output is in place. No engine: no keys, hashes, node states, run
 * record or worker thread.
 */
function groupedWrites(dir: string, count: number): FloorWrites {
  const sync = SYNC_COMMAND;
  if (!sync) throw new Error("no sync command that can sync one file system (coreutils' sync -f)");
  let unsynced: { tmp: string; file: string }[] = [];
  let syncing = false;
  let placed = 0;
  let failed: unknown;
  let finish: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  const settle = () => {
    if (finish && failed !== undefined) finish.reject(failed);
    else if (finish && placed === count) finish.resolve();
  };
  const fail = (error: unknown) => {
    failed ??= error;
    settle();
  };
  const commit = () => {
    if (syncing || unsynced.length === 0) return;
    const group = unsynced;
    unsynced = [];
    syncing = true;
    const child = spawn(sync, ["-f", dir], { stdio: "ignore" });
    child.on("error", fail);
    child.on("exit", (code) => {
      if (code !== 0) return fail(new Error(`sync -f exited with ${code}`));
      syncing = false;
      Promise.all(group.map(({ tmp, file }) => fs.promises.rename(tmp, file))).then(() => {
        placed += group.length;
        settle();
      }, fail);
      commit();
    });
  };
  return {
    write(id, out) {
      const file = path.join(dir, `${id}.json`);
      const tmp = `${file}.tmp`;
      fs.promises.writeFile(tmp, JSON.stringify(out)).then(() => {
        unsynced.push({ tmp, file });
        commit();
      }, fail);
      return undefined;
    },
    done: () =>
      new Promise<void>((resolve, reject) => {
        finish = { resolve, reject };
        settle();
      }),
  };
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

export async function apiChild(dir: string, shape: EngineShape, nodes: number, store: string): Promise<void> {
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
      return n.impl.fn(input, ctx);
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
  const contract: number[] = [];
  const colds: number[] = [];
  const ioCpu: CpuUse[] = [];
  const coldCpu: CpuUse[] = [];
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
      ioCpu.push(await cpuOf(() => floorRun(floorNodes, ENGINE_CONCURRENCY, plainWrites(ioDir)).then(() => {})));
      io.push(now() - t);
    };
    const coldRun = async () => {
      settleDisk();
      t = now();
      let cold!: Awaited<ReturnType<typeof runWorkflow>>;
      coldCpu.push(await cpuOf(async () => void (cold = await runWorkflow(coldPrepared, { concurrency: ENGINE_CONCURRENCY }))));
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
    await floorRun(floorNodes, ENGINE_CONCURRENCY, durableWrites(durableDir));
    durable.push(now() - t);
    settleDisk();
    writeFloor.push(await durableWriteFloor(writeDir, nodes));
    if (SYNC_COMMAND) {
      const contractDir = path.join(dir, `.contract-floor-${shape}-${rep}`);
      fs.rmSync(contractDir, { recursive: true, force: true });
      fs.mkdirSync(contractDir, { recursive: true });
      scratch.push(contractDir);
      settleDisk();
      t = now();
      await floorRun(floorNodes, ENGINE_CONCURRENCY, groupedWrites(contractDir, nodes));
      contract.push(now() - t);
      assert(fs.readdirSync(contractDir).filter((f) => f.endsWith(".json")).length === nodes, "the contract floor did not place every output");
    }
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
    contractFloorRunsMs: contract,
    repeats: REPEATS,
    ioRunsMs: io,
    coldRunsMs: colds,
    ioCpu,
    coldCpu,
    cachedEncountered: cached.summary?.completeEncountered ?? NaN,
  };
  assert(out.coldRan === nodes, `cold engine run of ${shape} ran ${out.coldRan} nodes`);
  assert(out.cachedEncountered === nodes, `cached engine run of ${shape} found ${out.cachedEncountered} complete`);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (require.main === module) {
  const i = process.argv.indexOf("--api-child");
  const [dir, shape, nodes, store] = process.argv.slice(i + 1);
  if (i < 0 || !store) {
    process.stderr.write("usage: node bench/.build/engine-child.js --api-child DIR wide|deep NODES STORE\n");
    process.exit(2);
  }
  apiChild(dir!, shape as EngineShape, Number(nodes), store).then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
