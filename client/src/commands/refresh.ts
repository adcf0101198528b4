/** Refresh the views; restart the language server. */
import * as vscode from "vscode";
import type { Deps } from "../deps";
import { Commands } from "@flowsmith/contract";

export function registerRefreshCommands(context: vscode.ExtensionContext, deps: Deps): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.refresh, async () => {
      await Promise.all([deps.flows.refresh(), deps.history.refresh(), deps.cluster.refresh()]);
    }),
    vscode.commands.registerCommand(Commands.restartServer, async () => {
      await deps.server.restart();
    }),
  );
}
