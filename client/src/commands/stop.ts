/** Stop a run: `flowsmith stop RUN_ID` (the engine aborts running nodes and marks them stopped). */
import * as vscode from "vscode";
import type { Deps } from "../deps";
import { requireTrust } from "../trust";
import { runRefOf } from "./targets";
import { Commands, targetLabel } from "@flowsmith/contract";

export function registerStopCommand(context: vscode.ExtensionContext, deps: Deps): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.stopRun, async (arg: unknown) => {
      if (!requireTrust("Stopping a run")) return { ok: false, refused: "untrusted" };
      const ref = runRefOf(arg);
      let runId = ref?.runId;
      let root = ref?.root ?? (runId ? deps.history.find(runId)?.root : undefined);
      const live = ref?.live !== undefined ? deps.runs.all().find((r) => r.key === ref.live) : undefined;
      if (!runId && live) {
        await deps.runs.stop(live);
        return { ok: true };
      }
      if (!runId) {
        const running = [
          ...deps.runs.active().filter((r) => r.runId).map((r) => ({ id: r.runId!, target: r.request.target, root: r.request.root })),
          ...deps.history.records.filter((r) => r.status === "running" && !deps.runs.byRunId(r.id)).map((r) => ({ id: r.id, target: r.target, root: r.root })),
        ];
        if (!running.length) {
          void vscode.window.showInformationMessage("Flowsmith: no run is going on.");
          return { ok: false };
        }
        const picked = running.length === 1 ? running[0] : await vscode.window.showQuickPick(
          running.map((r) => ({ label: targetLabel(r.target), description: r.id, id: r.id, target: r.target, root: r.root })), { title: "Stop Run" });
        if (!picked) return { ok: false };
        runId = picked.id;
        root = picked.root;
      }
      try {
        await deps.runs.stop(runId, root);
        deps.history.scheduleRefresh(500);
        return { ok: true, runId };
      } catch (e) {
        void vscode.window.showErrorMessage(`Flowsmith: could not stop ${runId}: ${e instanceof Error ? e.message : e}`);
        return { ok: false, runId };
      }
    }),
  );
}
