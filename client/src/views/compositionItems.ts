/**
 * Tree items of a composition in the Flows view (DESIGN "Compositions"): the composition itself is a
 * WorkflowItem (so Run / Reset / Graph and every workflow command take it as they are), dressed here
 * with its own icon and words; its composing flows are GroupItems with their nodes under them.
 */
import * as vscode from "vscode";
import { Commands, type FlowInfo, type FlowNode } from "@flowsmith/contract";
import { type GroupNodes, statusSummary } from "../flows/compositions";
import { mdCode, mdText } from "../util/markdown";
import { statusIcon, statusWord } from "./statusIcons";

/** The status's colour on another icon (the composition and its groups keep their own shapes). */
function tinted(icon: string, status: string): vscode.ThemeIcon {
  return new vscode.ThemeIcon(icon, statusIcon(status).color);
}

/** Turns a workflow item built for a composition into a composition item (icon, words, tokens). */
export function dressComposition(item: vscode.TreeItem, flow: FlowInfo, status: string): void {
  const groups = flow.groups ?? [];
  item.iconPath = status === "running" ? statusIcon("running") : tinted("layers", status);
  item.description = `composition · ${groups.length} flow${groups.length === 1 ? "" : "s"} · ${statusSummary(flow.nodes)}`;
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${mdText(flow.name)}** — composition\n\n`);
  if (flow.description) md.appendText(`${flow.description}\n\n`);
  md.appendMarkdown(`${mdCode(flow.target)}\n\n`);
  md.appendMarkdown(`Status: ${statusWord(status)} (${statusSummary(flow.nodes)})`);
  if (groups.length) md.appendMarkdown(`\n\nComposing flows: ${groups.map((g) => `${mdText(g.name)} (${mdCode(g.flow)})`).join(", ")}`);
  item.tooltip = md;
  item.accessibilityInformation = { label: `composition ${flow.name}, ${statusWord(status)}, ${statusSummary(flow.nodes)}`, role: "treeitem" };
  // `workflow` keeps every workflow menu (Run, Reset, Graph, Force Run, Preview); `composition` tells them apart.
  item.contextValue = "workflow composition runnable resettable graph";
}

/** One composing flow of a composition: its name, the workflow it runs, its nodes below it. */
export class GroupItem extends vscode.TreeItem {
  readonly kind = "group";

  constructor(readonly flow: FlowInfo, readonly entry: GroupNodes, status: string) {
    super(entry.group.name, vscode.TreeItemCollapsibleState.Expanded);
    const { group, nodes } = entry;
    this.id = `group:${flow.root}:${flow.target}:${group.name}`;
    this.iconPath = status === "running" ? statusIcon("running") : tinted("type-hierarchy-sub", status);
    this.description = [group.flow, statusSummary(nodes)].filter(Boolean).join(" · ");
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${mdText(group.name)}** — composing flow of ${mdText(flow.name)}\n\n`);
    if (group.flow) md.appendMarkdown(`Runs ${mdCode(group.flow)}\n\n`);
    md.appendMarkdown(`Status: ${statusWord(status)} (${statusSummary(nodes)})`);
    this.tooltip = md;
    this.accessibilityInformation = { label: `composing flow ${group.name}, ${group.flow}, ${statusWord(status)}`, role: "treeitem" };
    this.contextValue = group.location ? "compositionGroup hasLocation" : "compositionGroup";
    // Its entry in the YAML.
    this.command = group.location ? { command: Commands.revealNode, title: "Reveal in Composition", arguments: [{ location: group.location }] } : undefined;
  }

  get nodes(): FlowNode[] {
    return this.entry.nodes;
  }
}
