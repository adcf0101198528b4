/**
 * `flowsmith run --workers N`: nodes' tasks execute in N local worker processes
 * (engine/executors/processPool.ts). Their own stdout and stderr go to the run's stderr, each line
 * prefixed `[worker PID]`, so `--events ndjson` on stdout stays one event a line.
 */
import { Option } from "commander";
import { ProcessPoolExecutor } from "../engine/executors/processPool.js";
import { FlowsmithError } from "../util/errors.js";

export const workersOption = () => new Option("--workers <n>", "run nodes' tasks in N worker processes (a crash fails only its node; every core used)");

/** The number of worker processes asked for, or undefined without --workers; a bad value is one line (exit 2). */
export function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < 1) throw new FlowsmithError(`--workers must be a whole number ≥ 1, got "${value}"`);
  return n;
}

/** The pool of `workers` processes for a run on the store whose cache directory is `cacheDir`. */
export function workerPool(workers: number | undefined, cacheDir: string): ProcessPoolExecutor | undefined {
  return workers === undefined ? undefined : new ProcessPoolExecutor({ workers, cacheDir });
}
