/**
 * Watches the `asset()` files and directories of the workflows a folder's analysis has open (DESIGN
 * "Dynamic shapes": the nodes reading an asset are STALE in the editor as soon as its content
 * changes, before anything runs). It polls a cheap stamp of each asset — a file's size and mtime, a
 * directory's entries with theirs (capped) — and when one changes, forgets the asset's hash in the
 * folder's status source and reports the targets reading it, as a store change does. The asset is
 * hashed again (through the store's size-and-mtime cache) only when a status is next asked for.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { FlowAnalysis } from "./analysis/index.js";

/** A directory's stamp stops after this many entries (a huge tree is still stamped by its first ones). */
const MAX_ENTRIES = 20000;

export class AssetWatch {
  private timer: NodeJS.Timeout | undefined;
  private readonly stamps = new Map<string, string>();
  private disposed = false;

  constructor(
    private readonly analysis: FlowAnalysis,
    /** Assets at these absolute paths changed; these targets read them. */
    private readonly onChange: (targets: Set<string>, paths: string[]) => void,
    private readonly pollMs = 1000,
  ) {}

  start(): void {
    if (this.timer || this.disposed) return;
    this.timer = setInterval(() => this.poll(), this.pollMs);
    this.timer.unref();
  }

  /** Compare every watched asset's stamp with the last one (exposed for tests). */
  poll(): void {
    let readers: Map<string, Set<string>>;
    try {
      readers = this.readers();
    } catch {
      return;
    }
    const changed: string[] = [];
    const targets = new Set<string>();
    const firstSeen: string[] = [];
    for (const [abs, reading] of readers) {
      const now = stampOf(abs);
      const before = this.stamps.get(abs);
      this.stamps.set(abs, now);
      // A hash remembered before the watch first stamped the path may be older than the stamp.
      if (before === undefined) firstSeen.push(abs);
      if (before !== undefined && before !== now) {
        changed.push(abs);
        for (const t of reading) targets.add(t);
      }
    }
    for (const abs of [...this.stamps.keys()]) if (!readers.has(abs)) this.stamps.delete(abs);
    if (firstSeen.length) this.analysis.store.assetsChanged?.(firstSeen);
    if (!changed.length) return;
    this.analysis.store.assetsChanged?.(changed);
    this.onChange(targets, changed);
  }

  /** Each asset of the analysed workflows, with the targets of the workflows reading it. */
  private readers(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const wf of this.analysis.analysedWorkflows()) {
      for (const node of wf.nodes) {
        for (const abs of Object.values(node.assetInputs ?? {})) {
          let set = out.get(abs);
          if (!set) out.set(abs, (set = new Set()));
          set.add(this.analysis.targetOf(wf));
        }
      }
    }
    return out;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Size and mtime of a file, of a directory's entries (sorted, capped), or "missing". */
function stampOf(abs: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    return "missing";
  }
  if (!st.isDirectory()) return `${st.size}:${st.mtimeMs}`;
  const parts: string[] = [];
  const walk = (dir: string, rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (parts.length >= MAX_ENTRIES) return;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full, `${rel}${e.name}/`);
      else {
        try {
          const s = fs.statSync(full);
          parts.push(`${rel}${e.name}:${s.size}:${s.mtimeMs}`);
        } catch {
          /* gone while listed */
        }
      }
    }
  };
  walk(abs, "");
  return parts.join("\n");
}
