/**
 * `check`, `graph` and `list` run the language server's static analysis (ts-morph). It is bundled
 * separately as dist/analysis.js next to this CLI and loaded only when one of these commands runs,
 * so `flowsmith run` starts fast and the runtime's sources never import the server's.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Option, type Command } from "commander";
import { extraCommands } from "./extra.js";
import { storeOption } from "./options.js";
import { FlowsmithError } from "../util/errors.js";
import { requireWithCodeCache } from "../util/codeCache.js";

export interface AnalysisCli {
  runCheckDaemon(options: { socket: string; identity: string; idleMs: number; warm?: { target: string; store?: string } }): void;
  check(target: string, opts: { format?: string; store?: string }): number;
  graph(target: string, opts: { format?: string; store?: string }): number;
  list(dir: string, opts: { format?: string }): number;
  runBlockers(file: string, workflow: string, opts: { store?: string }): string[];
}

/** dist/check-fast.js (server/src/cli/checkFast.ts): the check cache and the check daemon's client, without TypeScript. */
interface CheckFast {
  checkFromCache(target: string, opts: { format?: string; store?: string }): number | undefined;
  checkWithDaemon(target: string, opts: { format?: string; store?: string }): Promise<number | undefined>;
  startDaemon(target: string, store?: string): void;
  stopDaemon(): Promise<number | undefined>;
  daemonSocket(): { socket: string; identity: string } | undefined;
}

function checkFast(): CheckFast | undefined {
  try {
    return require(path.join(__dirname, "check-fast.js")) as CheckFast;
  } catch {
    return undefined;
  }
}

/** dist/analysis.js, next to this CLI. */
export function analysisBundle(): string {
  const file = path.join(__dirname, "analysis.js");
  if (!fs.existsSync(file)) throw new FlowsmithError(`the static analysis is not installed (${file} is missing); rebuild with npm run build`);
  return file;
}

/** The analysis bundle, through a V8 code cache (util/codeCache.ts): most of a small check's start is compiling it. */
function loadAnalysis(): AnalysisCli {
  const { exports, cache } = requireWithCodeCache(analysisBundle(), "analysis", module);
  // Written once the command is done, with what it compiled lazily (a no-op after a hit).
  process.once("exit", () => cache.save());
  return exports as AnalysisCli;
}

extraCommands.push((program: Command) => {
  program
    .command("check")
    .description("the language server's diagnostics for flow files; exit 1 on any error (nothing is executed)")
    .argument("[path]", "a directory or a flow file", ".")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .addOption(storeOption())
    .action(async (target: string, opts: { format: string; store?: string }) => {
      // Kept results when nothing changed; else a running check daemon's; else the analysis here.
      const fast = checkFast();
      const answered = fast?.checkFromCache(target, opts) ?? (await fast?.checkWithDaemon(target, opts));
      if (answered !== undefined) {
        process.exitCode = answered;
        return;
      }
      process.exitCode = loadAnalysis().check(target, opts);
      fast?.startDaemon(target, opts.store);
    });
  program
    .command("check-daemon", { hidden: true })
    .description("keep a check's analysis for the next checks in this directory (started by check; FLOWSMITH_CHECK_DAEMON=on|off)")
    .option("--warm <path>", "build this check's analysis at once")
    .option("--stop", "stop this directory's daemon")
    .addOption(storeOption())
    .action(async (opts: { warm?: string; stop?: boolean; store?: string }) => {
      const fast = checkFast();
      const where = fast?.daemonSocket();
      if (!fast || !where) throw new FlowsmithError("the check daemon runs from the built CLI only (runtime/dist/check-fast.js)");
      if (opts.stop) {
        const pid = await fast.stopDaemon();
        process.stdout.write(pid ? `stopped the check daemon (pid ${pid})\n` : "no check daemon runs for this directory\n");
        return;
      }
      const idleMs = Number(process.env.FLOWSMITH_CHECK_DAEMON_IDLE_MS ?? 600_000);
      loadAnalysis().runCheckDaemon({
        ...where,
        idleMs: Number.isFinite(idleMs) && idleMs > 0 ? idleMs : 600_000,
        ...(opts.warm ? { warm: { target: opts.warm, store: opts.store } } : {}),
      });
      // It serves until idle: this command does not return.
      await new Promise(() => undefined);
    });
  program
    .command("graph")
    .description("a workflow's nodes, edges and statuses (nothing is executed)")
    .argument("<target>", "FILE#workflow")
    .addOption(new Option("--format <format>", "output format").choices(["json", "dot", "mermaid"]).default("json"))
    .addOption(storeOption())
    .action((target: string, opts: { format: string; store?: string }) => {
      process.exitCode = loadAnalysis().graph(target, opts);
    });
  program
    .command("list")
    .description("flows and tasks found, with locations (nothing is executed)")
    .argument("[dir]", "directory to search", ".")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action((dir: string, opts: { format: string }) => {
      process.exitCode = loadAnalysis().list(dir, opts);
    });
});
