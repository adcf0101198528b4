/**
 * The runs computing in a store now (`active/<run id>.json`, each naming its process), so a run
 * knows when it shares the store and must lock what it computes; and the sweeping of temp files
 * that runs killed mid-write leave behind.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureDir, isOlderThan, isProcessAlive, pidOf, readJson } from "./files.js";
import { tempFilePid, type StoreLayout } from "./layout.js";

export class RunRegistry {
  constructor(private readonly layout: StoreLayout) {}

  /**
   * Say a run is computing in this store: other runs then take a lock per cache key. Written through
   * a temp file in tmp/ (named by the pid, swept when that process is gone) and renamed into active/,
   * so a run killed mid-write leaves nothing half-made among the registrations.
   */
  register(runId: string, sharing = false): void {
    const file = this.layout.registration(runId);
    ensureDir(this.layout.tmpDir);
    ensureDir(path.dirname(file));
    const tmp = this.layout.registrationTemp(runId);
    fs.writeFileSync(tmp, `${JSON.stringify({ pid: process.pid, runId, ...(sharing ? { sharing } : {}) })}\n`);
    fs.renameSync(tmp, file);
  }

  /**
   * Whether a run has said it locks what it computes (registered with `sharing`), or is gone: a
   * newcomer starts nothing before every live run has, so no node is computed by two runs.
   */
  sharingOrGone(runId: string): boolean {
    const r = readJson<{ sharing?: unknown }>(this.layout.registration(runId));
    if (!r.ok) return r.missing;
    return r.value.sharing === true || !isProcessAlive(pidOf(r));
  }

  unregister(runId: string): void {
    fs.rmSync(this.layout.registration(runId), { force: true });
  }

  /** The runs computing in this store now. Registrations of dead processes are removed. */
  live(): string[] {
    const dir = this.layout.activeDir;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return [];
    }
    const live: string[] = [];
    for (const name of names) {
      const id = this.layout.runOfRegistration(name);
      if (!id) continue; // a temp file being written, a marker
      const file = path.join(dir, name);
      const r = readJson<unknown>(file);
      const pid = pidOf(r);
      // Gone, or garbage that has sat there a while: not a live run. Unreadable is live, to be safe.
      const dead = pid !== undefined ? !isProcessAlive(pid) : r.ok || !r.missing ? isOlderThan(file, 10_000) : true;
      if (dead) {
        // Left as a marker that temp files of a dead run may lie among the outputs (sweepTemp).
        if (!(r.ok === false && r.missing)) {
          try {
            fs.renameSync(file, this.layout.deadMarker(id));
          } catch {
            /* cleared by someone else meanwhile */
          }
        }
        continue;
      }
      live.push(id);
    }
    return live;
  }

  /**
   * Temp files of processes that are gone (a run killed mid-write), removed. They sit next to the
   * outputs being written (`objects/<shard>/<key>.json.<pid>.….tmp`), so the shards are only
   * searched when a run is known to have died: `live` leaves a `.dead` marker in `active/` for
   * each dead registration it clears. Stores of 0.1.1 kept them in `tmp/`, still swept; a
   * registration's own temp file (`active/<run>.json.<pid>.….tmp`) is swept every time.
   */
  sweepTemp(): void {
    removeDeadTemps(this.layout.tmpDir, (name) => this.layout.tmpFilePid(name));
    const active = this.layout.activeDir;
    // A run killed while writing its own registration leaves its temp file here (a few files: cheap).
    removeDeadTemps(active, tempFilePid);
    let dead: string[];
    try {
      dead = fs.readdirSync(active).filter((n) => this.layout.isDeadMarker(n));
    } catch {
      return;
    }
    if (!dead.length) return;
    let shards: string[];
    try {
      shards = fs.readdirSync(this.layout.objectsDir).filter((n) => this.layout.isShard(n));
    } catch {
      shards = [];
    }
    for (const shard of shards) removeDeadTemps(this.layout.shard(shard), tempFilePid);
    for (const name of dead) fs.rmSync(path.join(active, name), { force: true });
  }
}

/** The temp files in `dir` whose writing process is gone, removed. */
function removeDeadTemps(dir: string, pidOfName: (name: string) => number | undefined): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.endsWith(".tmp")) continue;
    if (!isProcessAlive(pidOfName(name))) fs.rmSync(path.join(dir, name), { force: true });
  }
}
