/** Show Graph: the workflow's graph webview (one panel per workflow). */
import * as vscode from "vscode";
import { Commands } from "@flowsmith/contract";
import type { Deps } from "../deps";
import { resolveTarget } from "./targets";

export function registerGraphCommand(context: vscode.ExtensionContext, deps: Deps): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.showGraph, async (arg: unknown) => {
      const t = await resolveTarget(deps, arg, { node: false, title: "Show Graph" });
      if (!t) return undefined;
      return deps.graphs.show(t.target, t.node, t.root);
    }),
  );
}
