/**
 * How the graph draws the dynamic shapes (DESIGN "Dynamic shapes"): a map node as one node with a
 * stacked look and its elements' count (`998/1000`), a when node with a decision diamond and the
 * edges from its branches labelled by the branch, the assets a node reads as small file chips.
 * Skipped nodes are dimmed by graph.css. Plain elements with classes only (the CSP stays strict).
 */
import type { FlowNode, GraphResult } from "@flowsmith/contract";
import type { DrawnDynamic } from "../src/graph/messages";

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, cls: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS("http://www.w3.org/2000/svg", name);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  e.setAttribute("class", cls);
  return e;
}

/** The graph with each edge into a when node from a branch node labelled by its branch (`[linear] model`). */
export function withBranchLabels(g: GraphResult): GraphResult {
  const branchOf = new Map<string, string>();
  let any = false;
  for (const n of g.nodes) {
    if (n.branch) branchOf.set(n.id, n.branch.label);
    if (n.kind === "when") any = true;
  }
  if (!any) return g;
  const whens = new Set(g.nodes.filter((n) => n.kind === "when").map((n) => n.id));
  return {
    ...g,
    edges: g.edges.map((e) => (whens.has(e.to) && branchOf.has(e.from) ? { ...e, output: `[${branchOf.get(e.from)}] ${e.output}` } : e)),
  };
}

/** A node drawn with more than a task's box: a map, a when, a branch node, an asset reader. */
export function isDynamic(n: FlowNode): boolean {
  return n.kind === "map" || n.kind === "when" || !!n.branch || !!n.assets?.length;
}

/** What of a node's dynamic shape changes its drawing (part of the graph's shape key). */
export function dynamicShapeKey(n: FlowNode): string {
  return n.kind === "map" ? `${n.map?.done ?? ""}/${n.map?.total ?? ""}` : n.assets?.length ? n.assets.join(",") : "";
}

/** Elements drawn behind a node's box (a map's stack). */
export function behindBox(node: FlowNode, w: number, h: number): SVGElement[] {
  if (node.kind !== "map") return [];
  return [el("rect", { x: 8, y: -8, width: w, height: h, rx: 6, ry: 6 }, "stack"), el("rect", { x: 4, y: -4, width: w, height: h, rx: 6, ry: 6 }, "stack")];
}

/** Elements drawn over a node's box: a map's count, a when's diamond, asset chips. */
export function overBox(node: FlowNode, w: number, h: number): SVGElement[] {
  const out: SVGElement[] = [];
  if (node.kind === "map" && node.map) {
    const count = el("text", { x: w - 8, y: 20, "text-anchor": "end" }, "count");
    count.textContent = `${node.map.done}/${node.map.total}`;
    out.push(count);
  }
  if (node.kind === "when") out.push(el("path", { d: `M${w - 18} 7l9 9l-9 9l-9-9z` }, "diamond"));
  if (node.assets?.length) {
    const chip = el("text", { x: w - 8, y: h - 8, "text-anchor": "end" }, "asset");
    const first = node.assets[0]!;
    const name = first.split("/").filter(Boolean).at(-1) ?? first;
    chip.textContent = `▤ ${name}${node.assets.length > 1 ? ` +${node.assets.length - 1}` : ""}`;
    out.push(chip);
  }
  return out;
}

/** What a node's hover adds: the map's elements, the branch, the assets. */
export function dynamicTooltipLines(node: FlowNode, status: string): string[] {
  const lines: string[] = [];
  if (node.kind === "map") lines.push(`map: one ${node.task} node per list element${node.map ? ` — ${node.map.done}/${node.map.total} complete` : ""}`);
  if (node.kind === "when") lines.push("when: chooses one branch at run time");
  if (node.branch) lines.push(`branch ${node.branch.label} of ${node.branch.when}${status === "skipped" ? " — branch not taken" : ""}`);
  if (node.assets?.length) lines.push(`reads: ${node.assets.join(", ")}`);
  return lines;
}

/** The dynamic shapes as they are in the DOM (tests and UI stories read them), or nothing when there are none. */
export function drawnDynamic(nodesLayer: Element, edgesLayer: Element): { dynamic?: DrawnDynamic } {
  const idOf = (e: Element) => e.closest(".node")?.getAttribute("data-id") ?? "";
  const maps = [...nodesLayer.querySelectorAll(".node .count")].map((c) => ({ id: idOf(c), count: c.textContent ?? "", stacked: !!c.parentElement?.querySelector(".stack") }));
  const whens = [...nodesLayer.querySelectorAll(".node .diamond")].map(idOf);
  const assets = [...nodesLayer.querySelectorAll(".node .asset")].map((a) => ({ id: idOf(a), text: a.textContent ?? "" }));
  const branchEdges = [...edgesLayer.querySelectorAll(".edge")]
    .map((e) => ({ from: e.getAttribute("data-from") ?? "", to: e.getAttribute("data-to") ?? "", label: e.querySelector(".edge-label")?.textContent ?? "" }))
    .filter((e) => e.label.startsWith("["));
  if (!maps.length && !whens.length && !assets.length) return {};
  return { dynamic: { maps, whens, branchEdges, assets } };
}
