/**
 * The workspace folders the server analyses: one analysis (and one store watcher) per folder, as
 * a multi-root VS Code workspace has several projects, each with its own tsconfigs, its own store
 * and targets relative to its own root. A file belongs to the innermost folder holding it.
 */
import * as path from "node:path";
import { FlowAnalysis, storeStatuses } from "./analysis/index.js";
import { Store, type StatusChange } from "../../runtime/src/store/store.js";
import { AssetWatch } from "./assetWatch.js";

export interface Folder {
  /** The folder as the client named it (absolute path). */
  path: string;
  analysis: FlowAnalysis;
  /** Its store's statuses and its workflows' assets as they change (started by the server once initialized). */
  watcher: { start(): void; dispose(): void };
}

export class Folders {
  private readonly list: Folder[] = [];

  constructor(
    private readonly store: string | undefined,
    private readonly onStoreChange: (folder: Folder, change: StatusChange) => void,
  ) {}

  /** Start analysing a folder (nothing when it is known already). */
  add(folderPath: string): Folder {
    const known = this.list.find((f) => f.path === folderPath);
    if (known) return known;
    const store = Store.forWorkspace(folderPath, this.store);
    const analysis = new FlowAnalysis(folderPath, { statuses: storeStatuses(store) });
    const storeWatcher = store.watcher((change) => this.onStoreChange(folder, change));
    // An asset's content changed: its readers' statuses did, as if the store had changed.
    const assets = new AssetWatch(analysis, (targets) => this.onStoreChange(folder, { all: false, runs: false, has: (t) => targets.has(t) }));
    const watcher = {
      start: () => {
        storeWatcher.start();
        assets.start();
      },
      dispose: () => {
        storeWatcher.dispose();
        assets.dispose();
      },
    };
    const folder: Folder = { path: folderPath, analysis, watcher };
    this.list.push(folder);
    return folder;
  }

  remove(folderPath: string): Folder | undefined {
    const i = this.list.findIndex((f) => f.path === folderPath);
    if (i < 0) return undefined;
    const [gone] = this.list.splice(i, 1);
    gone!.watcher.dispose();
    return gone;
  }

  all(): readonly Folder[] {
    return this.list;
  }

  /** The first folder: the one the client's runs start in when a flow does not say otherwise. */
  primary(): Folder | undefined {
    return this.list[0];
  }

  /** The innermost folder holding `file` (the primary one for a file outside every folder). */
  of(file: string): Folder | undefined {
    let best: Folder | undefined;
    for (const f of this.list) {
      if (isInside(file, f.path) && (!best || f.path.length > best.path.length)) best = f;
    }
    return best ?? this.list[0];
  }

  analysisOf(file: string): FlowAnalysis | undefined {
    return this.of(file)?.analysis;
  }

  /** A folder's flow files: those under it that no inner folder claims. */
  flowFiles(folder: Folder): string[] {
    return folder.analysis.flowFiles().filter((f) => this.of(f) === folder);
  }

  /** The folder whose analysis has this store root (targets are relative to it). */
  byRoot(root: string | undefined): Folder | undefined {
    if (!root) return undefined;
    const abs = path.resolve(root);
    return this.list.find((f) => f.analysis.storeRoot === abs || f.path === abs);
  }

  dispose(): void {
    for (const f of this.list) f.watcher.dispose();
    this.list.length = 0;
  }
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}
