/** What `flowsmith check` and its daemon (checkDaemon.ts) say to each other: one JSON line each way. */
import type { FileResult } from "./checkCache.js";

export interface DaemonRequest {
  type: "check" | "stop";
  /** As the user wrote it; resolved against cwd. */
  target: string;
  store?: string;
  /** The client's working directory: a daemon serves one. */
  cwd: string;
  /** The analysis bundles' identity: a daemon serves the build it was started from. */
  identity: string;
}

export type DaemonResponse =
  | { ok: true; files: string[]; results: FileResult[]; pid: number }
  /** exitCode -1: not the user's mistake (the client checks by itself); else a one-line error to print. */
  | { ok: false; error: string; exitCode: number; pid: number };
