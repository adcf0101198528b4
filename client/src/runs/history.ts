/** Past runs from `flowsmith runs --format json`, re-read when a run ends or the store changes. */
import * as vscode from "vscode";
import { execCli, cliComplaint, type CliEnv } from "./cli";
import type { RunRecord } from "./events";
import { historyLimit } from "../config";

export class RunHistory implements vscode.Disposable {
  records: RunRecord[] = [];
  error: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private pending: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly env: CliEnv) {}

  find(runId: string): RunRecord | undefined {
    return this.records.find((r) => r.id === runId);
  }

  /** The newest run of a target (and node, when given). */
  latest(target: string, node?: string): RunRecord | undefined {
    return this.records.find((r) => r.target === target && (!node || r.nodes.some((n) => n.id === node)));
  }

  scheduleRefresh(delayMs = 300): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delayMs);
  }

  refresh(): Promise<void> {
    if (this.pending) {
      this.again = true;
      return this.pending;
    }
    this.pending = this.load().finally(() => {
      this.pending = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.pending;
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
    clearTimeout(this.timer);
    this.changed.dispose();
  }
}
