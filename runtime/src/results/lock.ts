/**
 * The write lock of the embedded results database: a file created exclusively (a hard link of a
 * complete temp file, so no reader ever sees it half-written) naming the holder's pid and a token.
 * A lock of a dead process is taken over; waiting for a live holder is bounded.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { isOlderThan, isProcessAlive, pidOf, readJson } from "../store/files.js";
import { FlowsmithError } from "../util/errors.js";

export interface LockOptions {
  /** How long to wait for a live holder before giving up (default 30 s). */
  timeoutMs?: number;
  /** What the lock guards, for the message when waiting gives up. */
  what: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `fn` holding the lock file; releases it afterwards, whatever `fn` did. */
export async function withFileLock<T>(lockFile: string, options: LockOptions, fn: () => T | Promise<T>): Promise<T> {
  const token = await acquire(lockFile, options);
  try {
    return await fn();
  } finally {
    release(lockFile, token);
  }
}

function tryCreate(lockFile: string, token: string): boolean {
  const temp = `${lockFile}.${process.pid}.${token}.tmp`;
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  fs.writeFileSync(temp, JSON.stringify({ pid: process.pid, token, since: new Date().toISOString() }));
  try {
    fs.linkSync(temp, lockFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

async function acquire(lockFile: string, options: LockOptions): Promise<string> {
  const token = randomBytes(6).toString("hex");
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let delay = 2;
  for (;;) {
    if (tryCreate(lockFile, token)) return token;
    const holder = readJson<unknown>(lockFile);
    if (!holder.ok && holder.missing) continue; // released in between: try again at once
    const pid = pidOf(holder);
    // A lock of a dead process, or garbage that has sat there a while (a crash of some other writer), is taken over.
    if (pid !== undefined ? !isProcessAlive(pid) : isOlderThan(lockFile, 2000)) {
      takeOver(lockFile, holder.ok ? holder.value : undefined);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new FlowsmithError(
        `${options.what} is locked by process ${pid ?? "?"} (${lockFile}) for longer than ${Math.round((options.timeoutMs ?? 30_000) / 1000)} s; if no flowsmith process is running, delete that file`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

/**
 * Removes a stale lock. It is first renamed aside (one of two processes taking over the same lock
 * wins the rename), and put back when what was renamed turns out to be a live holder's new lock.
 */
function takeOver(lockFile: string, seen: unknown): void {
  const aside = `${lockFile}.${process.pid}.${randomBytes(4).toString("hex")}.stale`;
  try {
    fs.renameSync(lockFile, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const moved = readJson<unknown>(aside);
  const same = moved.ok ? JSON.stringify(moved.value) === JSON.stringify(seen) : seen === undefined;
  if (!same) {
    try {
      fs.linkSync(aside, lockFile);
    } catch {
      // Someone took the lock meanwhile: the holder whose lock was moved keeps writing through its own rename.
    }
  }
  fs.rmSync(aside, { force: true });
}

function release(lockFile: string, token: string): void {
  const holder = readJson<{ pid?: number; token?: string }>(lockFile);
  if (holder.ok && holder.value?.token === token) fs.rmSync(lockFile, { force: true });
}
