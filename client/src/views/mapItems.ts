/**
 * A map node's elements in the Flows view (DESIGN "Dynamic shapes"): one row per element `ID[i]`
 * as the last run that touched the map node recorded it, read from the store's run record; past
 * MAX_ELEMENTS the rest are one "… N more" row (a map over 10,000 files is not 10,000 rows).
 */
import * as vscode from "vscode";
import { timingDescription, type FlowInfo, type FlowNode, type NodeRecord, type RunRecord } from "@flowsmith/contract";
import { RunRecords } from "../../../runtime/src/store/runs";
import { StoreLayout } from "../../../runtime/src/store/layout";
import { statusIcon, statusWord } from "./statusIcons";

export const MAX_ELEMENTS = 50;

export class MapElementItem extends vscode.TreeItem {
  readonly kind = "mapElement";

  constructor(readonly flow: FlowInfo, readonly node: FlowNode, readonly record: NodeRecord) {
    super(record.id, vscode.TreeItemCollapsibleState.None);
    this.id = `elem:${flow.root}:${flow.target}:${record.id}:${record.variant ?? 0}`;
    this.iconPath = statusIcon(record.status);
    const timing = timingDescription(record.durationMs, record.finishedAt);
    this.description = [record.cached ? "cached" : "", record.status === "complete" ? timing : record.status, record.error ? record.error.split(/\r?\n/)[0]!.slice(0, 60) : ""].filter(Boolean).join(" · ");
    this.tooltip = `${record.id}: element of map node ${node.id} (task ${node.task}) — ${statusWord(record.status)}${timing ? ` · ${timing}` : ""}${record.error ? `\n${record.error.split(/\r?\n/)[0]}` : ""}`;
    this.accessibilityInformation = { label: `${record.id}, ${statusWord(record.status)}`, role: "treeitem" };
    this.contextValue = `mapElement status-${record.status}`;
  }
}

export class MoreElementsItem extends vscode.TreeItem {
  readonly kind = "moreElements";

  constructor(readonly flow: FlowInfo, readonly node: FlowNode, readonly count: number) {
    super(`… ${count} more`, vscode.TreeItemCollapsibleState.None);
    this.id = `elem-more:${flow.root}:${flow.target}:${node.id}`;
    this.tooltip = `${count} more elements of map node ${node.id}; \`flowsmith preview\` lists them all`;
    this.contextValue = "mapElementsMore";
  }
}

/** The element records of a map node in a run record, in index order (the first param set's). */
export function mapElementRecords(id: string, run: RunRecord | undefined): NodeRecord[] {
  if (!run) return [];
  const prefix = `${id}[`;
  const index = (rid: string) => Number(rid.slice(prefix.length, -1));
  const variant = run.nodes.find((r) => r.id.startsWith(prefix))?.variant;
  return run.nodes
    .filter((r) => r.id.startsWith(prefix) && /^\d+\]$/.test(r.id.slice(prefix.length)) && r.variant === variant)
    .sort((a, b) => index(a.id) - index(b.id));
}

/** A map node's children in the Flows view. */
export function mapElementItems(flow: FlowInfo, node: FlowNode): (MapElementItem | MoreElementsItem)[] {
  const runId = node.lastRun?.runId;
  let run: RunRecord | undefined;
  try {
    run = runId ? new RunRecords(new StoreLayout(flow.store), () => undefined).read(runId) : undefined;
  } catch {
    run = undefined;
  }
  const records = mapElementRecords(node.id, run);
  const items: (MapElementItem | MoreElementsItem)[] = records.slice(0, MAX_ELEMENTS).map((r) => new MapElementItem(flow, node, r));
  if (records.length > MAX_ELEMENTS) items.push(new MoreElementsItem(flow, node, records.length - MAX_ELEMENTS));
  return items;
}
