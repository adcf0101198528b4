/**
 * Past runs from `flowsmith runs --format json`, re-read when a run ends or the store changes; in a
 * multi-root workspace, of every root with flows, newest first.
 */
import * as vscode from "vscode";
import { execCli, cliComplaint, type CliEnv } from "./cli";
import type { RunRecord } from "@flowsmith/contract";
import { historyLimit } from "../config";
import { Refresher } from "../util/refresher";

/** A run record and the workspace root whose store holds it. */
export type HistoryRecord = RunRecord & { root: string };

export class RunHistory implements vscode.Disposable {
  records: HistoryRecord[] = [];
  error: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly refresher = new Refresher(() => this.load());

  constructor(private readonly env: CliEnv) {}

  find(runId: string): HistoryRecord | undefined {
    return this.records.find((r) => r.id === runId);
  }

  /** The newest run of a target (and node, when given; of `root`'s store when named). */
  latest(target: string, node?: string, root?: string): HistoryRecord | undefined {
    return this.records.find((r) => r.target === target && (!root || r.root === root) && (!node || r.nodes.some((n) => n.id === node)));
  }

  scheduleRefresh(delayMs = 300): void {
    this.refresher.schedule(delayMs);
  }

  refresh(): Promise<void> {
    return this.refresher.refresh();
  }

  private async load(): Promise<void> {
    try {
      const roots = this.env.roots();
      const lists = await Promise.all(roots.map(async (root) => {
        const result = await execCli(this.env, ["runs", "--format", "json", "--limit", String(historyLimit())], undefined, root);
        if (result.code !== 0) throw new Error(cliComplaint(result));
        const parsed = JSON.parse(result.stdout) as unknown;
        return Array.isArray(parsed) ? (parsed as RunRecord[]).map((r) => ({ ...r, root })) : [];
      }));
      const all = lists.flat();
      if (lists.length > 1) all.sort((a, b) => (b.startedAt ?? "").localeCompare(a.startedAt ?? "")).splice(historyLimit());
      this.records = all;
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
