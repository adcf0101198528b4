/**
 * What a run will do before anything runs: one graph per param set (restricted to the target node
 * when one is named) and one NodeRun per node of each, which the scheduler walks.
 */
import { buildGraph } from "../graph/builder.js";
import { bindingDeps, restrictTo, sinks, type Graph, type GraphNode } from "../graph/model.js";
import { describeUserError } from "../loader/load.js";
import type { NodeRecord } from "@flowsmith/contract";
import type { TaskImpl } from "../sdk/task.js";
import { FlowsmithError, hint } from "../util/errors.js";
import { fingerprintOf, type Upstream } from "./keys.js";
import { expandParamSets, parseMatrix, parseParamPairs, validateParams } from "./params.js";
import type { PreparedFlow } from "./prepare.js";

/** One node of one param set (its variant, in a matrix run) as this run sees it. */
export interface NodeRun {
  node: GraphNode;
  variant?: number;
  /** Its entry in the run record (run.json), updated in place. */
  record: NodeRecord;
  deps: NodeRun[];
  forced: boolean;
  upstream?: Upstream;
  inputHashes?: Record<string, string>;
  /** When its task started (Date.now()), as record.startedAt says. */
  startedMs?: number;
  logBytes: number;
  /** Its output can be handed downstream (in memory), even if it is still being made durable. */
  available?: boolean;
  /** Settles when its final status is recorded, while that waits for its output or its upstream. */
  finalized?: Promise<void>;
  /** Skipped because it sits in a when() branch that was not chosen (not a failure). */
  notTaken?: boolean;
  /** A failed element of a map that still reached its minSuccessRatio: the run does not fail for it. */
  tolerated?: boolean;
}

/** Build one graph per param set, restricted to the target node when one is named. */
export function planGraphs(prepared: PreparedFlow, paramSets: Record<string, unknown>[]): Graph[] {
  return paramSets.map((params) => {
    let graph: Graph;
    try {
      graph = buildGraph(prepared.flow, params);
    } catch (error) {
      if (error instanceof FlowsmithError) throw new FlowsmithError(`${prepared.shown}#${prepared.name}: ${error.message}`);
      throw new FlowsmithError(`${prepared.shown}#${prepared.name}: the workflow body failed: ${describeUserError(error)}`);
    }
    if (prepared.spec.node !== undefined) {
      if (!graph.nodes.has(prepared.spec.node)) {
        const ids = [...graph.nodes.keys()];
        throw new FlowsmithError(
          `workflow ${prepared.name} has no node "${prepared.spec.node}"${hint(prepared.spec.node, ids)}; its nodes are ${ids.join(", ")}`,
        );
      }
      graph = restrictTo(graph, [prepared.spec.node]);
    }
    return graph;
  });
}

/** Param sets from `--param` and `--matrix`, validated against the workflow's schema. */
export function resolveParamSets(prepared: PreparedFlow, params: string[] = [], matrix: string[] = []): Record<string, unknown>[] {
  const fixed = parseParamPairs(prepared.flow, prepared.name, params);
  const grid = parseMatrix(prepared.flow, prepared.name, matrix);
  return expandParamSets(fixed, grid).map((set) => validateParams(prepared.flow, prepared.name, set));
}

/** `--config trian.lr=…` names no node or task: say so rather than ignore it. */
export function checkConfigNodes(config: Record<string, Record<string, unknown>>, graphs: Graph[]): void {
  const names = new Set<string>(["*"]);
  for (const g of graphs) for (const n of g.nodes.values()) names.add(n.id).add(n.task);
  for (const key of Object.keys(config)) {
    if (!names.has(key)) {
      throw new FlowsmithError(`--config ${key}.…: no node or task named "${key}"${hint(key, [...names].filter((n) => n !== "*"))}; use NODE.key=value or *.key=value`);
    }
  }
}

/**
 * One NodeRun per node per param set, upstream before downstream. `force` recomputes the target
 * nodes (the named node, or the workflow's sinks), `forceAll` every node.
 */
export function planNodes(prepared: PreparedFlow, graphs: Graph[], options: { force?: boolean; forceAll?: boolean }): NodeRun[] {
  const matrix = graphs.length > 1;
  const nodes: NodeRun[] = [];
  graphs.forEach((graph, variant) => {
    const targets = new Set(options.forceAll ? graph.nodes.keys() : prepared.spec.node ? [prepared.spec.node] : sinks(graph));
    const byId = new Map<string, NodeRun>();
    for (const node of graph.nodes.values()) {
      const record: NodeRecord = {
        id: node.id,
        ...(matrix ? { variant } : {}),
        task: node.task,
        status: "pending",
        fingerprint: fingerprintOf(prepared.fingerprints, node),
        deps: node.deps,
        attempts: 0,
        ...(node.kind === "map" || node.kind === "when" ? { kind: node.kind } : {}),
        ...(node.branch ? { branch: node.branch } : {}),
        ...(node.assets ? { assets: node.assets } : {}),
      };
      const run: NodeRun = {
        node,
        ...(matrix ? { variant } : {}),
        record,
        deps: node.deps.map((d) => byId.get(d)!),
        forced: Boolean(options.force || options.forceAll) && targets.has(node.id),
        logBytes: 0,
      };
      byId.set(node.id, run);
      nodes.push(run);
    }
  });
  return nodes;
}

/** The tasks of the graphs by name (a graph never holds two tasks of one name: FS007). */
export function tasksByName(graphs: Graph[]): Map<string, TaskImpl> {
  const tasks = new Map<string, TaskImpl>();
  for (const graph of graphs) for (const node of graph.nodes.values()) if (node.kind !== "when") tasks.set(node.task, node.impl);
  return tasks;
}

/** An upstream node of `run` that failed or was skipped, if any: `run` cannot complete. */
export function blockingUpstream(run: NodeRun): NodeRun | undefined {
  // A when node waits for every branch's outputs; those of the branches not taken are skipped.
  const when = run.node.kind === "when";
  return run.deps.find((d) => (d.record.status === "failed" || d.record.status === "skipped") && !(when && d.notTaken));
}

/** Whether the subject of a when() branch `run` sits in cannot be known (its node did not complete). */
export function blockingGate(run: NodeRun): boolean {
  const subjects = new Set<string>();
  for (const g of run.node.gates ?? []) bindingDeps(g.spec.subject, subjects);
  return run.deps.some((d) => subjects.has(d.node.id) && (d.record.status === "failed" || d.record.status === "skipped"));
}

/** Why `run` is skipped (a node of a branch after one not taken is not taken either). */
export function skippedBecause(upstream: NodeRun, run?: NodeRun): string {
  if (upstream.notTaken && run?.node.gates) {
    run.notTaken = true;
    return "branch not taken";
  }
  if (upstream.notTaken) return `upstream ${upstream.node.id} is in a when() branch that was not taken; read the when node's outputs instead`;
  return `upstream ${upstream.node.id} did not complete`;
}
