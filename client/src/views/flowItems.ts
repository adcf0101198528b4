/**
 * Tree items of the Flows view: one class per node kind. `contextValue` carries tokens that the
 * menus in package.json match (`viewItem =~ /runnable/`).
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { Commands, firstLine, type FlowInfo, type FlowNode, type SourceLocation, targetFile, timingDescription } from "@flowsmith/contract";
import { statusIcon, statusWord } from "./statusIcons";
import { mdCode, mdText } from "../util/markdown";
import { isComposition } from "../flows/compositions";
import { dressComposition, GroupItem } from "./compositionItems";
import type { MapElementItem, MoreElementsItem } from "./mapItems";

export function locationCommand(location: SourceLocation | undefined): vscode.Command | undefined {
  if (!location) return undefined;
  return { command: Commands.revealNode, title: "Reveal in Code", arguments: [{ location }] };
}

function statusCounts(nodes: FlowNode[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.status, (counts.get(n.status) ?? 0) + 1);
  if (counts.size === 1 && nodes.length) return `${nodes.length} ${nodes[0]!.status}`;
  return [...counts].map(([s, c]) => `${c} ${s}`).join(", ");
}

/** The status a workflow shows: running if any node runs, failed if any failed, … complete if all are. */
export function workflowStatus(nodes: FlowNode[]): string {
  for (const s of ["running", "failed", "stopped", "stale"] as const) if (nodes.some((n) => n.status === s)) return s;
  if (nodes.length && nodes.every((n) => n.status === "complete")) return "complete";
  return "pending";
}

export class WorkflowItem extends vscode.TreeItem {
  readonly kind: "workflow" | "composition";

  constructor(readonly flow: FlowInfo, expanded: boolean) {
    super(flow.name, expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `wf:${flow.root}:${flow.target}`;
    const status = workflowStatus(flow.nodes);
    this.iconPath = statusIcon(status);
    this.description = `${targetFile(flow.target)} · ${statusCounts(flow.nodes)}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${mdText(flow.name)}** — workflow\n\n`);
    if (flow.description) md.appendText(`${flow.description}\n\n`);
    md.appendMarkdown(`${mdCode(flow.target)}\n\n`);
    md.appendMarkdown(`Status: ${statusWord(status)} (${statusCounts(flow.nodes)})`);
    if (flow.params.length) {
      md.appendMarkdown("\n\nParams: ");
      md.appendText(flow.params.map((p) => `${p.name}: ${p.type}${p.default !== undefined ? ` = ${JSON.stringify(p.default)}` : ""}`).join(", "));
    }
    this.tooltip = md;
    this.accessibilityInformation = { label: `workflow ${flow.name}, ${statusWord(status)}, ${statusCounts(flow.nodes)}`, role: "treeitem" };
    this.contextValue = "workflow runnable resettable graph";
    this.resourceUri = undefined;
    this.command = locationCommand({ uri: flow.uri, range: flow.range });
    this.kind = isComposition(flow) ? "composition" : "workflow";
    if (this.kind === "composition") dressComposition(this, flow, status);
  }
}

/** A workspace folder's workflows, in a multi-root workspace (targets are relative to its root). */
export class FolderItem extends vscode.TreeItem {
  readonly kind = "folder";

  constructor(readonly root: string, readonly flows: FlowInfo[]) {
    super(path.basename(root) || root, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `folder:${root}`;
    this.iconPath = vscode.ThemeIcon.Folder;
    this.description = `${flows.length} workflow${flows.length === 1 ? "" : "s"}`;
    this.tooltip = root;
    this.contextValue = "folder";
  }
}

/** A sub-flow call inside a workflow: groups the nodes whose scope starts with it. */
export class SubflowItem extends vscode.TreeItem {
  readonly kind = "subflow";

  constructor(readonly flow: FlowInfo, readonly scope: string[], readonly nodes: FlowNode[]) {
    super(scope.at(-1)!, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `sub:${flow.root}:${flow.target}:${scope.join("/")}`;
    const status = workflowStatus(nodes);
    this.iconPath = new vscode.ThemeIcon("symbol-namespace");
    this.description = `sub-flow · ${statusCounts(nodes)}`;
    this.tooltip = `Sub-flow ${scope.join("/")} of ${flow.name}: ${statusWord(status)}`;
    this.contextValue = "subflow";
  }
}

export class NodeItem extends vscode.TreeItem {
  readonly kind = "node";

  constructor(readonly flow: FlowInfo, readonly node: FlowNode, label: string) {
    // A map node opens into its elements (mapItems.ts).
    super(label, node.kind === "map" && node.lastRun ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = `node:${flow.root}:${flow.target}:${node.id}`;
    this.iconPath = statusIcon(node.status);
    const last = node.lastRun;
    const timing = last ? timingDescription(last.durationMs, last.finishedAt) : "";
    const taskNote = node.task !== label && node.task !== node.id ? node.task : "";
    this.description = [taskNote, node.status === "complete" || !last ? timing : `${node.status}${timing ? ` · ${timing}` : ""}`]
      .filter(Boolean).join(" · ") || node.status;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${mdText(node.id)}** — task ${mdCode(node.task)}\n\n`);
    md.appendMarkdown(`Status: **${statusWord(node.status)}**`);
    if (node.deps.length) md.appendMarkdown(`\n\nUpstream: ${node.deps.map((d) => mdCode(d)).join(", ")}`);
    if (last) {
      md.appendMarkdown(`\n\nLast run: ${mdCode(last.runId)} ${statusWord(last.status)}${timing ? ` · ${mdText(timing)}` : ""}`);
      if (last.cacheKey) md.appendMarkdown(`\n\nCache key: ${mdCode(`${last.cacheKey.slice(0, 16)}…`)}`);
      if (last.error) {
        md.appendMarkdown("\n\nLast error:\n");
        md.appendCodeblock(last.error.split(/\r?\n/).slice(0, 12).join("\n"), "text");
      }
    }
    this.tooltip = md;
    // Screen readers get the status in words; sighted users see it as the icon.
    this.accessibilityInformation = { label: `${label}, ${statusWord(node.status)}${timing ? `, ${timing}` : ""}`, role: "treeitem" };
    const tokens = ["node", "runnable", "resettable", `status-${node.status}`];
    if (last) tokens.push("hasRun");
    if (node.location) tokens.push("hasLocation");
    this.contextValue = tokens.join(" ");
    this.command = locationCommand(node.location ?? node.taskLocation);
    if (node.status === "failed" && last?.error) this.description = `${this.description} · ${firstLine(last.error, 60)}`;
    dressDynamic(this, node, md);
  }
}

/** A map node's done/total, a branch node's branch ("branch not taken" when skipped), a node's assets. */
function dressDynamic(item: NodeItem, node: FlowNode, md: vscode.MarkdownString): void {
  if (node.kind === "map") {
    if (node.map) item.description = `${node.map.done}/${node.map.total} · ${item.description}`;
    md.appendMarkdown(`\n\nMap node: one ${mdCode(node.task)} node per list element${node.map ? ` — ${node.map.done}/${node.map.total} complete in the last run` : ""}`);
    item.contextValue = `${item.contextValue} map`;
  }
  if (node.kind === "when") md.appendMarkdown("\n\nWhen node: chooses one branch at run time");
  if (node.branch) {
    if (node.status === "skipped") item.description = "branch not taken";
    md.appendMarkdown(`\n\nIn branch ${mdCode(node.branch.label)} of ${mdCode(node.branch.when)}${node.status === "skipped" ? " — branch not taken in the last run" : ""}`);
  }
  if (node.assets?.length) md.appendMarkdown(`\n\nReads: ${node.assets.map((a) => mdCode(a)).join(", ")}`);
}

export type FlowTreeItem = FolderItem | WorkflowItem | GroupItem | SubflowItem | NodeItem | MapElementItem | MoreElementsItem;
