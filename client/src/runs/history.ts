/** Past runs from `flowsmith runs --format json`, re-read when a run ends or the store changes. */
import * as vscode from "vscode";
import { execCli, cliComplaint, type CliEnv } from "./cli";
import type { RunRecord } from "./events";
import { historyLimit } from "../config";
import { Refresher } from "../util/refresher";

export class RunHistory implements vscode.Disposable {
  records: RunRecord[] = [];
  error: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly refresher = new Refresher(() => this.load());

  constructor(private readonly env: CliEnv) {}

  find(runId: string): RunRecord | undefined {
    return this.records.find((r) => r.id === runId);
  }

  /** The newest run of a target (and node, when given). */
  latest(target: string, node?: string): RunRecord | undefined {
    return this.records.find((r) => r.target === target && (!node || r.nodes.some((n) => n.id === node)));
  }

  scheduleRefresh(delayMs = 300): void {
    this.refresher.schedule(delayMs);
  }

  refresh(): Promise<void> {
    return this.refresher.refresh();
  }

  private async load(): Promise<void> {
    try {
      const result = await execCli(this.env, ["runs", "--format", "json", "--limit", String(historyLimit())]);
      if (result.code !== 0) throw new Error(cliComplaint(result));
      const parsed = JSON.parse(result.stdout) as unknown;
      this.records = Array.isArray(parsed) ? (parsed as RunRecord[]) : [];
      this.error = undefined;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
    this.changed.fire();
  }

  dispose(): void {
    this.refresher.dispose();
    this.changed.dispose();
  }
}
