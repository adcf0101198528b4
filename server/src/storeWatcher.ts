/**
 * Watches the store so statuses change while a run goes on. Node states live in journals at
 * `.flowsmith/state/<hash of target>/*.jsonl`; a change there names the workflow whose statuses moved.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export class StoreWatcher {
  private watcher: fs.FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private lastStamp = "";

  /** `onChange` gets the target hashes (directory names under state/) that changed; empty = unknown. */
  constructor(
    private readonly storeDir: string,
    private readonly onChange: (targetHashes: Set<string>) => void,
    private readonly debounceMs = 150,
  ) {}

  start(): void {
    this.tryWatch();
    // fs.watch cannot watch a store that does not exist yet, and misses events on some file
    // systems: a cheap poll of the state directory's timestamps covers both.
    this.poll = setInterval(() => {
      if (!this.watcher) this.tryWatch();
      const stamp = this.stamp();
      if (stamp !== this.lastStamp) {
        this.lastStamp = stamp;
        this.fire(undefined);
      }
    }, 1000);
    this.poll.unref();
    this.lastStamp = this.stamp();
  }

  dispose(): void {
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    if (this.timer) clearTimeout(this.timer);
  }

  private tryWatch(): void {
    if (!fs.existsSync(this.storeDir)) return;
    try {
      this.watcher = fs.watch(this.storeDir, { recursive: true }, (_event, name) => {
        const rel = name ? String(name).split(path.sep) : [];
        if (rel[0] === "state" && rel[1]) this.fire(rel[1]);
        else if (rel[0] === "objects" || rel[0] === "runs") this.fire(undefined);
      });
      this.watcher.on("error", () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
  }

  /** Target directories' timestamps, and their journals' (an append does not touch the directory). */
  private stamp(): string {
    const dir = path.join(this.storeDir, "state");
    try {
      return fs
        .readdirSync(dir)
        .map((d) => {
          const sub = path.join(dir, d);
          const files = fs.readdirSync(sub).map((f) => {
            try {
              const st = fs.statSync(path.join(sub, f));
              return `${f}@${st.mtimeMs}/${st.size}`;
            } catch {
              return f;
            }
          });
          return `${d}:${fs.statSync(sub).mtimeMs}[${files.join(",")}]`;
        })
        .join(",");
    } catch {
      return "";
    }
  }

  private fire(targetHash: string | undefined): void {
    this.pending.add(targetHash ?? "*");
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const changed = this.pending;
      this.pending = new Set();
      this.onChange(changed.has("*") ? new Set() : changed);
    }, this.debounceMs);
  }
}
