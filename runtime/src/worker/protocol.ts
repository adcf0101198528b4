/**
 * What a run and its worker processes (`flowsmith run --workers N`) say to each other. Messages
 * travel over the IPC channel with Node's "advanced" serialization (the structured clone: inputs
 * and outputs arrive as the values they were, `undefined` fields included); a worker's last words
 * before it exits (which attempt called process.exit, an uncaught error) are a marked line on its
 * stderr, written synchronously, so they are read even when the process is gone a moment later.
 */
import type { NodeAttempt } from "../engine/executor.js";

/** The CLI's hidden argument that makes `cli.js` a worker process (bin.ts). */
export const WORKER_ARG = "__flowsmith-worker";
/** The store's cache directory, for the worker's loader (transformed modules). */
export const WORKER_CACHE_ENV = "FLOWSMITH_WORKER_CACHE";
/**
 * The worker processes' heap limit in MB (node's --max-old-space-size), e.g. 64 to see a task run
 * out of memory in a second rather than after gigabytes.
 */
export const WORKER_HEAP_ENV = "FLOWSMITH_WORKER_MAX_OLD_SPACE_MB";

/** An error as it crosses the boundary: enough for describeUserError to say the same line. */
export interface SentError {
  message: string;
  name?: string;
  stack?: string;
  code?: string;
  /** A thrown value that was not an Error (its String()). */
  notError?: boolean;
}

export type ToWorker =
  | { type: "run"; id: number; attempt: NodeAttempt }
  | { type: "abort"; id: number; reason: SentError };

export type FromWorker =
  | { type: "ready"; pid: number; heapLimitMb: number }
  | { type: "log"; id: number; line: string }
  | { type: "progress"; id: number; fraction: number }
  | { type: "done"; id: number; output: unknown }
  | { type: "failed"; id: number; error: SentError };

/** A worker's last words (a stderr line after MARK): the attempt that called process.exit, or an uncaught error. */
export type LastWords = { exit: number; id?: number } | { crash: string; id?: number };

export const MARK = "\u0000flowsmith-worker ";

export function sendableError(error: unknown): SentError {
  if (!(error instanceof Error)) return { message: String(error), notError: true };
  const code = (error as NodeJS.ErrnoException).code;
  return { message: error.message, name: error.name, ...(error.stack ? { stack: error.stack } : {}), ...(typeof code === "string" ? { code } : {}) };
}

/** The error again, on the other side: its message, name, stack and code as they were. */
export function revivedError(sent: SentError): unknown {
  if (sent.notError) return sent.message;
  const error = new Error(sent.message) as Error & { code?: string };
  if (sent.name) error.name = sent.name;
  error.stack = sent.stack ?? `${sent.name ?? "Error"}: ${sent.message}`;
  if (sent.code) error.code = sent.code;
  return error;
}
