/**
 * `flowsmith run` refuses a workflow that `flowsmith check` finds errors in, before any node runs:
 * the check's own lines, then one line saying so (exit 2); `--no-check` skips it. The analysis runs
 * in a child process (its hundreds of MB of TypeScript program are not the run's to keep), and a
 * clean check is remembered in the store's cache under a hash of the texts of every module the load
 * compiled (and the nearest tsconfig.json), so a re-run of unchanged code does not check again.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { PreparedFlow } from "../engine/prepare.js";
import { writeFileAtomic } from "../store/files.js";
import { FlowsmithError } from "../util/errors.js";
import { analysisBundle } from "./analysis-commands.js";
import { cacheEntry } from "../store/layout.js";

/** Run in the child: the blocking diagnostics' lines, or why there are none to give, as JSON. */
const CHILD = `const [bundle, file, workflow, store] = process.argv.slice(1);
let out;
try { out = { lines: require(bundle).runBlockers(file, workflow, store ? { store } : {}) }; }
catch (e) { out = { error: String((e && e.message) || e) }; }
process.stdout.write(JSON.stringify(out));`;

declare const FLOWSMITH_VERSION: string;

export function refuseBrokenFlow(prepared: PreparedFlow, opts: { store?: string }): void {
  const marker = cacheEntry(prepared.store.cacheDir, "checked", checkKey(prepared));
  if (fs.existsSync(marker)) return;
  const blockers = blockersOf(prepared, opts);
  if (blockers.length) {
    for (const line of blockers) process.stderr.write(`${line}\n`);
    const n = blockers.length;
    throw new FlowsmithError(`${prepared.shown}#${prepared.name} not run: flowsmith check finds ${n} error${n === 1 ? "" : "s"} in ${prepared.shown} (above); fix ${n === 1 ? "it" : "them"}, or pass --no-check to run anyway`);
  }
  try {
    writeFileAtomic(marker, "", false);
  } catch {
    // Only saves the next run a check: a store that cannot take it is reported by the run itself.
  }
}

function blockersOf(prepared: PreparedFlow, opts: { store?: string }): string[] {
  const child = spawnSync(process.execPath, ["-e", CHILD, analysisBundle(), prepared.flows.file, prepared.name, opts.store ?? ""], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
    shell: false,
  });
  let answer: { lines?: string[]; error?: string } = {};
  try {
    answer = JSON.parse(child.stdout) as typeof answer;
  } catch {
    answer = { error: child.error?.message ?? (child.stderr.trim().split("\n").at(-1) || `the check exited ${child.status ?? child.signal}`) };
  }
  if (!answer.lines) {
    // Never "no problems" about a flow the check could not read.
    throw new FlowsmithError(`${prepared.shown}#${prepared.name} not run: it could not be checked (${answer.error}); pass --no-check to run it unchecked`);
  }
  return answer.lines;
}

/** What a check's answer depends on: the code the load compiled, the workflow, the settings, the analysis. */
function checkKey(prepared: PreparedFlow): string {
  const hash = createHash("sha256");
  hash.update(`${typeof FLOWSMITH_VERSION === "string" ? FLOWSMITH_VERSION : "dev"}\0${prepared.name}\0`);
  for (const file of [prepared.flows.file, ...[...prepared.flows.modules].sort()]) {
    hash.update(`${file}\0`);
    try {
      hash.update(fs.readFileSync(file));
    } catch {
      hash.update("(unreadable)");
    }
    hash.update("\0");
  }
  const config = nearestTsconfig(path.dirname(prepared.flows.file));
  if (config) hash.update(`${config}\0${fs.readFileSync(config, "utf8")}`);
  return hash.digest("hex").slice(0, 32);
}

function nearestTsconfig(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    const candidate = path.join(d, "tsconfig.json");
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(d) === d) return undefined;
  }
}
