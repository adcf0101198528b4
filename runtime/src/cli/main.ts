/**
 * The `flowsmith` command. Bad input (unknown target, bad param, malformed flow file) prints one
 * line naming what is wrong and exits 2; a failed run exits 1; a stopped run exits 130.
 */
import { Command, CommanderError } from "commander";
import { FlowsmithError, errorMessage } from "../util/errors.js";
import { registerPreview } from "./commands/preview.js";
import { registerRun } from "./commands/run.js";
import { registerReset } from "./commands/reset.js";
import { registerStop } from "./commands/stop.js";
import { registerRuns } from "./commands/runs.js";
import { registerResults } from "./commands/results.js";
import { registerInit } from "./commands/init.js";
import { registerDeploy } from "./commands/deploy.js";
import { extraCommands } from "./extra.js";

declare const FLOWSMITH_VERSION: string;

function program(): Command {
  const cmd = new Command("flowsmith")
    .description("Typed TypeScript workflows with a content-addressed output cache")
    .version(typeof FLOWSMITH_VERSION === "string" ? FLOWSMITH_VERSION : "dev")
    .showSuggestionAfterError(true)
    .exitOverride()
    // One line per error: commander puts its "(Did you mean …?)" on a second line.
    .configureOutput({
      writeErr: (s) => process.stderr.write(s.startsWith("error:") ? `flowsmith: ${s.replace(/\n\(Did you mean (.+?)\?\)/, " (did you mean $1?)").trimEnd()}\n` : s),
    });
  registerInit(cmd);
  registerPreview(cmd);
  registerRun(cmd);
  registerReset(cmd);
  registerStop(cmd);
  registerRuns(cmd);
  registerResults(cmd);
  registerDeploy(cmd);
  for (const register of extraCommands) register(cmd);
  for (const sub of cmd.commands) sub.exitOverride();
  return cmd;
}

/** File-system failures that are the machine's state, not a bug: said plainly. */
const STORAGE_ERRORS: Record<string, string> = {
  ENOSPC: "no space left on the device (ENOSPC); free some space and run again — complete nodes are kept",
  EDQUOT: "disk quota exceeded (EDQUOT)",
  EROFS: "the file system is read-only (EROFS)",
  EACCES: "permission denied (EACCES)",
  EPERM: "operation not permitted (EPERM)",
};

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: "user" });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (usage errors) or the help/version text.
      return error.exitCode === 0 ? 0 : 2;
    }
    // By name too: the lazily loaded analysis bundle has its own copy of the class.
    if (error instanceof FlowsmithError || (error as Error)?.name === "FlowsmithError") {
      process.stderr.write(`flowsmith: error: ${(error as Error).message.replace(/\s*\n\s*/g, " ")}\n`);
      return (error as FlowsmithError).exitCode ?? 2;
    }
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code && STORAGE_ERRORS[code]) {
      const where = (error as NodeJS.ErrnoException).path;
      process.stderr.write(`flowsmith: error: cannot write ${where ?? "the store"}: ${STORAGE_ERRORS[code]}\n`);
      return 1;
    }
    process.stderr.write(`flowsmith: internal error: ${errorMessage(error)}\n`);
    if (process.env.FLOWSMITH_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ""}\n`);
    return 70;
  }
}
