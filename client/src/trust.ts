/** Workspace Trust: running, resetting and stopping flows execute or change workspace state. */
import * as vscode from "vscode";

/** True when the action may go on; otherwise says why it is off and offers to manage trust. */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(
      `Flowsmith: ${action} is disabled in an untrusted workspace, because it runs code from this workspace. Flows are still analysed. Trust the workspace to run them.`,
      "Manage Workspace Trust",
    )
    .then((choice) => {
      if (choice) void vscode.commands.executeCommand("workbench.trust.manage");
    });
  return false;
}
