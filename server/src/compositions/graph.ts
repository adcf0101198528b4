/**
 * A composition as one graph (DESIGN "Compositions"): the composing flows' nodes with ids
 * `FLOW/NODE`, their own edges, and one edge per mapped parameter from the parent node to each node
 * of the child flow that reads the param (`mapType` on it). Statuses come from the same source as
 * workflows': the composition's own records, and — cache keys carry over — the composing
 * workflow's standalone records where the composition has none.
 */
import type { FlowAnalysis, StaticStatus } from "../analysis/index.js";
import type { Range, StaticEdge, StaticNode } from "../analysis/model.js";
import { canonicalTarget } from "../../../runtime/src/engine/target.js";
import { flowOrder, type Composition, type MapType } from "../../../runtime/src/composition/document.js";
import type { ParsedComposition } from "./parsed.js";
import { resolveFlows, type ResolvedFlow } from "./resolve.js";

import { RESULTS_DB_FINGERPRINT, RESULTS_DB_TASK } from "../../../runtime/src/composition/dbTask.js";

export interface CompositionNode extends StaticNode {
  /** The composing flow it belongs to ("" for a db mapping's node, which belongs to none). */
  group: string;
  /** Its id in its own workflow. */
  nodeId: string;
}

export interface CompositionEdge extends StaticEdge {
  mapType?: MapType;
}

export interface CompositionGroupInfo {
  name: string;
  /** The workflow's target (relative to the store root), when it resolves; else the `flow:` text. */
  flow: string;
  range: Range;
}

export interface CompositionGraph {
  /** `relative/file.flows.yaml#NAME`. */
  target: string;
  name: string;
  file: string;
  /** The composition's `name:` value (lenses, symbols). */
  nameRange: Range;
  /** The whole YAML document. */
  range: Range;
  description?: string;
  groups: CompositionGroupInfo[];
  nodes: CompositionNode[];
  edges: CompositionEdge[];
  resolved: ResolvedFlow[];
  composition: Composition;
}

export function compositionTarget(analysis: FlowAnalysis, file: string, name: string): string {
  return canonicalTarget(analysis.storeRoot, file, name);
}

/** Every named composition of a file as a graph. */
export function compositionGraphs(analysis: FlowAnalysis, doc: ParsedComposition): CompositionGraph[] {
  const out: CompositionGraph[] = [];
  for (const composition of doc.parsed.compositions) {
    if (!composition.name) continue;
    out.push(compositionGraph(analysis, doc, composition));
  }
  return out;
}

export function compositionGraph(analysis: FlowAnalysis, doc: ParsedComposition, composition: Composition): CompositionGraph {
  const name = composition.name!.value;
  const resolved = resolveFlows(analysis, doc.file, composition);
  const byFlow = new Map(resolved.map((r) => [r.flow, r]));
  const byName = new Map<string, ResolvedFlow>();
  for (const r of resolved) if (r.flow.name && !byName.has(r.flow.name.value)) byName.set(r.flow.name.value, r);
  const nodes: CompositionNode[] = [];
  const edges: CompositionEdge[] = [];
  const seen = new Set<string>();
  for (const flow of flowOrder(composition)) {
    const r = byFlow.get(flow)!;
    const group = flow.name?.value;
    if (!group || !r.workflow || seen.has(group)) continue;
    seen.add(group);
    const wf = r.workflow;
    const id = (n: string) => `${group}/${n}`;
    const mine: CompositionNode[] = wf.nodes.map((n) => ({
      ...n,
      id: id(n.id),
      nodeId: n.id,
      group,
      deps: n.deps.map(id),
      refInputs: Object.fromEntries(Object.entries(n.refInputs).map(([k, v]) => [k, { ...v, node: id(v.node) }])),
    }));
    edges.push(...wf.edges.map((e) => ({ ...e, from: id(e.from), to: id(e.to) })));
    for (const m of flow.mapped) {
      const parent = m.parentFlow && byName.get(m.parentFlow.value);
      const pnode = parent?.workflow && m.parentTask && parent.workflow.nodes.find((n) => n.id === m.parentTask!.value);
      if (!parent || !pnode || parent === r || !seen.has(parent.flow.name!.value)) continue;
      const from = `${parent.flow.name!.value}/${pnode.id}`;
      const output = [m.output?.value ?? "", ...(m.attributeIndex?.value ?? [])].join(".");
      let readers = mine.flatMap((n) =>
        Object.entries(n.paramInputs ?? {})
          .filter(([, p]) => p.param === m.param && (p.workflow === wf.name || n.scope.length === 0))
          .map(([input]) => ({ n, input })),
      );
      // A param no node reads as it is (passed on inside an object…): its flow's first nodes wait for it.
      if (!readers.length) readers = mine.filter((n) => !n.deps.length).map((n) => ({ n, input: m.param }));
      // A db mapping reads through a node of its own (the engine's `db.FLOW.PARAM`, runtime/src/composition/db.ts).
      let via = from;
      if (m.mapType === "db") {
        via = `db.${group}.${m.param}`;
        if (!nodes.some((n) => n.id === via)) {
          const at = doc.lines.range(m.keySpan);
          nodes.push({ ...pnode, id: via, nodeId: via, group: "", task: RESULTS_DB_TASK, file: doc.file, range: at, taskFile: doc.file, taskRange: at, fingerprint: RESULTS_DB_FINGERPRINT, deps: [from], scope: [], refInputs: { output: { node: from, path: [] } }, valueInputs: {}, inputNames: ["output", "key", "composition", "flow", "node", "index", "param"] });
          edges.push({ from, to: via, output: "", input: "output", mapType: "db", inputRange: { file: doc.file, range: doc.lines.range(m.keySpan) } });
        }
      }
      for (const { n, input } of readers) {
        if (!n.deps.includes(via)) n.deps.push(via);
        if (m.mapType === "raw") n.refInputs[input] = { node: from, path: output.split(".") };
        else if (m.mapType === "db") n.refInputs[input] = { node: via, path: ["value"] };
        edges.push({ from: via, to: n.id, output: m.mapType === "db" ? "value" : output, input, mapType: m.mapType, inputRange: { file: doc.file, range: doc.lines.range(m.keySpan) } });
      }
    }
    nodes.push(...mine);
  }
  const groups = resolved.flatMap((r) =>
    r.flow.name ? [{ name: r.flow.name.value, flow: r.workflow ? analysis.targetOf(r.workflow) : (r.flow.flow?.value ?? ""), range: doc.lines.range(r.flow.span) }] : [],
  );
  const description = descriptionOf(doc, composition);
  return {
    target: compositionTarget(analysis, doc.file, name),
    name,
    file: doc.file,
    nameRange: doc.lines.range(composition.name!.span),
    range: doc.lines.range(composition.span),
    ...(description ? { description } : {}),
    groups,
    nodes,
    edges,
    resolved,
    composition,
  };
}

/** `description:` of the composition, read from its text (the document reader keeps no value for it). */
function descriptionOf(doc: ParsedComposition, composition: Composition): string | undefined {
  const text = doc.text.slice(composition.span.start, composition.span.end);
  const m = /^description:[ \t]*(.+)$/m.exec(text);
  if (!m) return undefined;
  return m[1]!.trim().replace(/^(["'])(.*)\1$/, "$2") || undefined;
}

/**
 * Each node's status: the composition's own records first; where they know nothing of a node, its
 * workflow's standalone record (a node complete in its own workflow is complete here).
 */
export function compositionStatuses(analysis: FlowAnalysis, graph: CompositionGraph): Map<string, StaticStatus> {
  const own = analysis.store.statuses(graph.target, graph.nodes);
  const standalone = new Map<string, Map<string, StaticStatus>>();
  for (const r of graph.resolved) {
    if (r.workflow && r.flow.name && !standalone.has(r.flow.name.value)) standalone.set(r.flow.name.value, analysis.statuses(r.workflow));
  }
  const out = new Map<string, StaticStatus>();
  for (const n of graph.nodes) {
    const mine = own.get(n.id);
    const theirs = standalone.get(n.group)?.get(n.nodeId);
    out.set(n.id, mine?.state || !theirs ? (mine ?? { status: "pending" }) : theirs);
  }
  return out;
}
