/** Reveal in Code: select a node's call (or a workflow's definition) in its file. */
import * as vscode from "vscode";
import { Commands, type SourceLocation } from "@flowsmith/contract";
import type { Deps } from "../deps";
import { NodeItem, WorkflowItem } from "../views/flowItems";
import { targetOf } from "./targets";
import { revealLocation } from "../util/revealLocation";

export function locationOf(deps: Deps, arg: unknown): SourceLocation | undefined {
  if (arg && typeof arg === "object" && "location" in arg && (arg as { location?: SourceLocation }).location) {
    return (arg as { location: SourceLocation }).location;
  }
  if (arg instanceof NodeItem) return arg.node.location ?? arg.node.taskLocation;
  if (arg instanceof WorkflowItem) return { uri: arg.flow.uri, range: arg.flow.range };
  const t = targetOf(arg);
  const flow = t && deps.flows.find(t.target);
  if (!flow) return undefined;
  if (!t.node) return { uri: flow.uri, range: flow.range };
  const node = flow.nodes.find((n) => n.id === t.node);
  return node?.location ?? node?.taskLocation;
}

export function registerRevealCommand(context: vscode.ExtensionContext, deps: Deps): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.revealNode, async (arg: unknown) => {
      const location = locationOf(deps, arg);
      if (!location) {
        void vscode.window.showInformationMessage("Flowsmith: no source location known for this node.");
        return false;
      }
      await revealLocation(location);
      return true;
    }),
  );
}
