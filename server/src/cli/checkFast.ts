/**
 * `flowsmith check` answered from the results an earlier check kept (checkCache.ts), without the
 * analysis bundle: runtime/dist/check-fast.js, a few hundred kB without TypeScript, which the CLI
 * loads first. Loading the analysis (13 MB, TypeScript inside) costs more than a small check's
 * whole answer; when nothing the last check read has changed, that answer is this.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { findWorkspaceRoot } from "../../../runtime/src/store/store.js";
import { keptResults } from "./checkCache.js";
import { reportCheck } from "./checkOutput.js";
import { checkFromDaemon } from "./checkDaemonClient.js";
import { FlowsmithError } from "../../../runtime/src/util/errors.js";

/** The exit code of a check answered from the cache, or undefined: the analysis must run. */
export function checkFromCache(target: string, opts: { format?: string; store?: string }): number | undefined {
  const abs = path.resolve(target);
  let isDir: boolean;
  try {
    isDir = fs.statSync(abs).isDirectory();
  } catch {
    return undefined; // the analysis says what is wrong with the path
  }
  const kept = keptResults(abs);
  if (!kept) return undefined;
  return reportCheck(isDir ? findWorkspaceRoot(abs) : process.cwd(), opts, kept.files, kept.results);
}

/**
 * The exit code of a check the daemon answered (checkDaemonClient.ts), or undefined: check by
 * yourself. A mistake in the user's input comes back as the one line the analysis would say.
 */
export async function checkWithDaemon(target: string, opts: { format?: string; store?: string }): Promise<number | undefined> {
  const answer = await checkFromDaemon(target, opts.store);
  if (!answer) return undefined;
  if ("error" in answer) throw new FlowsmithError(answer.error, undefined, answer.exitCode);
  const abs = path.resolve(target);
  const root = fs.statSync(abs).isDirectory() ? findWorkspaceRoot(abs) : process.cwd();
  return reportCheck(root, opts, answer.files, answer.results);
}

export { daemonSocket, startDaemon, stopDaemon } from "./checkDaemonClient.js";
