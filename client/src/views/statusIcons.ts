/** One icon and colour per node status, shared by the Flows and Runs views. */
import * as vscode from "vscode";
import type { NodeStatus } from "@flowsmith/contract";

type AnyStatus = NodeStatus | "starting";

const ICONS: Record<AnyStatus, [string, string | undefined]> = {
  complete: ["pass", "testing.iconPassed"],
  pending: ["circle-outline", undefined],
  stale: ["warning", "list.warningForeground"],
  running: ["sync~spin", "charts.blue"],
  starting: ["loading~spin", undefined],
  failed: ["error", "testing.iconFailed"],
  stopped: ["debug-stop", "testing.iconQueued"],
  skipped: ["circle-slash", "disabledForeground"],
};

export function statusIcon(status: string): vscode.ThemeIcon {
  const [id, color] = ICONS[status as AnyStatus] ?? ["circle-outline", undefined];
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

export function statusWord(status: string): string {
  return status.toUpperCase();
}
