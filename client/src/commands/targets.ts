/**
 * What a command is about, from whoever called it: a code lens (`{ target, node? }`), a Flows or Runs
 * tree item, the graph webview, a test (`{ target, params }`), or nobody (palette: ask).
 */
import * as vscode from "vscode";
import { type CommandArgs, splitNodeTarget, variantLabel } from "@flowsmith/contract";
import type { Deps } from "../deps";
import type { ParamValues } from "../runs/params";
import { NodeItem, SubflowItem, WorkflowItem } from "../views/flowItems";
import { RunItem, RunNodeItem } from "../views/runItems";
import { GroupItem } from "../views/compositionItems";

export interface TargetArgs extends CommandArgs {
  /** Skip the params prompt and use these (tests, graph re-runs). */
  params?: ParamValues;
  /** Ask before destructive actions; false skips the question (tests). */
  confirm?: boolean;
}

export function targetOf(arg: unknown): TargetArgs | undefined {
  if (arg instanceof WorkflowItem) return { target: arg.flow.target, root: arg.flow.root };
  if (arg instanceof NodeItem) return { target: arg.flow.target, node: arg.node.id, root: arg.flow.root };
  if (arg instanceof SubflowItem || arg instanceof GroupItem) return { target: arg.flow.target, root: arg.flow.root };
  if (arg instanceof RunItem) return { target: arg.run.target, node: arg.run.node, ...(arg.run.root ? { root: arg.run.root } : {}) };
  if (arg instanceof RunNodeItem) return { target: arg.run.target, node: arg.node.id, ...(arg.run.root ? { root: arg.run.root } : {}) };
  if (arg && typeof arg === "object" && typeof (arg as CommandArgs).target === "string") return arg as TargetArgs;
  if (typeof arg === "string") return splitNodeTarget(arg);
  return undefined;
}

/** The target from the arguments, or one the user picks (workflows of the active file first). */
export async function resolveTarget(deps: Deps, arg: unknown, opts: { node: boolean; title: string }): Promise<TargetArgs | undefined> {
  const given = targetOf(arg);
  if (given && (!opts.node || given.node)) return given;
  const flows = deps.flows.flows();
  if (!flows.length) {
    void vscode.window.showInformationMessage("Flowsmith: no workflows known yet (is the language server running?). Commands from the Flows view and code lenses name their workflow.");
    return undefined;
  }
  let target = given?.target;
  let root = given?.root;
  if (!target) {
    const active = vscode.window.activeTextEditor?.document.uri.toString();
    const sorted = [...flows].sort((a, b) => Number(b.uri === active) - Number(a.uri === active) || a.target.localeCompare(b.target));
    const picked = await vscode.window.showQuickPick(
      sorted.map((f) => ({ label: f.name, description: f.kind === "composition" ? `${f.target} · composition` : f.target, detail: f.description, target: f.target, root: f.root })),
      { title: opts.title, placeHolder: "Workflow", matchOnDescription: true },
    );
    if (!picked) return undefined;
    target = picked.target;
    root = picked.root;
  }
  if (!opts.node) return { target, ...(root ? { root } : {}) };
  const flow = deps.flows.find(target, root);
  const node = await vscode.window.showQuickPick(
    (flow?.nodes ?? []).map((n) => ({ label: n.id, description: `${n.task} · ${n.status}` })),
    { title: opts.title, placeHolder: "Node" },
  );
  return node ? { target, node: node.label, ...(root ? { root } : {}) } : undefined;
}

export interface RunRef {
  runId?: string;
  /** A live run's local key, before it has a run id. */
  live?: number;
  node?: string;
  target?: string;
  /** The root of the run's workspace, when not the first one. */
  root?: string;
}

export function runRefOf(arg: unknown): RunRef | undefined {
  if (arg instanceof RunItem) return { runId: arg.run.runId, live: arg.run.live?.key, target: arg.run.target, root: arg.run.root };
  // A matrix run's node is one variant: addressed as the CLI names it (`train[doPreprocess=false]`).
  if (arg instanceof RunNodeItem) return { runId: arg.run.runId, live: arg.run.live?.key, node: variantLabel(arg.node.id, arg.node.variant, arg.run.variants ?? []), target: arg.run.target, root: arg.run.root };
  if (arg instanceof NodeItem) return { runId: arg.node.lastRun?.runId, node: arg.node.id, target: arg.flow.target, root: arg.flow.root };
  if (arg instanceof WorkflowItem) return { target: arg.flow.target, root: arg.flow.root };
  if (typeof arg === "string") return { runId: arg };
  if (arg && typeof arg === "object") {
    const a = arg as RunRef;
    if (a.runId || a.live !== undefined || a.target) return { runId: a.runId, live: a.live, node: a.node, target: a.target, root: a.root };
  }
  return undefined;
}
