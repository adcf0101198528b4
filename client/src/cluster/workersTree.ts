/** The Workers view: the cluster's live workers and the nodes each is running. */
import * as vscode from "vscode";
import type { WorkerInfo, WorkerTask } from "@flowsmith/contract";
import type { ClusterModel } from "./clusterModel";
import { workerDescription } from "./workers";

export class WorkerItem extends vscode.TreeItem {
  constructor(readonly worker: WorkerInfo) {
    const { label, description } = workerDescription(worker);
    super(label, worker.running.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    this.description = description;
    this.tooltip = `Worker ${worker.id}\nstore: ${worker.store}\nstarted ${worker.startedAt}, last seen ${worker.lastSeen}`;
    this.iconPath = new vscode.ThemeIcon(worker.running.length ? "server-process" : "server");
    this.contextValue = "worker";
    this.id = `worker:${worker.id}`;
  }
}

export class WorkerTaskItem extends vscode.TreeItem {
  constructor(readonly worker: WorkerInfo, readonly task: WorkerTask) {
    super(task.node, vscode.TreeItemCollapsibleState.None);
    this.description = `${task.task} · run ${task.runId}`;
    this.iconPath = new vscode.ThemeIcon("sync~spin");
    this.contextValue = "workerTask";
  }
}

type Item = WorkerItem | WorkerTaskItem;

export class WorkersTreeProvider implements vscode.TreeDataProvider<Item>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Item | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly cluster: ClusterModel) {
    this.subscription = cluster.onDidChange(() => this.changed.fire(undefined));
  }

  /** What the view says above its (possibly empty) list. */
  message(): string | undefined {
    const s = this.cluster.state;
    if (s.kind === "none") return "No cluster configured (flowsmith.cluster).";
    if (s.kind === "checking") return `Looking for the workers of ${s.url}…`;
    if (s.kind === "unreachable") return `${s.url} cannot be reached: ${s.error}`;
    return s.workers.length ? undefined : `No live workers at ${s.url}. Start one: flowsmith worker --cluster ${s.url}`;
  }

  getTreeItem(item: Item): vscode.TreeItem {
    return item;
  }

  getChildren(item?: Item): Item[] {
    if (!item) return this.cluster.workers().map((w) => new WorkerItem(w));
    if (item instanceof WorkerItem) return item.worker.running.map((t) => new WorkerTaskItem(item.worker, t));
    return [];
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
