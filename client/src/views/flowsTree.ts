/** The Flows view: workflows → nodes (sub-flow nodes grouped under their sub-flow call). */
import * as vscode from "vscode";
import type { FlowInfo, FlowNode } from "@flowsmith/contract";
import type { FlowsModel } from "../flows/flowsModel";
import { FolderItem, NodeItem, SubflowItem, WorkflowItem, workflowStatus, type FlowTreeItem } from "./flowItems";
import { GroupItem } from "./compositionItems";
import { mapElementItems } from "./mapItems";
import { compositionGroups, isComposition, scopeInGroup } from "../flows/compositions";

/** A node's scope as the tree nests it: in a composition its group comes first (`[train, prep]`). */
function nodeScopeOf(node: FlowNode): string[] {
  return node.group !== undefined ? [node.group, ...scopeInGroup(node, node.group)] : (node.scope ?? []);
}

/** Workflows are shown expanded while there are few of them, and they are small. */
const EXPAND_UP_TO = 8;
const EXPAND_NODES_UP_TO = 40;

export class FlowsTreeProvider implements vscode.TreeDataProvider<FlowTreeItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<FlowTreeItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly parents = new Map<string, FlowTreeItem | undefined>();
  private readonly subscription: vscode.Disposable;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly model: FlowsModel) {
    // Run events come fast: re-render at most ~8 times a second.
    this.subscription = model.onDidChange(() => {
      if (this.timer) return;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.changed.fire(undefined);
      }, 120);
    });
  }

  getTreeItem(item: FlowTreeItem): vscode.TreeItem {
    return item;
  }

  getChildren(item?: FlowTreeItem): FlowTreeItem[] {
    if (!item) {
      const flows = [...this.model.flows()].sort((a, b) => a.target.localeCompare(b.target));
      // A multi-root workspace: a group per folder with flows, in the order the server lists them.
      const roots = [...new Set(flows.map((f) => f.root))];
      if (roots.length > 1) return this.remember(undefined, roots.map((r) => new FolderItem(r, flows.filter((f) => f.root === r))));
      return this.remember(undefined, this.workflows(flows));
    }
    if (item instanceof FolderItem) return this.remember(item, this.workflows(item.flows));
    if (item instanceof WorkflowItem && isComposition(item.flow)) return this.remember(item, this.composition(item.flow));
    if (item instanceof WorkflowItem) return this.remember(item, this.level(item.flow, item.flow.nodes, []));
    if (item instanceof GroupItem) return this.remember(item, this.level(item.flow, item.nodes, [item.entry.group.name]));
    if (item instanceof SubflowItem) return this.remember(item, this.level(item.flow, item.nodes, item.scope));
    if (item instanceof NodeItem && item.node.kind === "map") return this.remember(item, mapElementItems(item.flow, item.node));
    return [];
  }

  private workflows(flows: FlowInfo[]): WorkflowItem[] {
    return flows.map((f) => new WorkflowItem(f, flows.length <= EXPAND_UP_TO && f.nodes.length <= EXPAND_NODES_UP_TO));
  }

  getParent(item: FlowTreeItem): FlowTreeItem | undefined {
    return item.id ? this.parents.get(item.id) : undefined;
  }

  /** A composition's children: one item per composing flow, in file order (nodes naming no group after them). */
  private composition(flow: FlowInfo): FlowTreeItem[] {
    const { groups, ungrouped } = compositionGroups(flow);
    return [...groups.map((g) => new GroupItem(flow, g, workflowStatus(g.nodes))), ...this.level(flow, ungrouped, [])];
  }

  /** Items one level below `scope`: its own nodes, then one group per nested sub-flow. */
  private level(flow: FlowInfo, nodes: FlowNode[], scope: string[]): FlowTreeItem[] {
    const items: FlowTreeItem[] = [];
    const groups = new Map<string, FlowNode[]>();
    for (const node of nodes) {
      const nodeScope = nodeScopeOf(node);
      if (nodeScope.length === scope.length) {
        const prefix = scope.length ? `${scope.join("/")}/` : "";
        items.push(new NodeItem(flow, node, node.id.startsWith(prefix) ? node.id.slice(prefix.length) : node.id));
      } else {
        const next = nodeScope[scope.length]!;
        const group = groups.get(next) ?? [];
        group.push(node);
        groups.set(next, group);
      }
    }
    for (const [name, group] of groups) items.push(new SubflowItem(flow, [...scope, name], group));
    return items;
  }

  private remember(parent: FlowTreeItem | undefined, items: FlowTreeItem[]): FlowTreeItem[] {
    for (const i of items) if (i.id) this.parents.set(i.id, parent);
    return items;
  }

  /** For tests and reveal: the item of a workflow or node, built fresh from the model. */
  findNode(target: string, nodeId: string): NodeItem | undefined {
    const flow = this.model.find(target);
    const node = flow?.nodes.find((n) => n.id === nodeId);
    if (!flow || !node) return undefined;
    const scope = nodeScopeOf(node);
    const prefix = scope.length ? `${scope.join("/")}/` : "";
    return new NodeItem(flow, node, node.id.startsWith(prefix) ? node.id.slice(prefix.length) : node.id);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
