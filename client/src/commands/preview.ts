/** Preview: `flowsmith preview TARGET` as a read-only document — what would run, what is complete. */
import * as vscode from "vscode";
import type { Deps } from "../deps";
import { previewUri } from "../documents/flowDocuments";
import { rememberedParams } from "../runs/paramPrompt";
import { resolveTarget } from "./targets";
import { requireTrust } from "../trust";
import { Commands } from "@flowsmith/contract";

export function registerPreviewCommand(context: vscode.ExtensionContext, deps: Deps): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.preview, async (arg: unknown) => {
      // Preview builds the graph, which runs the workflow body: workspace code.
      if (!requireTrust("Previewing a workflow")) return { refused: "untrusted" };
      const t = await resolveTarget(deps, arg, { node: false, title: "Preview" });
      if (!t) return undefined;
      const params = t.params ?? rememberedParams(deps.context.workspaceState, t.target) ?? {};
      const doc = await vscode.workspace.openTextDocument(previewUri(t.target, t.node, params, t.root));
      await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
      return doc.getText();
    }),
  );
}
