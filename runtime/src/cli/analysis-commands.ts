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
  check(target: string, opts: { format?: string; store?: string }): number;
  graph(target: string, opts: { format?: string; store?: string }): number;
  list(dir: string, opts: { format?: string }): number;
  runBlockers(file: string, workflow: string, opts: { store?: string }): string[];
}

/**
 * `check` answered from the results an earlier check kept, when nothing it read changed
 * (dist/check-fast.js, without TypeScript); undefined: the analysis must run.
 */
function checkFromCache(target: string, opts: { format?: string; store?: string }): number | undefined {
  let fast: { checkFromCache(target: string, opts: { format?: string; store?: string }): number | undefined };
  try {
    fast = require(path.join(__dirname, "check-fast.js")) as typeof fast;
  } catch {
    return undefined;
  }
  return fast.checkFromCache(target, opts);
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
    .action((target: string, opts: { format: string; store?: string }) => {
      process.exitCode = checkFromCache(target, opts) ?? loadAnalysis().check(target, opts);
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
