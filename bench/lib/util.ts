/** Small helpers shared by the benchmarks: statistics, timing, processes, formatting. */
import { spawn, execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The repository root: the nearest directory up from here holding bench/ and runtime/package.json. */
export const REPO = ((): string => {
  // __filename, not __dirname: tsx defines only the former when an ES module imports this file.
  const here = path.dirname(path.resolve(__filename));
  for (let dir = here; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "runtime/package.json")) && fs.existsSync(path.join(dir, "bench"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(here, "../..");
  }
})();
export const CLI = path.join(REPO, "runtime/dist/cli.js");
/** The bundled language server; FLOWSMITH_BENCH_SERVER measures another build (e.g. a prototype fix). */
export const SERVER = process.env.FLOWSMITH_BENCH_SERVER ? path.resolve(process.env.FLOWSMITH_BENCH_SERVER) : path.join(REPO, "dist/server.js");
export const TSC = path.join(REPO, "node_modules/typescript/bin/tsc");

export function now(): number {
  return performance.now();
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The middle value (the lower of the two middle ones of an even count: the benchmarks time odd counts). */
export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Peak resident set size (VmHWM) of a live process, in KiB; undefined when it is gone. */
export function peakRssKiB(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface TimedResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time measured here, ms. */
  wallMs: number;
  /** From /usr/bin/time: elapsed seconds ×1000 and max RSS (KiB), when wrapped. */
  timeMs?: number;
  maxRssKiB?: number;
}

/**
 * Run a command to completion. With `measure`, it is wrapped in `/usr/bin/time -f "%e %M"` so
 * elapsed time and peak RSS come from the kernel's accounting (the last stderr line).
 */
export function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; measure?: boolean; timeoutMs?: number } = {}): Promise<TimedResult> {
  const wrapped = options.measure ? ["/usr/bin/time", ["-f", "__TIME__ %e %M", cmd, ...args]] as const : [cmd, args] as const;
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn(wrapped[0], wrapped[1], { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    const timer = options.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), options.timeoutMs) : undefined;
    child.on("error", reject);
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      const wallMs = now() - started;
      const result: TimedResult = { code, stdout, stderr, wallMs };
      if (options.measure) {
        const m = /__TIME__ ([\d.]+) (\d+)\s*$/.exec(stderr);
        if (m) {
          result.timeMs = Number(m[1]) * 1000;
          result.maxRssKiB = Number(m[2]);
          result.stderr = stderr.slice(0, m.index);
        }
        // /usr/bin/time prints "Command exited with non-zero status N" before the format line.
        result.stderr = result.stderr.replace(/Command exited with non-zero status \d+\n?$/, "");
      }
      resolve(result);
    });
  });
}

/**
 * Flush dirty pages to disk (sync(1)) so a measurement does not pay for the write-back of the one
 * before it: fsync on ext4 can wait for a journal commit that carries other files' data.
 */
export function settleDisk(): void {
  spawnSync("sync", { stdio: "ignore" });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

let ownBase: string | undefined;

/**
 * Where a benchmark's workspaces go: FLOWSMITH_BENCH_DIR when set (kept for a look afterwards), else
 * a directory of this process, removed when it exits — two benchmark runs at once (two checkouts'
 * `npm test` on one machine) must not clear each other's workspaces.
 */
function benchBase(): string {
  if (process.env.FLOWSMITH_BENCH_DIR) return process.env.FLOWSMITH_BENCH_DIR;
  if (!ownBase) {
    const base = (ownBase = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-bench-")));
    process.once("exit", () => fs.rmSync(base, { recursive: true, force: true }));
  }
  return ownBase;
}

export function tempDir(name: string): string {
  const dir = path.join(benchBase(), name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function ms(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return "—";
  if (v >= 10_000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (v >= 100) return `${v.toFixed(0)} ms`;
  if (v >= 10) return `${v.toFixed(1)} ms`;
  if (v >= 1) return `${v.toFixed(2)} ms`;
  return `${(v * 1000).toFixed(0)} µs`;
}

export function mib(kib: number | undefined): string {
  if (kib === undefined || !Number.isFinite(kib)) return "—";
  return `${(kib / 1024).toFixed(0)} MiB`;
}

export interface Machine {
  cpu: string;
  nproc: number;
  memoryGiB: number;
  node: string;
  os: string;
}

export function machine(): Machine {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync("/proc/cpuinfo", "utf8"));
    if (m) cpu = m[1]!.trim();
  } catch {
    /* not Linux */
  }
  let nproc = os.availableParallelism?.() ?? os.cpus().length;
  try {
    nproc = Number(execFileSync("nproc", { encoding: "utf8" }).trim()) || nproc;
  } catch {
    /* no nproc */
  }
  let memoryGiB = os.totalmem() / 1024 ** 3;
  try {
    const m = /^MemTotal:\s+(\d+) kB/m.exec(fs.readFileSync("/proc/meminfo", "utf8"));
    if (m) memoryGiB = Number(m[1]) / 1024 ** 2;
  } catch {
    /* not Linux */
  }
  return { cpu, nproc, memoryGiB: Math.round(memoryGiB * 10) / 10, node: process.version, os: `${os.type()} ${os.release()} ${os.arch()}` };
}

export function requireBuilt(files: string[]): void {
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length) {
    throw new Error(`missing ${missing.map((f) => path.relative(REPO, f)).join(", ")}: run \`npm run build\` first`);
  }
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`benchmark broken: ${message}`);
}
