/**
 * A composition (`*.flows.yaml`, DESIGN "Compositions") as the Flows view shows it: its composing
 * flows as groups, in file order, each with its nodes (ids `GROUP/NODE`). Plain data, no vscode:
 * the tree items (views/compositionItems.ts) and the unit tests read it.
 */
import type { CompositionGroup, FlowInfo, FlowNode } from "@flowsmith/contract";

export interface GroupNodes {
  group: CompositionGroup;
  nodes: FlowNode[];
}

export function isComposition(flow: FlowInfo): boolean {
  return flow.kind === "composition";
}

/** The group a node belongs to: its `group`, else the first segment of its id that names a group. */
export function groupOf(node: FlowNode, names: ReadonlySet<string>): string | undefined {
  if (node.group !== undefined) return node.group;
  const slash = node.id.indexOf("/");
  const head = slash > 0 ? node.id.slice(0, slash) : undefined;
  return head && names.has(head) ? head : undefined;
}

/**
 * The composing flows with their nodes, in the order the composition lists them. Nodes of a group
 * the composition does not list (a server newer than this client) get a group of their own after
 * the listed ones; `ungrouped` holds nodes that name no group at all.
 */
export function compositionGroups(flow: FlowInfo): { groups: GroupNodes[]; ungrouped: FlowNode[] } {
  const listed = flow.groups ?? [];
  const names = new Set(listed.map((g) => g.name));
  const byName = new Map<string, GroupNodes>(listed.map((g) => [g.name, { group: g, nodes: [] }]));
  const ungrouped: FlowNode[] = [];
  for (const node of flow.nodes) {
    const name = groupOf(node, names);
    if (name === undefined) {
      ungrouped.push(node);
      continue;
    }
    let entry = byName.get(name);
    if (!entry) byName.set(name, (entry = { group: { name, flow: "" }, nodes: [] }));
    entry.nodes.push(node);
  }
  return { groups: [...byName.values()], ungrouped };
}

/** A node's id inside its group (`train/fit` → `fit`). */
export function idInGroup(node: FlowNode, group: string): string {
  return node.id.startsWith(`${group}/`) ? node.id.slice(group.length + 1) : node.id;
}

/**
 * A node's sub-flow scope inside its group, without the group itself: the server may name the
 * group as the scope's first entry or leave it out.
 */
export function scopeInGroup(node: FlowNode, group: string): string[] {
  const scope = node.scope ?? [];
  return scope[0] === group ? scope.slice(1) : scope;
}

/** `3 complete, 1 pending` — how many nodes are in each status, the most common first. */
export function statusSummary(nodes: FlowNode[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.status, (counts.get(n.status) ?? 0) + 1);
  if (!nodes.length) return "no nodes";
  return [...counts].sort((a, b) => b[1] - a[1]).map(([s, c]) => `${c} ${s}`).join(", ");
}
