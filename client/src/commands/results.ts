/** Open Results: a run's outputs (or one node's) as a read-only JSON document. */
import * as vscode from "vscode";
import type { Deps } from "../deps";
import { resultsUri } from "../documents/flowDocuments";
import { runRefOf } from "./targets";
import { Commands } from "@flowsmith/contract";

export function registerResultsCommand(context: vscode.ExtensionContext, deps: Deps): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.openResults, async (arg: unknown) => {
      const ref = runRefOf(arg);
      let runId = ref?.runId;
      if (!runId && ref?.target) {
        await deps.history.refresh();
        runId = deps.history.latest(ref.target, ref.node, ref.root)?.id;
      }
      if (!runId) {
        void vscode.window.showInformationMessage("Flowsmith: no run with results yet.");
        return undefined;
      }
      const doc = await vscode.workspace.openTextDocument(resultsUri(runId, ref?.node, ref?.root ?? deps.history.find(runId)?.root));
      if (doc.languageId !== "json") await vscode.languages.setTextDocumentLanguage(doc, "json");
      await vscode.window.showTextDocument(doc, { preview: true });
      return doc.uri.toString();
    }),
  );
}
