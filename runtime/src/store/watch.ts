/**
 * Watching a store so statuses change while a run goes on (the language server). It reports
 * which targets' node statuses may have changed: a target's statuses come from its node-state
 * journals and from the outputs they name, so a journal written names its target, and an output
 * removed (a reset, a discarded corrupt output) may change any target that used it. A new output
 * names nobody by itself: the run that wrote it writes its node's state next, which does.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { StoreLayout } from "./layout.js";

/** What changed in the store, as one debounced report. */
export interface StatusChange {
  /** Every target's statuses may have changed (an output removed, or a change that names no target). */
  readonly all: boolean;
  /** Whether this target's (`file#workflow`) node statuses may have changed; always true when `all`. */
  has(target: string): boolean;
  /** Run records, their logs or stop requests changed (the run history, not the statuses). */
  readonly runs: boolean;
}

export interface StoreWatcherOptions {
  /** Changes within this long are reported together (default 150 ms). */
  debounceMs?: number;
  /**
   * How often the state journals are also compared by their timestamps (default 1000 ms): file
   * system events cannot watch a store that does not exist yet and are missed on some file systems.
   */
  pollMs?: number;
}

export class StoreWatcher {
  private readonly layout: StoreLayout;
  private watcher: fs.FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Since the last report: target directories changed, whether all did, whether runs did. */
  private hashes = new Set<string>();
  private all = false;
  private runs = false;
  private stamps = new Map<string, string>();
  private disposed = false;

  constructor(
    readonly storeDir: string,
    private readonly onChange: (change: StatusChange) => void,
    private readonly options: StoreWatcherOptions = {},
  ) {
    this.layout = new StoreLayout(storeDir);
  }

  start(): void {
    if (this.poll || this.disposed) return;
    this.tryWatch();
    this.stamps = this.readStamps();
    this.poll = setInterval(() => this.compare(), this.options.pollMs ?? 1000);
    this.poll.unref();
  }

  dispose(): void {
    this.disposed = true;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.poll) clearInterval(this.poll);
    if (this.timer) clearTimeout(this.timer);
  }

  private tryWatch(): void {
    if (!fs.existsSync(this.storeDir)) return;
    try {
      this.watcher = fs.watch(this.storeDir, { recursive: true }, (_event, name) => this.onEvent(name === null ? undefined : String(name)));
      this.watcher.on("error", () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
  }

  /** A file system event on `name` (relative to the store directory; undefined when not told). */
  private onEvent(name: string | undefined): void {
    if (name === undefined) return this.fire({ all: true });
    const place = this.layout.classify(name.split(path.sep));
    if (place.kind === "state") this.fire({ hash: place.targetHash });
    else if (place.kind === "runs") this.fire({ runs: true });
    else if (place.kind === "object" && !place.temp && !fs.existsSync(path.join(this.storeDir, name))) this.fire({ all: true });
  }

  /** The poll: target directories whose journals changed since the last look. */
  private compare(): void {
    if (this.watcher && !fs.existsSync(this.storeDir)) {
      this.watcher.close(); // the store was removed: watch it again once it is back
      this.watcher = undefined;
    }
    if (!this.watcher) this.tryWatch();
    const now = this.readStamps();
    for (const [hash, stamp] of now) if (this.stamps.get(hash) !== stamp) this.fire({ hash });
    for (const hash of this.stamps.keys()) if (!now.has(hash)) this.fire({ hash });
    this.stamps = now;
  }

  /** Each target directory's timestamp, and its journals' (an append does not touch the directory). */
  private readStamps(): Map<string, string> {
    const stamps = new Map<string, string>();
    const dir = this.layout.statesDir;
    let targets: string[];
    try {
      targets = fs.readdirSync(dir);
    } catch {
      return stamps;
    }
    for (const d of targets) {
      if (!this.layout.isTargetHash(d)) continue;
      const sub = path.join(dir, d);
      try {
        const files = fs.readdirSync(sub).map((f) => {
          const st = fs.statSync(path.join(sub, f), { throwIfNoEntry: false });
          return st ? `${f}@${st.mtimeMs}/${st.size}` : f;
        });
        stamps.set(d, `${fs.statSync(sub).mtimeMs}[${files.join(",")}]`);
      } catch {
        stamps.set(d, "gone");
      }
    }
    return stamps;
  }

  private fire(what: { hash?: string; all?: boolean; runs?: boolean }): void {
    if (this.disposed) return;
    if (what.hash) this.hashes.add(what.hash);
    if (what.all) this.all = true;
    if (what.runs) this.runs = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const change = statusChange(this.layout, this.hashes, this.all, this.runs);
      this.hashes = new Set();
      this.all = this.runs = false;
      this.onChange(change);
    }, this.options.debounceMs ?? 150);
  }
}

function statusChange(layout: StoreLayout, hashes: Set<string>, all: boolean, runs: boolean): StatusChange {
  return { all, runs, has: (target) => all || hashes.has(layout.targetHash(target)) };
}
