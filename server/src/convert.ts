/** Analysis data → LSP and protocol shapes (file paths become URIs). */
import { fileURLToPath, pathToFileURL } from "node:url";
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from "vscode-languageserver/node";
import type { FlowAnalysis, FlowDiagnostic, StaticStatus, WorkflowInfo } from "./analysis/index.js";
import type { FlowInfo, FlowNode, GraphResult } from "@flowsmith/contract";
import { assetRelative } from "../../runtime/src/store/assets.js";

const known = new Map<string, string>();

/** Remember the exact URI a client used for a path, to send the same string back. */
export function rememberUri(uri: string): string | undefined {
  const file = uriToPath(uri);
  if (file) known.set(file, uri);
  return file;
}

export function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith("file:") ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

export function pathToUri(file: string): string {
  return known.get(file) ?? pathToFileURL(file).href;
}

const SEVERITY: Record<FlowDiagnostic["severity"], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toDiagnostic(d: FlowDiagnostic): Diagnostic {
  return {
    range: d.range,
    severity: SEVERITY[d.severity],
    code: d.code,
    source: "flowsmith",
    message: d.message,
    ...(d.unnecessary ? { tags: [DiagnosticTag.Unnecessary] } : {}),
  };
}

export function toFlowNodes(wf: WorkflowInfo, statuses: Map<string, StaticStatus & { map?: { done: number; total: number } }>, root?: string): FlowNode[] {
  return wf.nodes.map((n) => {
    const s = statuses.get(n.id);
    const state = s?.state;
    const assets = Object.values(n.assetInputs ?? {}).map((abs) => (root ? assetRelative(abs, root) : abs));
    return {
      id: n.id,
      task: n.task,
      status: s?.status ?? "pending",
      deps: n.deps,
      scope: n.scope,
      ...(n.kind ? { kind: n.kind } : {}),
      ...(n.kind === "map" && s?.map ? { map: s.map } : {}),
      ...(n.branch ? { branch: n.branch } : {}),
      ...(assets.length ? { assets: [...new Set(assets)] } : {}),
      location: { uri: pathToUri(n.file), range: n.range },
      taskLocation: { uri: pathToUri(n.taskFile), range: n.taskRange },
      ...(state
        ? {
            lastRun: {
              runId: state.runId,
              status: state.status,
              ...(state.finishedAt ? { finishedAt: state.finishedAt } : {}),
              ...(state.durationMs !== undefined ? { durationMs: state.durationMs } : {}),
              ...(state.error ? { error: state.error } : {}),
              ...(state.cacheKey ? { cacheKey: state.cacheKey } : {}),
            },
          }
        : {}),
    };
  });
}

export function toFlowInfo(analysis: FlowAnalysis, wf: WorkflowInfo): FlowInfo {
  return {
    target: analysis.targetOf(wf),
    root: analysis.storeRoot,
    store: analysis.store.dir,
    name: wf.name,
    uri: pathToUri(wf.file),
    range: wf.range,
    params: wf.params,
    nodes: toFlowNodes(wf, analysis.statuses(wf), analysis.storeRoot),
    ...(wf.description ? { description: wf.description } : {}),
  };
}

/** At most this many tasks' signatures are read for edge types (each asks the type checker). */
const EDGE_TYPE_TASKS = 400;

/** Each input's declared type, read from `(input: { rows: Row[]; n?: number }) => …` (brackets respected). */
function inputTypes(signature: string): Map<string, string> {
  const out = new Map<string, string>();
  const body = /^\(input: \{ (.*) \}\) => /.exec(signature)?.[1];
  if (!body) return out;
  let depth = 0;
  let start = 0;
  const take = (part: string) => {
    const m = /^\s*([\w$]+)\??: ([\s\S]+?)\s*$/.exec(part);
    if (m) out.set(m[1]!, m[2]!);
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if ("{[(<".includes(c)) depth++;
    else if ("}])>".includes(c) && body[i - 1] !== "=") depth--;
    else if (c === ";" && depth === 0) {
      take(body.slice(start, i));
      start = i + 1;
    }
  }
  take(body.slice(start));
  return out;
}

/** The edges' input types for the graph's hovers, one signature per task (none past EDGE_TYPE_TASKS tasks). */
function edgeTypes(analysis: FlowAnalysis, wf: WorkflowInfo): (input: string, to: string) => string | undefined {
  const byTask = new Map<string, Map<string, string>>();
  const nodes = new Map(wf.nodes.map((n) => [n.id, n]));
  return (input, to) => {
    const n = nodes.get(to);
    if (!n) return undefined;
    const key = `${n.taskFile}\0${n.task}`;
    let types = byTask.get(key);
    if (!types) {
      if (byTask.size >= EDGE_TYPE_TASKS) return undefined;
      byTask.set(key, (types = inputTypes(analysis.signatureOf(n.taskFile, n.task))));
    }
    return types.get(input);
  };
}

export function toGraph(analysis: FlowAnalysis, wf: WorkflowInfo): GraphResult {
  const typeOf = edgeTypes(analysis, wf);
  return {
    target: analysis.targetOf(wf),
    name: wf.name,
    nodes: toFlowNodes(wf, analysis.statuses(wf), analysis.storeRoot),
    edges: wf.edges.map((e) => ({
      from: e.from,
      to: e.to,
      output: e.output,
      input: e.input,
      ...((t) => (t ? { type: t } : {}))(typeOf(e.input, e.to)),
      ...(e.outputRange ? { outputRange: { uri: pathToUri(e.outputRange.file), range: e.outputRange.range } } : {}),
      ...(e.inputRange ? { inputRange: { uri: pathToUri(e.inputRange.file), range: e.inputRange.range } } : {}),
    })),
  };
}
