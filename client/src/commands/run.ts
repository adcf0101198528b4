/** Run workflow, run node (with upstream), force run — all through the CLI, never in this process. */
import * as vscode from "vscode";
import { Commands, targetLabel } from "@flowsmith/contract";
import type { Deps } from "../deps";
import { requireTrust } from "../trust";
import { askParams } from "../runs/paramPrompt";
import { showRunProgress } from "../runs/runProgress";
import type { RunRequest } from "../runs/runManager";
import { resolveTarget, type TargetArgs } from "./targets";

/** What the run commands resolve with (after the run ends): for tests and other extensions. */
export interface RunOutcome {
  runId?: string;
  status: string;
  error?: string;
  refused?: "untrusted" | "cancelled";
}

/** `onCluster`: true sends the run to the configured cluster, false keeps it here; else where Run sends runs. */
export async function startRun(deps: Deps, args: TargetArgs, force?: RunRequest["force"], onCluster?: boolean): Promise<RunOutcome> {
  const cluster = (onCluster ?? deps.cluster.destination() === "cluster") ? deps.cluster.url() : undefined;
  const title = `Run ${targetLabel(args.target)}${args.node ? `:${args.node}` : ""}${cluster ? " on the cluster" : ""}`;
  const params = args.params ?? (await askParams(deps.context.workspaceState, deps.flows.find(args.target, args.root), args.target, title));
  if (!params) return { status: "cancelled", refused: "cancelled" };
  await saveFlowDocuments();
  const checked = checkedByServer(deps, args);
  const run = deps.runs.start({ target: args.target, node: args.node, params, force, ...(args.root ? { root: args.root } : {}), ...(checked ? { checked } : {}), ...(cluster ? { cluster } : {}) });
  showRunProgress(run, deps.runs);
  const done = await run.done;
  return { runId: done.runId, status: done.status, error: done.error };
}

/**
 * The CLI checks a flow before it runs it (`flowsmith check`'s errors refuse the run), which loads
 * the whole analysis. The language server has already checked the saved file: when it reports no
 * Flowsmith error there, the CLI is told not to check again (`--no-check`); when it reports one,
 * or cannot tell, the CLI checks and refuses with check's words.
 */
function checkedByServer(deps: Deps, args: TargetArgs): boolean {
  if (deps.server.state !== "running") return false;
  const flow = deps.flows.find(args.target, args.root);
  if (!flow) return false;
  const uri = vscode.Uri.parse(flow.uri);
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isDirty) return false;
  return !vscode.languages.getDiagnostics(uri).some((d) => d.source === "flowsmith" && d.severity === vscode.DiagnosticSeverity.Error);
}

/**
 * A run executes the files on disk: save edited TypeScript documents and compositions
 * (`*.flows.yaml`) first, so what runs is what the editor shows (and what the diagnostics and
 * statuses were computed for).
 */
async function saveFlowDocuments(): Promise<void> {
  const dirty = vscode.workspace.textDocuments.filter((d) => d.isDirty && !d.isUntitled
    && (/^typescript(react)?$/.test(d.languageId) || /\.flows\.ya?ml$/i.test(d.uri.path)));
  await Promise.all(dirty.map((d) => d.save()));
}

export function registerRunCommands(context: vscode.ExtensionContext, deps: Deps): void {
  const guarded = (what: string, body: (arg: unknown) => Promise<RunOutcome | undefined>) => async (arg: unknown) => {
    if (!requireTrust(what)) return { status: "refused", refused: "untrusted" } satisfies RunOutcome;
    return body(arg);
  };
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.runWorkflow, guarded("Running a workflow", async (arg) => {
      const t = await resolveTarget(deps, arg, { node: false, title: "Run Workflow" });
      return t && startRun(deps, { ...t, node: undefined });
    })),
    vscode.commands.registerCommand(Commands.runNode, guarded("Running a node", async (arg) => {
      const t = await resolveTarget(deps, arg, { node: true, title: "Run Node (with Upstream)" });
      return t && startRun(deps, t);
    })),
    vscode.commands.registerCommand(Commands.runOnCluster, guarded("Running on the cluster", async (arg) => {
      if (!deps.cluster.url()) {
        await vscode.commands.executeCommand(Commands.chooseRunDestination);
        return { status: "cancelled", refused: "cancelled" } satisfies RunOutcome;
      }
      const t = await resolveTarget(deps, arg, { node: false, title: "Run on Cluster" });
      return t && startRun(deps, t, undefined, true);
    })),
    vscode.commands.registerCommand(Commands.forceRun, guarded("Running a workflow", async (arg) => {
      const t = await resolveTarget(deps, arg, { node: false, title: "Force Run" });
      if (!t) return undefined;
      // A node: re-run it even if complete. A workflow: re-run everything.
      return startRun(deps, t, t.node ? "node" : "all");
    })),
  );
}
