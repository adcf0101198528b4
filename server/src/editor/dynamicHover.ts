/**
 * What a hover says about the dynamic shapes (DESIGN "Dynamic shapes") on top of a node's hover
 * (features.ts): a map node's each() input and its elements done of total, a when node's branches
 * and the one its last run chose, a branch node's branch (and that the last run did not take it),
 * the assets a node reads and why it is stale when an asset changed.
 */
import type { NodeStatusInfo, StaticNode, WorkflowInfo } from "../analysis/index.js";
import { assetRelative } from "../../../runtime/src/store/assets.js";

export function dynamicHoverLines(wf: WorkflowInfo, node: StaticNode, statuses: Map<string, NodeStatusInfo>, root: string): string[] {
  const lines: string[] = [];
  const status = statuses.get(node.id);
  if (node.kind === "map") {
    lines.push("", `**map** — one \`${node.task}\` node per element of input \`${node.mapInput ?? "?"}\` (each()); the other inputs are shared, and each output is a list with one entry per element.`);
    if (status?.map) lines.push("", `elements: **${status.map.done}/${status.map.total}** complete in the last run`);
  }
  if (node.kind === "when") {
    const branches = [...new Set(wf.nodes.filter((n) => n.branch?.when === node.id).map((n) => n.branch!.label))];
    lines.push("", `**when** — chooses one branch at run time; the nodes of the others are skipped. Branches: ${branches.map((b) => `\`${b}\``).join(", ") || "none"}.`);
    const runId = status?.state?.runId;
    const taken = runId ? wf.nodes.find((n) => n.branch?.when === node.id && statuses.get(n.id)?.status !== "skipped" && statuses.get(n.id)?.state?.runId === runId) : undefined;
    if (taken) lines.push("", `last run chose branch \`${taken.branch!.label}\``);
  }
  if (node.branch) {
    lines.push("", `in branch \`${node.branch.label}\` of when node \`${node.branch.when}\`${status?.status === "skipped" ? " — **branch not taken** in the last run" : ""}`);
  }
  const assets = [...new Set(Object.values(node.assetInputs ?? {}))];
  if (assets.length) lines.push("", `reads asset${assets.length > 1 ? "s" : ""} ${assets.map((a) => `\`${assetRelative(a, root)}\``).join(", ")} (hashed by content)`);
  if (status?.reason && status.status === "stale") lines.push("", `stale: ${status.reason}`);
  return lines;
}
