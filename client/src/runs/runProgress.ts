/**
 * The notification shown while a run started from the editor goes on. Its Cancel button stops the
 * run through `flowsmith stop RUN_ID`; when the run ends, failures get a message with the log.
 */
import * as vscode from "vscode";
import type { RunManager } from "./runManager";
import { progressFraction, progressMessage, runProgress, type LiveRun } from "./liveRun";
import { Commands, formatDuration, targetLabel } from "@flowsmith/contract";
import { summaryText } from "./runLogFormat";

export function showRunProgress(run: LiveRun, runs: RunManager): void {
  const title = `Flowsmith: running ${targetLabel(run.request.target)}${run.request.node ? `:${run.request.node}` : ""}`;
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (progress, token) => {
      let reported = 0;
      const sub = runs.onDidChange((r) => {
        if (r !== run) return;
        // The same count the Runs view and the status bar show (liveRun.ts).
        const now = runProgress(run);
        const fraction = progressFraction(now);
        progress.report({ increment: Math.max(0, fraction * 100 - reported), message: progressMessage(now) });
        reported = Math.max(reported, fraction * 100);
      });
      token.onCancellationRequested(() => {
        runs.stop(run).catch((e) => void vscode.window.showErrorMessage(`Flowsmith: could not stop the run: ${e instanceof Error ? e.message : e}`));
      });
      return run.done.finally(() => sub.dispose());
    },
  );
  void run.done.then((r) => announce(r));
}

function announce(run: LiveRun): void {
  const name = `${targetLabel(run.request.target)}${run.request.node ? `:${run.request.node}` : ""}`;
  const args = [{ runId: run.runId, live: run.key }];
  if (run.status === "complete") {
    vscode.window.setStatusBarMessage(`$(pass) Flowsmith: ${name} complete in ${formatDuration(run.durationMs)}`, 8000);
  } else if (run.status === "stopped") {
    vscode.window.setStatusBarMessage(`$(debug-stop) Flowsmith: ${name} stopped`, 8000);
  } else {
    const why = run.error ?? (run.summary ? summaryText(run.summary) : "see the log");
    void vscode.window.showErrorMessage(`Flowsmith: ${name} failed: ${why}`, "Open Log").then((choice) => {
      if (choice) void vscode.commands.executeCommand(Commands.openRunLog, ...args);
    });
  }
}
