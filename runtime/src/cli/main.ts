/**
 * The `flowsmith` command. Bad input (unknown target, bad param, malformed flow file) prints one
 * line naming what is wrong and exits 2; a failed run exits 1; a stopped run exits 130.
 */
import { Command, CommanderError, Option } from "commander";
import { FlowsmithError, errorMessage } from "../util/errors.js";
import { registerPreview } from "./commands/preview.js";
import { registerRun } from "./commands/run.js";
import { registerReset } from "./commands/reset.js";
import { registerStop } from "./commands/stop.js";
import { registerRuns } from "./commands/runs.js";
import { registerResults } from "./commands/results.js";
import { extraCommands } from "./extra.js";

declare const FLOWSMITH_VERSION: string;

export const collect = (value: string, previous: string[] = []) => [...previous, value];
export const storeOption = () => new Option("--store <dir>", "store directory (default: .flowsmith in the workspace root; env FLOWSMITH_STORE)");

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
  registerPreview(cmd);
  registerRun(cmd);
  registerReset(cmd);
  registerStop(cmd);
  registerRuns(cmd);
  registerResults(cmd);
  for (const register of extraCommands) register(cmd);
  for (const sub of cmd.commands) sub.exitOverride();
  return cmd;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: "user" });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (usage errors) or the help/version text.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof FlowsmithError) {
      process.stderr.write(`flowsmith: error: ${error.message.replace(/\s*\n\s*/g, " ")}\n`);
      return error.exitCode;
    }
    process.stderr.write(`flowsmith: internal error: ${errorMessage(error)}\n`);
    if (process.env.FLOWSMITH_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ""}\n`);
    return 70;
  }
}
