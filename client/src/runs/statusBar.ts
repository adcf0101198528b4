/** A status-bar item for the active run: target, progress, click to open its log. */
import * as vscode from "vscode";
import type { RunManager } from "./runManager";
import { progressText, runProgress, type LiveRun } from "./liveRun";
import { Commands, targetLabel } from "@flowsmith/contract";

export function registerRunStatusBar(context: vscode.ExtensionContext, runs: RunManager): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem("flowsmith.activeRun", vscode.StatusBarAlignment.Left, 50);
  item.name = "Flowsmith Run";
  const update = () => {
    const active = runs.active();
    const run = active[0];
    if (!run) {
      item.hide();
      return;
    }
    item.text = `$(sync~spin) ${label(run)} ${progressText(runProgress(run))}${active.length > 1 ? ` (+${active.length - 1})` : ""}`;
    item.tooltip = `Flowsmith run ${run.runId ?? "starting"} of ${run.request.target} — click for its log`;
    item.command = { command: Commands.openRunLog, title: "Open Run Log", arguments: [{ runId: run.runId, live: run.key }] };
    item.show();
  };
  context.subscriptions.push(item, runs.onDidChange(update));
  return item;
}

function label(run: LiveRun): string {
  return `${targetLabel(run.request.target)}${run.request.node ? `:${run.request.node}` : ""}`;
}

