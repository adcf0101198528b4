/** The status-bar item saying where Run sends runs: local, or the cluster with its live worker count. */
import * as vscode from "vscode";
import { Commands } from "@flowsmith/contract";
import type { ClusterModel } from "./clusterModel";
import { destinationText } from "./workers";

export function registerClusterStatusBar(context: vscode.ExtensionContext, cluster: ClusterModel): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem("flowsmith.runDestination", vscode.StatusBarAlignment.Left, 49);
  item.name = "Flowsmith Run Destination";
  item.command = Commands.chooseRunDestination;
  const update = () => {
    const { text, tooltip } = destinationText(cluster.destination(), cluster.state);
    item.text = text;
    item.tooltip = tooltip;
    item.show();
  };
  update();
  context.subscriptions.push(item, cluster.onDidChange(update));
  return item;
}

/** Quick pick: run locally, or on the configured cluster (or open the setting when there is none). */
export function registerChooseDestination(context: vscode.ExtensionContext, cluster: ClusterModel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.chooseRunDestination, async (choice?: unknown) => {
      const url = cluster.url();
      if (!url) {
        const open = await vscode.window.showInformationMessage("Flowsmith: no cluster is configured; runs execute on this machine. Set flowsmith.cluster to redis://HOST:PORT to send runs to a cluster.", "Open Settings");
        if (open) await vscode.commands.executeCommand("workbench.action.openSettings", "flowsmith.cluster");
        return cluster.destination();
      }
      const picked = choice === "local" || choice === "cluster"
        ? choice
        : (await vscode.window.showQuickPick(
            [
              { label: "$(cloud) On the cluster", description: url, destination: "cluster" as const },
              { label: "$(vm) On this machine", description: "local", destination: "local" as const },
            ],
            { title: "Where should Run send runs?" },
          ))?.destination;
      if (picked) await cluster.setDestination(picked);
      return cluster.destination();
    }),
  );
}
