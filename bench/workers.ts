/**
 * Worker processes benchmark (`flowsmith run --workers N`), through the real CLI, each figure
 * against the same run in one process, measured in the same benchmark run and interleaved:
 *   - 8 CPU-bound tasks of about a second each (a fixed amount of arithmetic, calibrated here on
 *     one core) with --workers 2, against the same run in one process: on 2 cores the goal is at
 *     most 0.6× the time (the CPU-bound tasks of a run in one process hold one core);
 *   - the per-node cost of crossing a process boundary: 500 trivial nodes with --workers 2 against
 *     in one process, as milliseconds per node, apart from the workers' start-up (a one-node run with
 *     --workers 2 against in one process).
 * Wall time of the whole CLI process, fresh store each time (--force-all), no static check.
 * And the machine's parallelism at the time (a shared box's other load takes cores away): the same
 * arithmetic in `workers` bare node processes at once against one bare process doing all of it,
 * the best ratio the first figure could reach then.
 *
 *   node --import tsx bench/workers.ts [--smoke]
 */
import * as path from "node:path";
import * as fs from "node:fs";
import { writeScaffold } from "./generate.js";
import { ratio, type Row } from "./lib/report.js";
import { assert, CLI, median, ms, now, requireBuilt, run, tempDir } from "./lib/util.js";

export interface WorkersOptions {
  smoke?: boolean;
  log?: (line: string) => void;
}

export interface WorkersFigures {
  cpu: { tasks: number; taskMs: number; workers: number; inProcessMs: number[]; workersMs: number[] };
  /** Bare node processes: all the tasks' arithmetic in one, and split over `workers` at once. */
  floor: { oneMs: number[]; parallelMs: number[] };
  trivial: { nodes: number; workers: number; inProcessMs: number[]; workersMs: number[] };
  /** One trivial node: what starting the workers costs a run. */
  single: { inProcessMs: number[]; workersMs: number[] };
}

/** The benchmark's flow file: `tasks` CPU-bound tasks of `iterations`, and `nodes` trivial ones (the graph is fixed by constants). */
function flowText(tasks: number, iterations: number, nodes: number): string {
  return `import { task, workflow } from "flowsmith";

/** A fixed amount of arithmetic (no clock): the same work in any process. */
export const crunch = task({ name: "crunch" }, async ({ i, iterations }: { i: number; iterations: number }) => {
  let x = i;
  for (let k = 0; k < iterations; k++) x = (x * 1103515245 + 12345) % 2147483648;
  return { x };
});
export const cpu = workflow(() => ({ xs: Array.from({ length: ${tasks} }, (_, i) => crunch({ i, iterations: ${iterations} }).x) }));

export const nothing = task({ name: "nothing" }, async ({ i }: { i: number }) => ({ i }));
export const trivial = workflow(() => ({ n: Array.from({ length: ${nodes} }, (_, i) => nothing({ i }).i).length }));
export const single = workflow(() => ({ n: nothing({ i: 0 }).i }));
`;
}

/** Iterations of crunch's loop that take about `ms` on one core of this machine (measured now). */
function calibrate(ms: number): number {
  const iterations = 2_000_000;
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = now();
    let x = r;
    for (let k = 0; k < iterations; k++) x = (x * 1103515245 + 12345) % 2147483648;
    times.push(now() - t);
    if (x === -1) throw new Error("unreachable");
  }
  return Math.round((iterations * ms) / Math.min(...times));
}

export async function workersBench(o: WorkersOptions = {}): Promise<WorkersFigures> {
  requireBuilt([CLI]);
  const log = o.log ?? (() => {});
  const dir = tempDir("workers");
  writeScaffold(dir, "flowsmith-workers-bench");
  const repeats = o.smoke ? 1 : 3;
  const workers = 2;
  const cpuTasks = o.smoke ? 4 : 8;
  const taskMs = o.smoke ? 150 : 1000;
  const nodes = o.smoke ? 100 : 500;
  const iterations = calibrate(taskMs);
  log(`  crunch: ${iterations.toLocaleString("en-US")} iterations ≈ ${taskMs} ms on one core`);
  fs.writeFileSync(path.join(dir, "flow.ts"), flowText(cpuTasks, iterations, nodes));

  const cli = async (args: string[], what: string): Promise<number> => {
    fs.rmSync(path.join(dir, ".flowsmith"), { recursive: true, force: true });
    const started = now();
    const r = await run(process.execPath, [CLI, "run", ...args, "--no-check", "--force-all"], { cwd: dir, timeoutMs: 600_000 });
    const took = now() - started;
    assert(r.code === 0, `${what} exited ${r.code}: ${r.stderr.slice(0, 1500)}${r.stdout.slice(-800)}`);
    return took;
  };
  const figures: WorkersFigures = {
    cpu: { tasks: cpuTasks, taskMs, workers, inProcessMs: [], workersMs: [] },
    trivial: { nodes, workers, inProcessMs: [], workersMs: [] },
    floor: { oneMs: [], parallelMs: [] },
    single: { inProcessMs: [], workersMs: [] },
  };
  const bare = (count: number) => {
    const code = `let x = 1; for (let t = 0; t < ${count}; t++) for (let k = 0; k < ${iterations}; k++) x = (x * 1103515245 + 12345) % 2147483648; if (x === -1) console.log(x);`;
    return run(process.execPath, ["-e", code], { cwd: dir });
  };
  const cpuArgs = ["flow.ts#cpu"];
  const trivialArgs = ["flow.ts#trivial"];
  for (let r = 0; r < repeats; r++) {
    figures.cpu.inProcessMs.push(await cli(cpuArgs, "cpu in one process"));
    figures.cpu.workersMs.push(await cli([...cpuArgs, "--workers", String(workers)], "cpu with --workers"));
    let t = now();
    await bare(cpuTasks);
    figures.floor.oneMs.push(now() - t);
    t = now();
    await Promise.all(Array.from({ length: workers }, () => bare(Math.ceil(cpuTasks / workers))));
    figures.floor.parallelMs.push(now() - t);
    figures.trivial.inProcessMs.push(await cli(trivialArgs, "trivial in one process"));
    figures.trivial.workersMs.push(await cli([...trivialArgs, "--workers", String(workers)], "trivial with --workers"));
    figures.single.inProcessMs.push(await cli(["flow.ts#single"], "one node in one process"));
    figures.single.workersMs.push(await cli(["flow.ts#single", "--workers", String(workers)], "one node with --workers"));
    log(
      `  round ${r + 1}: cpu ${ms(figures.cpu.inProcessMs.at(-1))} in one process, ${ms(figures.cpu.workersMs.at(-1))} with --workers ${workers}; ` +
        `bare ${ms(figures.floor.oneMs.at(-1))} / ${ms(figures.floor.parallelMs.at(-1))}; ` +
        `${nodes} trivial nodes ${ms(figures.trivial.inProcessMs.at(-1))} / ${ms(figures.trivial.workersMs.at(-1))}; ` +
        `one node ${ms(figures.single.inProcessMs.at(-1))} / ${ms(figures.single.workersMs.at(-1))}`,
    );
  }
  return figures;
}

export function workersRows(f: WorkersFigures, smoke: boolean): Row[] {
  const cpuHere = median(f.cpu.inProcessMs);
  const cpuThere = median(f.cpu.workersMs);
  const nodesHere = median(f.trivial.inProcessMs);
  const nodesThere = median(f.trivial.workersMs);
  const startHere = median(f.single.inProcessMs);
  const startThere = median(f.single.workersMs);
  const perNode = (nodesThere - nodesHere - (startThere - startHere)) / (f.trivial.nodes - 1);
  const cpuRatio = ratio(cpuThere, cpuHere);
  return [
    {
      group: "workers",
      figure: `the machine's parallelism now: the same arithmetic in ${f.cpu.workers} bare node processes at once against one (medians)`,
      value: ms(median(f.floor.parallelMs)),
      baseline: `one process ${ms(median(f.floor.oneMs))}`,
      ratio: ratio(median(f.floor.parallelMs), median(f.floor.oneMs)),
      target: "— (the best the next row can reach now)",
    },
    {
      group: "workers",
      figure: `${f.cpu.tasks} CPU-bound tasks of ~${f.cpu.taskMs} ms, --workers ${f.cpu.workers} against one process (whole CLI runs, medians of ${f.cpu.inProcessMs.length})`,
      value: ms(cpuThere),
      baseline: `one process ${ms(cpuHere)}`,
      ratio: cpuRatio,
      target: smoke ? "—" : "≤ 0.6×",
      ...(smoke || cpuRatio === undefined ? {} : { pass: cpuRatio <= 0.6 }),
    },
    {
      group: "workers",
      figure: `crossing a process boundary: ${f.trivial.nodes} trivial nodes, --workers ${f.trivial.workers} against one process (whole CLI runs, medians)`,
      value: `${ms(nodesThere)} (${perNode.toFixed(2)} ms a node more, start-up apart)`,
      baseline: `one process ${ms(nodesHere)}`,
      ratio: ratio(nodesThere, nodesHere),
      target: "—",
    },
    {
      group: "workers",
      figure: `starting ${f.trivial.workers} worker processes: a one-node run, --workers ${f.trivial.workers} against one process (whole CLI runs, medians)`,
      value: `${ms(startThere)} (${ms(startThere - startHere)} more)`,
      baseline: `one process ${ms(startHere)}`,
      ratio: ratio(startThere, startHere),
      target: "—",
    },
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(__filename)) {
  const smoke = process.argv.includes("--smoke");
  workersBench({ smoke, log: (l) => process.stdout.write(`${l}\n`) }).then(
    (f) => {
      for (const r of workersRows(f, smoke)) process.stdout.write(`${r.figure}: ${r.value} vs ${r.baseline} = ${r.ratio?.toFixed(2)}× ${r.target}\n`);
    },
    (error) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
