/**
 * Locks per cache key (`locks/<key>.lock`, naming the holder's process), so two runs never compute
 * the same node at once. A lock left by a dead process is taken over.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureDir, isOlderThan, isProcessAlive, pidOf, readJson } from "./files.js";
import { isKey, type StoreLayout } from "./layout.js";

export class KeyLocks {
  constructor(private readonly layout: StoreLayout) {}

  /** Take the lock for computing one cache key; false when a live process holds it. */
  tryLock(key: string, runId: string): boolean {
    if (!isKey(key)) throw new Error(`invalid cache key ${key}`);
    const file = this.layout.lock(key);
    ensureDir(path.dirname(file));
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify({ pid: process.pid, runId }), { flag: "wx" });
        return true;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") {
          // The locks directory went away under us (a cleanup): make it again.
          fs.mkdirSync(path.dirname(file), { recursive: true });
          continue;
        }
        if (code !== "EEXIST") throw error;
      }
      const holder = readJson<unknown>(file);
      const pid = pidOf(holder);
      // A lock of a dead process, or garbage that has sat there a while, is taken over.
      const orphaned = pid !== undefined ? !isProcessAlive(pid) : holder.ok || !holder.missing ? isOlderThan(file, 2000) : false;
      if (!orphaned && !(holder.ok === false && holder.missing)) return false;
      fs.rmSync(file, { force: true });
    }
    return false;
  }

  /**
   * Remove the locks of processes that are gone (a killed run leaves its locks behind). Returns
   * whether a live process still holds one (a run of an older version that does not register).
   */
  sweep(): boolean {
    const dir = this.layout.locksDir;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return false;
    }
    let held = false;
    for (const name of names) {
      if (!this.layout.isLock(name)) continue;
      const file = path.join(dir, name);
      const holder = readJson<unknown>(file);
      if (!holder.ok && holder.missing) continue;
      const pid = pidOf(holder);
      const orphaned = pid !== undefined ? !isProcessAlive(pid) : isOlderThan(file, 2000);
      if (orphaned) fs.rmSync(file, { force: true });
      else held = true;
    }
    return held;
  }

  unlock(key: string): void {
    fs.rmSync(this.layout.lock(key), { force: true });
  }
}
