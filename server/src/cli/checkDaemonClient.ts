/**
 * The client side of the check daemon (checkDaemon.ts), in check-fast.js (no TypeScript): ask a
 * running daemon for a check's results, or start one for the next check.
 *
 * FLOWSMITH_CHECK_DAEMON=on uses (and starts) it always, =off never; by default it is used and
 * started only by a check whose output is a terminal and outside CI (CI=true), so scripts and CI
 * never leave a process behind. Any trouble reaching it and the check runs by itself, as before.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { codeCacheDir } from "../../../runtime/src/util/codeCache.js";
import { bundleIdentity, type CheckResults } from "./checkCache.js";
import type { DaemonRequest, DaemonResponse } from "./checkDaemonProtocol.js";

/** A daemon building a large workspace's program may take this long to answer its first check. */
const ANSWER_TIMEOUT_MS = 120_000;
const CONNECT_TIMEOUT_MS = 1_000;

export function daemonWanted(): boolean {
  const setting = process.env.FLOWSMITH_CHECK_DAEMON;
  if (setting === "off" || process.platform === "win32") return false;
  if (process.env.FLOWSMITH_CHECK_CACHE === "off" || process.env.FLOWSMITH_CODE_CACHE === "off") return false;
  if (setting === "on") return true;
  return !process.env.CI && process.stdout.isTTY === true;
}

/** The daemon's socket for this working directory and build; undefined where none can be. */
export function daemonSocket(): { socket: string; identity: string } | undefined {
  const identity = bundleIdentity();
  if (!identity) return undefined;
  const id = createHash("sha256").update(`${identity}\0${process.cwd()}`).digest("hex").slice(0, 16);
  const socket = path.join(codeCacheDir(), `checkd-${id}.sock`);
  // (A Unix socket's path is limited to 107 bytes.)
  return Buffer.byteLength(socket) <= 100 ? { socket, identity } : undefined;
}

/** Ask the daemon; undefined when none answers (no socket, a dead one, another build, trouble). */
export function askDaemon(request: Omit<DaemonRequest, "cwd" | "identity">): Promise<DaemonResponse | undefined> {
  const where = daemonSocket();
  if (!where || !fs.existsSync(where.socket)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let settled = false;
    let buffer = "";
    const done = (value: DaemonResponse | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(answerTimer);
      socket.destroy();
      resolve(value);
    };
    const socket = net.connect(where.socket);
    const connectTimer = setTimeout(() => done(undefined), CONNECT_TIMEOUT_MS);
    const answerTimer = setTimeout(() => done(undefined), ANSWER_TIMEOUT_MS);
    socket.setEncoding("utf8");
    socket.on("connect", () => {
      clearTimeout(connectTimer);
      socket.write(`${JSON.stringify({ ...request, cwd: process.cwd(), identity: where.identity })}\n`);
    });
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf("\n");
      if (nl < 0) return;
      try {
        done(JSON.parse(buffer.slice(0, nl)) as DaemonResponse);
      } catch {
        done(undefined);
      }
    });
    socket.on("error", () => done(undefined));
    socket.on("close", () => done(undefined));
  });
}

/** A check's results from the daemon; undefined: check by yourself. A user's mistake comes back as `error`. */
export async function checkFromDaemon(target: string, store?: string): Promise<CheckResults | { error: string; exitCode: number } | undefined> {
  if (!daemonWanted()) return undefined;
  const response = await askDaemon({ type: "check", target, store });
  if (!response) return undefined;
  if (response.ok) return { files: response.files, results: response.results };
  return response.exitCode >= 0 ? { error: response.error, exitCode: response.exitCode } : undefined;
}

/** Start a daemon in the background (it builds `target`'s analysis at once), if wanted and none runs. */
export function startDaemon(target: string, store?: string): void {
  if (!daemonWanted()) return;
  const where = daemonSocket();
  const cli = path.join(__dirname, "cli.js");
  if (!where || !fs.existsSync(cli)) return;
  // One starting at a time: a daemon still loading has no socket yet.
  const pidFile = `${where.socket}.pid`;
  try {
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    if (pid > 0) {
      process.kill(pid, 0);
      return;
    }
  } catch {
    // none, or a dead one's
  }
  try {
    const child = spawn(process.execPath, [cli, "check-daemon", "--warm", target, ...(store ? ["--store", store] : [])], {
      cwd: process.cwd(),
      detached: true,
      stdio: "ignore",
      env: process.env,
    });
    child.on("error", () => undefined);
    child.unref();
    if (child.pid) fs.writeFileSync(pidFile, String(child.pid), { mode: 0o600 });
  } catch {
    // no daemon: every check builds its own analysis, as before
  }
}

/** Stop this directory's daemon; its pid, or undefined when none ran. */
export async function stopDaemon(): Promise<number | undefined> {
  const response = await askDaemon({ type: "stop", target: "." });
  return response?.pid;
}
