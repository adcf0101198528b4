/**
 * Cluster benchmark (`flowsmith run --cluster`, issue 20), against bare BullMQ on the same Redis
 * with the same workers, measured in the same benchmark run:
 *   - N trivial nodes (the engine benchmark's wide graph) through the cluster: throughput from the
 *     run's first event to its last (the flow file loaded; every output committed to the store);
 *   - bare BullMQ: N empty jobs added with Queue.add and done by as many worker processes with the
 *     same concurrency, from the first add to the last completed event;
 *   - the contract floor: the same bare BullMQ jobs, each returning an output that the producer
 *     makes durable as DESIGN's store contract asks of every node's output (written whole to a temp
 *     file, group-synced with `sync -f` as the store writer does, renamed into 256 shard
 *     directories of the same disk as the cluster's store), until the last is in place: what any
 *     system keeping that contract pays on this machine, with no engine at all;
 *   - information: the whole `flowsmith run` command, start-up included.
 * Goal: the cluster at least 0.7× bare BullMQ's throughput. A real redis-server on a free port of
 * 127.0.0.1 (test/helpers/redis.ts), stopped afterwards; skipped when redis-server is missing.
 *
 *   node --import tsx bench/cluster.ts [--smoke]
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { redisAvailable, startRedis, type RedisServer } from "../test/helpers/redis.js";
import { engineFlowText, writeScaffold } from "./generate.js";
import { SYNC_COMMAND } from "./engine-api.js";
import { ratio, type Row } from "./lib/report.js";
import { assert, CLI, ms, now, REPO, requireBuilt, tempDir } from "./lib/util.js";

export interface ClusterFigures {
  skipped?: string;
  nodes: number;
  workers: number;
  concurrency: number;
  /** Nodes (jobs) a second. */
  clusterPerSec: number;
  barePerSec: number;
  /** Bare BullMQ with each job's output made durable (the contract floor); NaN where `sync -f` is missing. */
  contractPerSec: number;
  clusterCommandMs: number;
  /** The same run in one process, no cluster (the engine's own cost, first event to last). */
  localPerSec: number;
}

const WORKERS = 2;
const CONCURRENCY = 8;

/** The bare BullMQ worker: empty jobs, nothing else (with a fourth argument, each returns a node's trivial output). */
const BARE_WORKER = `
const { Worker } = require(${JSON.stringify(path.join(REPO, "node_modules/bullmq"))});
const [url, queue, concurrency, output] = process.argv.slice(2);
const u = new URL(url);
const result = output ? { o: { x: 1 } } : {};
const w = new Worker(queue, async () => result, { connection: { host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null }, prefix: "bare", concurrency: Number(concurrency) });
w.on("ready", () => process.stdout.write("ready\\n"));
process.on("SIGTERM", () => w.close().then(() => process.exit(0)));
`;

/**
 * What both producers start with: the queue (its events stream as long as the cluster's runner keeps
 * it: BullMQ's default, 10,000, drops completions of 10,000 jobs added at once) and its events,
 * ready, and a bound on the whole run. `rest` holds the producer's own arguments.
 */
const producerStart = (name: string) => `
const { Queue, QueueEvents } = require(${JSON.stringify(path.join(REPO, "node_modules/bullmq"))});
const [url, queue, count, ...rest] = process.argv.slice(2);
const u = new URL(url);
const connection = { host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null };
async function open() {
  const q = new Queue(queue, { connection, prefix: "bare", streams: { events: { maxLen: 100000 } } });
  setTimeout(() => { process.stderr.write("${name}: not done within 300 s\\n"); process.exit(1); }, 300000).unref();
  const events = new QueueEvents(queue, { connection, prefix: "bare" });
  await Promise.all([q.waitUntilReady(), events.waitUntilReady()]);
  await new Promise((r) => setTimeout(r, 200));
  return { q, events, n: Number(count) };
}
`;

/** The bare producer: adds N empty jobs and waits for every completed event; prints the ms. */
const BARE_PRODUCER = `${producerStart("bare BullMQ")}
(async () => {
  const { q, events, n } = await open();
  let done = 0;
  const all = new Promise((resolve) => events.on("completed", () => ++done === n && resolve()));
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => q.add("empty", { i }, { removeOnComplete: true, removeOnFail: true })));
  await all;
  process.stdout.write(String(performance.now() - t0) + "\\n");
  await events.close();
  await q.close();
})();
`;

/**
 * The contract floor's producer: N jobs (ids like cache keys: 64 hex) added as the bare producer
 * adds them; each completed job's output is written whole to a temp file, made durable with the
 * others written meanwhile by one `sync -f` (group commit, one at a time, as the store writer's),
 * then renamed into place in one of 256 shard directories. Prints the ms from the first add to the
 * last output in place.
 */
const CONTRACT_PRODUCER = `${producerStart("the contract floor")}
const fs = require("node:fs"), path = require("node:path"), { spawn } = require("node:child_process"), { createHash } = require("node:crypto");
const [dir, sync] = rest;
for (let i = 0; i < 256; i++) fs.mkdirSync(path.join(dir, i.toString(16).padStart(2, "0")), { recursive: true });
(async () => {
  const { q, events, n } = await open();
  const ids = Array.from({ length: n }, (_, i) => createHash("sha256").update("node " + i).digest("hex"));
  let placed = 0, unsynced = [], syncing = false, finish;
  const all = new Promise((r) => (finish = r));
  const commit = () => {
    if (syncing || !unsynced.length) return;
    const group = unsynced;
    unsynced = [];
    syncing = true;
    const child = spawn(sync, ["-f", dir], { stdio: "ignore" });
    child.on("error", (e) => { process.stderr.write("sync -f: " + e.message + "\\n"); process.exit(1); });
    child.on("exit", (code) => {
      if (code !== 0) { process.stderr.write("sync -f exited " + code + "\\n"); process.exit(1); }
      syncing = false;
      for (const [tmp, file] of group) fs.renameSync(tmp, file);
      placed += group.length;
      if (placed === n) finish();
      commit();
    });
  };
  events.on("completed", ({ jobId, returnvalue }) => {
    const file = path.join(dir, jobId.slice(0, 2), jobId + ".json"), tmp = file + ".tmp";
    const fd = fs.openSync(tmp, "w");
    fs.writeSync(fd, JSON.stringify(returnvalue));
    fs.closeSync(fd);
    unsynced.push([tmp, file]);
    commit();
  });
  const t0 = performance.now();
  await Promise.all(ids.map((jobId, i) => q.add("empty", { i }, { jobId, removeOnComplete: true, removeOnFail: true })));
  await all;
  process.stdout.write(String(performance.now() - t0) + "\\n");
  await events.close();
  await q.close();
})();
`;

function spawnLines(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { child: ChildProcess; lines: string[]; wait(re: RegExp, ms: number): Promise<string>; done: Promise<number | null> } {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, NODE_OPTIONS: "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let buf = "";
  const waiters = new Set<() => void>();
  const feed = (d: Buffer) => {
    buf += String(d);
    const parts = buf.split("\n");
    buf = parts.pop()!;
    lines.push(...parts);
    for (const w of [...waiters]) w();
  };
  child.stdout!.on("data", feed);
  child.stderr!.on("data", feed);
  const done = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  return {
    child,
    lines,
    done,
    wait: (re, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find((l) => re.test(l));
          if (hit !== undefined) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no line matching ${re} within ${timeoutMs} ms:\n${lines.slice(-20).join("\n")}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const kill = setTimeout(() => c.kill("SIGKILL"), 10_000);
          c.once("exit", () => {
            clearTimeout(kill);
            resolve();
          });
          c.kill("SIGTERM");
        }),
    ),
  );
}

export async function clusterBench(o: { smoke?: boolean; log?: (line: string) => void }): Promise<ClusterFigures> {
  const log = o.log ?? (() => {});
  const nodes = o.smoke ? 200 : 10_000;
  const base = { nodes, workers: WORKERS, concurrency: CONCURRENCY, clusterPerSec: NaN, barePerSec: NaN, contractPerSec: NaN, clusterCommandMs: NaN, localPerSec: NaN };
  if (!redisAvailable()) return { ...base, skipped: "redis-server is not installed" };
  requireBuilt([CLI, path.join(path.dirname(CLI), "cluster.js")]);
  const dir = tempDir("cluster");
  writeScaffold(dir);
  if (!fs.existsSync(path.join(dir, "node_modules"))) fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
  fs.writeFileSync(path.join(dir, "wide.ts"), engineFlowText("wide", "loop", nodes));
  fs.writeFileSync(path.join(dir, "bare-worker.cjs"), BARE_WORKER);
  fs.writeFileSync(path.join(dir, "bare-producer.cjs"), BARE_PRODUCER);
  fs.writeFileSync(path.join(dir, "contract-producer.cjs"), CONTRACT_PRODUCER);
  let redis: RedisServer | undefined;
  const children: ChildProcess[] = [];
  try {
    redis = await startRedis();
    // Bare BullMQ first (its own queue and prefix), then the cluster, on the same Redis.
    const bare = Array.from({ length: WORKERS }, () => spawnLines([path.join(dir, "bare-worker.cjs"), redis!.url, "bare", String(CONCURRENCY)], dir));
    children.push(...bare.map((b) => b.child));
    await Promise.all(bare.map((b) => b.wait(/^ready$/, 30_000)));
    const producer = spawnLines([path.join(dir, "bare-producer.cjs"), redis.url, "bare", String(nodes)], dir);
    const code = await producer.done;
    assert(code === 0, `the bare BullMQ producer failed:\n${producer.lines.join("\n")}`);
    const bareMs = Number(producer.lines.find((l) => /^\d/.test(l)));
    await stopAll(bare.map((b) => b.child));
    log(`  bare BullMQ: ${nodes} empty jobs in ${bareMs.toFixed(0)} ms (${WORKERS} workers × ${CONCURRENCY})`);

    // The contract floor: the same jobs, each output made durable (in this directory: the cluster's store's disk).
    let contractMs = NaN;
    if (SYNC_COMMAND) {
      const outputs = Array.from({ length: WORKERS }, () => spawnLines([path.join(dir, "bare-worker.cjs"), redis!.url, "bare", String(CONCURRENCY), "output"], dir));
      children.push(...outputs.map((b) => b.child));
      await Promise.all(outputs.map((b) => b.wait(/^ready$/, 30_000)));
      const contract = spawnLines([path.join(dir, "contract-producer.cjs"), redis.url, "bare", String(nodes), path.join(dir, "contract-store"), SYNC_COMMAND], dir);
      const contractCode = await contract.done;
      assert(contractCode === 0, `the contract floor's producer failed:\n${contract.lines.join("\n")}`);
      contractMs = Number(contract.lines.find((l) => /^\d/.test(l)));
      assert(fs.readdirSync(path.join(dir, "contract-store")).reduce((n, shard) => n + fs.readdirSync(path.join(dir, "contract-store", shard)).filter((f) => f.endsWith(".json")).length, 0) === nodes, `the contract floor did not put its ${nodes} outputs in place`);
      await stopAll(outputs.map((b) => b.child));
      log(`  contract floor: ${nodes} jobs with their outputs made durable in ${contractMs.toFixed(0)} ms`);
    }

    const workers = Array.from({ length: WORKERS }, () => spawnLines([CLI, "worker", "--cluster", redis!.url, "--concurrency", String(CONCURRENCY)], dir));
    children.push(...workers.map((w) => w.child));
    await Promise.all(workers.map((w) => w.wait(/flowsmith worker: worker \S+ · cluster/, 30_000)));
    /** A cold run of the wide flow: first event to last, and the whole command. */
    const timedRun = async (extra: string[], store: string) => {
      const t0 = now();
      const runner = spawnLines([CLI, "run", "wide.ts#wide_loop", "--no-check", "--events", "ndjson", "--store", store, ...extra], dir);
      let firstAt: number | undefined;
      let lastAt: number | undefined;
      runner.child.stdout!.on("data", (d: Buffer) => {
        const t = now();
        const text = String(d);
        if (firstAt === undefined && text.includes('"type":"run-started"')) firstAt = t;
        if (text.includes('"type":"run-finished"')) lastAt = t;
      });
      const runCode = await runner.done;
      const commandMs = now() - t0;
      assert(runCode === 0, `flowsmith run ${extra.join(" ")} exited ${runCode}:\n${runner.lines.slice(-20).join("\n")}`);
      assert(runner.lines.some((l) => l.includes(`"ranSuccessfully":${nodes}`)), `the run did not run its ${nodes} nodes:\n${runner.lines.slice(-3).join("\n")}`);
      assert(firstAt !== undefined && lastAt !== undefined, "the run's first and last events");
      return { runMs: lastAt - firstAt, commandMs };
    };
    const clustered = await timedRun(["--cluster", redis.url], "store-cluster");
    log(`  cluster: ${nodes} nodes in ${clustered.runMs.toFixed(0)} ms (first event to last); the whole command ${clustered.commandMs.toFixed(0)} ms`);
    await stopAll(workers.map((w) => w.child));
    const local = await timedRun([], "store-local");
    log(`  the same run in one process: ${local.runMs.toFixed(0)} ms (first event to last)`);
    return { ...base, clusterPerSec: (nodes / clustered.runMs) * 1000, barePerSec: (nodes / bareMs) * 1000, contractPerSec: (nodes / contractMs) * 1000, clusterCommandMs: clustered.commandMs, localPerSec: (nodes / local.runMs) * 1000 };
  } finally {
    await stopAll(children);
    await redis?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function clusterRows(f: ClusterFigures, smoke: boolean): Row[] {
  const at = `${f.nodes.toLocaleString("en-US")} trivial nodes, ${f.workers} workers × ${f.concurrency}`;
  if (f.skipped) return [{ group: "cluster", figure: `cluster throughput, ${at}`, value: `skipped: ${f.skipped}`, baseline: "—", target: "—" }];
  const r = ratio(f.clusterPerSec, f.barePerSec);
  return [
    {
      group: "cluster",
      figure: `cluster throughput (run --cluster, first event to last), ${at}`,
      value: `${f.clusterPerSec.toFixed(0)} nodes/s`,
      baseline: `bare BullMQ, empty jobs: ${f.barePerSec.toFixed(0)} jobs/s`,
      ...(r !== undefined ? { ratio: r } : {}),
      target: smoke ? "—" : "≥ 0.7×",
      ...(smoke ? {} : { pass: (r ?? 0) >= 0.7 }),
    },
    ...(Number.isFinite(f.contractPerSec)
      ? [
          {
            group: "cluster",
            figure: `the contract floor: bare BullMQ's jobs, each output made durable as DESIGN asks of a node's (temp file, group sync -f, rename; no engine), ${at}`,
            value: `${f.contractPerSec.toFixed(0)} jobs/s`,
            baseline: `bare BullMQ, empty jobs: ${f.barePerSec.toFixed(0)} jobs/s`,
            ...(ratio(f.contractPerSec, f.barePerSec) !== undefined ? { ratio: ratio(f.contractPerSec, f.barePerSec)! } : {}),
            target: "—",
          },
          {
            group: "cluster",
            figure: `cluster throughput against the contract floor, ${at}`,
            value: `${f.clusterPerSec.toFixed(0)} nodes/s`,
            baseline: `the contract floor: ${f.contractPerSec.toFixed(0)} jobs/s`,
            ...(ratio(f.clusterPerSec, f.contractPerSec) !== undefined ? { ratio: ratio(f.clusterPerSec, f.contractPerSec)! } : {}),
            target: "—",
          },
        ]
      : []),
    {
      group: "cluster",
      figure: `the whole flowsmith run --cluster command (start-up and loading included), ${at}`,
      value: ms(f.clusterCommandMs),
      baseline: `bare BullMQ's jobs: ${ms((f.nodes / f.barePerSec) * 1000)}`,
      ...(ratio(f.clusterCommandMs, (f.nodes / f.barePerSec) * 1000) !== undefined ? { ratio: ratio(f.clusterCommandMs, (f.nodes / f.barePerSec) * 1000)! } : {}),
      target: "—",
    },
    {
      group: "cluster",
      figure: `the same run in one process, no cluster (the engine's own cost: a ceiling for the cluster), ${f.nodes.toLocaleString("en-US")} trivial nodes`,
      value: `${f.localPerSec.toFixed(0)} nodes/s`,
      baseline: `bare BullMQ: ${f.barePerSec.toFixed(0)} jobs/s`,
      ...(ratio(f.localPerSec, f.barePerSec) !== undefined ? { ratio: ratio(f.localPerSec, f.barePerSec)! } : {}),
      target: "—",
    },
  ];
}

if (require.main === module) {
  const smoke = process.argv.includes("--smoke");
  clusterBench({ smoke, log: (l) => process.stdout.write(`${l}\n`) }).then(
    (f) => {
      for (const row of clusterRows(f, smoke)) process.stdout.write(`${row.figure}: ${row.value} · ${row.baseline}${row.ratio !== undefined ? ` · ${row.ratio.toFixed(2)}×` : ""}\n`);
    },
    (error) => {
      process.stderr.write(`${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
}
