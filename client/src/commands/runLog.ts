/** Open Run Log: a run's log in the run-log language (live lines while it runs, the store's after). */
import * as vscode from "vscode";
import { Commands } from "@flowsmith/contract";
import type { Deps } from "../deps";
import { logUri } from "../documents/flowDocuments";
import { runRefOf } from "./targets";

export function registerRunLogCommand(context: vscode.ExtensionContext, deps: Deps): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.openRunLog, async (arg: unknown) => {
      const ref = runRefOf(arg);
      let runId = ref?.runId;
      const live = ref?.live;
      if (!runId && live === undefined) {
        if (!ref?.target) {
          deps.runLog.show(true);
          return undefined;
        }
        const running = deps.runs.all().find((r) => r.request.target === ref.target);
        if (running) runId = running.runId;
        if (!runId) {
          await deps.history.refresh();
          runId = deps.history.latest(ref.target, ref.node, ref.root)?.id;
        }
        if (!runId && !running) {
          void vscode.window.showInformationMessage(`Flowsmith: ${ref.target} has not run yet.`);
          return undefined;
        }
        if (!runId && running) {
          deps.runLog.show(true);
          return undefined;
        }
      }
      const doc = await vscode.workspace.openTextDocument(logUri(runId, live, ref?.root ?? (runId ? deps.history.find(runId)?.root : undefined)));
      await vscode.window.showTextDocument(doc, { preview: true });
      return doc.uri.toString();
    }),
  );
}
