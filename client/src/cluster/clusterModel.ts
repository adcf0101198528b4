/**
 * The cluster the workspace's runs can go to (`flowsmith.cluster`), its live workers (polled with
 * `flowsmith workers --format json` while a cluster is configured), and where Run sends runs: the
 * cluster when one is configured, unless the user chose local (remembered per workspace).
 */
import * as vscode from "vscode";
import type { WorkerInfo } from "@flowsmith/contract";
import { clusterSetting } from "../config";
import { cliComplaint, execCli, type CliEnv } from "../runs/cli";
import { parseWorkers, type ClusterState, type RunDestination } from "./workers";

const POLL_MS = 5000;
const DESTINATION_KEY = "flowsmith.runDestination";

export class ClusterModel implements vscode.Disposable {
  state: ClusterState = { kind: "none" };
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly env: CliEnv, private readonly memento: vscode.Memento) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("flowsmith.cluster")) this.restart();
    });
    this.restart();
  }

  /** The configured cluster URL, if any. */
  url(): string | undefined {
    return clusterSetting();
  }

  /** Where Run sends a run now. */
  destination(): RunDestination {
    if (!this.url()) return "local";
    return this.memento.get<RunDestination>(DESTINATION_KEY) === "local" ? "local" : "cluster";
  }

  async setDestination(destination: RunDestination): Promise<void> {
    await this.memento.update(DESTINATION_KEY, destination);
    this.changed.fire();
  }

  workers(): WorkerInfo[] {
    return this.state.kind === "live" ? this.state.workers : [];
  }

  /** Ask the cluster for its workers now (the Workers view's refresh, a finished run). */
  async refresh(): Promise<void> {
    const url = this.url();
    if (!url || this.polling) return;
    this.polling = true;
    try {
      let next: ClusterState;
      try {
        const result = await execCli(this.env, ["workers", "--cluster", url, "--format", "json"]);
        if (result.code !== 0) next = { kind: "unreachable", url, error: cliComplaint(result) };
        else {
          const workers = parseWorkers(result.stdout);
          next = typeof workers === "string" ? { kind: "unreachable", url, error: workers } : { kind: "live", url, workers };
        }
      } catch (e) {
        next = { kind: "unreachable", url, error: e instanceof Error ? e.message : String(e) };
      }
      if (url !== this.url()) return; // the setting changed meanwhile
      this.state = next;
      this.changed.fire();
    } finally {
      this.polling = false;
    }
  }

  private restart(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    const url = this.url();
    this.state = url ? { kind: "checking", url } : { kind: "none" };
    void vscode.commands.executeCommand("setContext", "flowsmith.clusterConfigured", Boolean(url));
    this.changed.fire();
    if (!url) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), POLL_MS);
  }

  dispose(): void {
    clearInterval(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
