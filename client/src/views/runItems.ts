/** Tree items of the Runs view: a run (live or from the history) and one of its nodes. */
import * as vscode from "vscode";
import { firstLine, formatAge, formatDuration, type NodeRecord, percent, type RunRecord, targetFile, targetLabel, variantNames } from "@flowsmith/contract";
import { countProgress, liveNodeLabel, progressText, runProgress, type LiveNode, type LiveRun, type RunProgress } from "../runs/liveRun";
import { statusIcon, statusWord } from "./statusIcons";
import { mdCode, mdText } from "../util/markdown";

/** What a Runs item shows, whether it comes from a live run or a record. */
export interface RunView {
  runId?: string;
  target: string;
  node?: string;
  status: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  error?: string;
  interrupted?: boolean;
  nodes: NodeView[];
  /** A matrix run's variant names (`doPreprocess=false`), by variant: nodes are shown `train[doPreprocess=false]`. */
  variants?: string[];
  live?: LiveRun;
  /** The workspace root of a run outside the first folder. */
  root?: string;
}

export interface NodeView {
  id: string;
  variant?: number;
  task: string;
  status: string;
  fraction?: number;
  durationMs?: number;
  cached?: boolean;
  error?: string;
  /** The worker it ran on, when not the runner's own process. */
  worker?: string;
}

export function viewOfLive(run: LiveRun): RunView {
  return {
    runId: run.runId, target: run.request.target, node: run.request.node, status: run.status,
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: run.finishedAt ? new Date(run.finishedAt).toISOString() : undefined,
    durationMs: run.durationMs ?? (run.finishedAt ? undefined : Date.now() - run.startedAt),
    error: run.error, nodes: [...run.nodes.values()].map(nodeOfLive), variants: run.variants, live: run, root: run.request.root,
  };
}

function nodeOfLive(n: LiveNode): NodeView {
  return { id: n.id, variant: n.variant, task: n.task, status: n.status, fraction: n.fraction, durationMs: n.durationMs, cached: n.cached, error: n.error, worker: n.worker };
}

export function viewOfRecord(r: RunRecord & { root?: string }): RunView {
  return {
    runId: r.id, target: r.target, node: r.node, status: r.status, startedAt: r.startedAt, finishedAt: r.finishedAt,
    durationMs: r.durationMs, error: r.error, interrupted: r.interrupted, nodes: r.nodes.map(nodeOfRecord), variants: variantNames(r.paramSets),
    root: r.root,
  };
}

function nodeOfRecord(n: NodeRecord): NodeView {
  return { id: n.id, variant: n.variant, task: n.task, status: n.status, durationMs: n.durationMs, cached: n.cached, error: n.error, worker: n.worker };
}

/**
 * A run's progress: a live run's is the one the notification and the status bar show (read from the
 * LiveRun itself); a run not started here counts its record's nodes the same way.
 */
export function progressOfView(run: RunView): RunProgress {
  return run.live ? runProgress(run.live) : countProgress(run.nodes, run.variants);
}

export class RunItem extends vscode.TreeItem {
  readonly kind = "run";

  constructor(readonly run: RunView) {
    super(`${targetLabel(run.target)}${run.node ? `:${run.node}` : ""}`, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `run:${run.runId ?? `live-${run.live?.key}`}`;
    const running = run.status === "running" || run.status === "starting";
    if (running) this.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
    this.iconPath = statusIcon(run.status);
    const parts = [running ? progressText(progressOfView(run)) : statusWord(run.status).toLowerCase()];
    const d = formatDuration(run.durationMs);
    if (d) parts.push(d);
    const age = running ? undefined : formatAge(run.finishedAt ?? run.startedAt);
    if (age) parts.push(age);
    if (run.interrupted) parts.push("interrupted");
    // Which flow file: workflows of different files often share a name (`main`, `pipeline`).
    this.description = [...parts, targetFile(run.target)].join(" · ");
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${mdText(`${run.target}${run.node ? `:${run.node}` : ""}`)}**\n\n`);
    md.appendMarkdown(`Run ${mdCode(run.runId ?? "starting…")} — ${statusWord(run.status)}`);
    if (run.startedAt) md.appendMarkdown(`\n\nStarted ${new Date(run.startedAt).toLocaleString()}`);
    if (d) md.appendMarkdown(` · took ${d}`);
    if (run.error) {
      md.appendMarkdown("\n\n");
      md.appendCodeblock(run.error, "text");
    }
    this.tooltip = md;
    const tokens = ["run", running ? "live" : "finished"];
    if (running) tokens.push("stoppable");
    if (run.runId && run.status === "complete") tokens.push("hasResults");
    this.contextValue = tokens.join(" ");
  }
}

export class RunNodeItem extends vscode.TreeItem {
  readonly kind = "runNode";

  constructor(readonly run: RunView, readonly node: NodeView) {
    const label = liveNodeLabel(run, node);
    super(label, vscode.TreeItemCollapsibleState.None);
    this.id = `run:${run.runId ?? `live-${run.live?.key}`}:${node.id}@${node.variant ?? ""}`;
    this.iconPath = statusIcon(node.status);
    const parts: string[] = [];
    if (node.status === "running") parts.push(percent(node.fraction) ?? "running");
    else if (node.cached) parts.push("cached");
    else if (node.status !== "complete") parts.push(node.status);
    const d = formatDuration(node.durationMs);
    if (d) parts.push(d);
    if (node.worker) parts.push(`on ${node.worker}`);
    if (node.error && node.error !== node.status) parts.push(firstLine(node.error, 80)!);
    this.description = parts.join(" · ");
    const where = node.worker ? `\nworker: ${node.worker}` : "";
    this.tooltip = node.error ? `${label}: ${statusWord(node.status)}${where}\n\n${node.error}` : `${label} (task ${node.task}): ${statusWord(node.status)}${where}`;
    const tokens = ["runNode"];
    if (run.runId && node.status === "complete") tokens.push("hasResults");
    this.contextValue = tokens.join(" ");
  }
}

export type RunTreeItem = RunItem | RunNodeItem;
