/** Reset node / node and downstream / workflow: `flowsmith reset TARGET [--downstream] --yes`. */
import * as vscode from "vscode";
import { Commands, targetLabel } from "@flowsmith/contract";
import type { Deps } from "../deps";
import { requireTrust } from "../trust";
import { execCli, cliComplaint } from "../runs/cli";
import { paramArgs } from "../runs/params";
import { rememberedParams } from "../runs/paramPrompt";
import { resolveTarget, type TargetArgs } from "./targets";

export interface ResetOutcome {
  ok: boolean;
  message: string;
  refused?: "untrusted" | "cancelled";
}

async function reset(deps: Deps, t: TargetArgs, scope: "node" | "downstream" | "workflow"): Promise<ResetOutcome> {
  const name = scope === "workflow" ? targetLabel(t.target) : `${t.node} of ${targetLabel(t.target)}`;
  if (scope !== "node" && t.confirm !== false) {
    const what = scope === "workflow" ? `every output of ${name}` : `${t.node} and everything downstream of it`;
    const ok = await vscode.window.showWarningMessage(`Reset ${what}? The nodes run again next time.`, { modal: true }, "Reset");
    if (ok !== "Reset") return { ok: false, message: "cancelled", refused: "cancelled" };
  }
  // Outputs are keyed by params: reset the ones the last run from the editor used.
  const params = t.params ?? rememberedParams(deps.context.workspaceState, t.target) ?? {};
  const args = ["reset", scope === "workflow" ? t.target : `${t.target}:${t.node}`, "--yes", ...paramArgs(params)];
  if (scope === "downstream") args.push("--downstream");
  const result = await execCli(deps.cli, args, undefined, t.root);
  deps.runLog.appendLine(`flowsmith ${args.join(" ")}`);
  for (const line of (result.stdout + result.stderr).split(/\r?\n/)) if (line.trim()) deps.runLog.appendLine(`  ${line}`);
  deps.flows.scheduleRefresh(0);
  if (result.code !== 0) {
    const message = cliComplaint(result);
    void vscode.window.showErrorMessage(`Flowsmith: reset failed: ${message}`);
    return { ok: false, message };
  }
  const message = result.stdout.trim().split(/\r?\n/).at(-1) ?? "reset";
  vscode.window.setStatusBarMessage(`$(discard) Flowsmith: ${message}`, 6000);
  return { ok: true, message };
}

export function registerResetCommands(context: vscode.ExtensionContext, deps: Deps): void {
  const refused: ResetOutcome = { ok: false, message: "untrusted workspace", refused: "untrusted" };
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.resetNode, async (arg: unknown) => {
      if (!requireTrust("Resetting a node")) return refused;
      const t = await resolveTarget(deps, arg, { node: true, title: "Reset Node" });
      return t && reset(deps, t, "node");
    }),
    vscode.commands.registerCommand(Commands.resetNodeDownstream, async (arg: unknown) => {
      if (!requireTrust("Resetting a node")) return refused;
      const t = await resolveTarget(deps, arg, { node: true, title: "Reset Node and Downstream" });
      return t && reset(deps, t, "downstream");
    }),
    vscode.commands.registerCommand(Commands.resetWorkflow, async (arg: unknown) => {
      if (!requireTrust("Resetting a workflow")) return refused;
      const t = await resolveTarget(deps, arg, { node: false, title: "Reset Workflow" });
      return t && reset(deps, { ...t, node: undefined }, "workflow");
    }),
  );
}
