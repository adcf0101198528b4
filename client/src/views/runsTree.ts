/**
 * The Runs view: live runs of this window first, then the store's history (newest first) — of the
 * flows of this workspace: a store at a repository root above the opened folder also holds runs of
 * flows elsewhere in the repository, which are counted (the view says so) but not listed.
 */
import * as vscode from "vscode";
import type { RunHistory } from "../runs/history";
import type { RunManager } from "../runs/runManager";
import { RunItem, RunNodeItem, viewOfLive, viewOfRecord, type RunTreeItem, type RunView } from "./runItems";
import { inFolders } from "../util/folders";

export class RunsTreeProvider implements vscode.TreeDataProvider<RunTreeItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunTreeItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[];
  private timer: NodeJS.Timeout | undefined;
  /** History runs of flows outside the workspace folders, at the last listing. */
  hidden = 0;

  constructor(
    private readonly runs: RunManager,
    private readonly history: RunHistory,
    private readonly folders: () => readonly string[] = () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
  ) {
    const fire = () => {
      if (this.timer) return;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.changed.fire(undefined);
      }, 150);
    };
    this.disposables = [runs.onDidChange(fire), history.onDidChange(fire)];
  }

  /** Live runs that are not finished-and-recorded, then the history. */
  views(): RunView[] {
    const out: RunView[] = [];
    const seen = new Set<string>();
    for (const live of this.runs.all()) {
      const running = live.status === "starting" || live.status === "running";
      const recorded = live.runId ? this.history.find(live.runId) : undefined;
      // A finished run is shown from its record once the history has read it finished: a record
      // read while the run went on is a stale snapshot (nodes pending that have since run).
      if (!running && recorded && recorded.status !== "running") continue;
      if (!running && !live.runId && live.error === undefined) continue;
      out.push(viewOfLive(live));
      if (live.runId) seen.add(live.runId);
    }
    const folders = this.folders();
    let hidden = 0;
    for (const r of this.history.records) {
      if (seen.has(r.id)) continue;
      if (inFolders(r.target, r.root, folders)) out.push(viewOfRecord(r));
      else hidden++;
    }
    this.hidden = hidden;
    return out;
  }

  getTreeItem(item: RunTreeItem): vscode.TreeItem {
    return item;
  }

  getChildren(item?: RunTreeItem): RunTreeItem[] {
    if (!item) return this.views().map((v) => new RunItem(v));
    if (item instanceof RunItem) return item.run.nodes.map((n) => new RunNodeItem(item.run, n));
    return [];
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}
