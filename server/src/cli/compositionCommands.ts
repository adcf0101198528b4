/**
 * Compositions (`*.flows.yaml`) in `flowsmith check`, `list` and `graph`: the language server's
 * composition analysis (../compositions) on the command line. `check` reports each composition's
 * diagnostics (a file it cannot read is an error, never "no problems"); `list` lists them with
 * their targets; `graph FILE#NAME` draws one, its composing flows as clusters in dot and mermaid.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { FlowAnalysis, FlowDiagnostic } from "../analysis/index.js";
import { FlowAnalysis as Analysis, storeStatuses } from "../analysis/index.js";
import {
  compositionDiagnostics,
  compositionGraphs,
  compositionStatuses,
  isCompositionFile,
  parseComposition,
  readCompositionText,
  structureDiagnostics,
  type CompositionGraph,
} from "../compositions/index.js";
import { FlowsmithError, hint } from "../../../runtime/src/util/errors.js";
import { Store } from "../../../runtime/src/store/store.js";
import { DOT_COLOR, MERMAID_CLASSES } from "./graphStyle.js";
import type { FileResult } from "./checkCache.js";
import { rel } from "./checkOutput.js";

export { isCompositionFile };

const firstLine = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** A composition's check result: its diagnostics (no workflows: FS012 belongs to flow files). */
export function compositionCheckResult(analysis: FlowAnalysis, file: string): FileResult {
  const text = readCompositionText(file);
  if (text === undefined) {
    return { file, diagnostics: [{ file, range: firstLine, severity: "error", code: "FS013", message: "this composition could not be read (missing, not a file, or larger than 8 MB)" }], workflows: [] };
  }
  const doc = parseComposition(file, text);
  let diagnostics: FlowDiagnostic[];
  try {
    diagnostics = compositionDiagnostics(analysis, doc);
  } catch (error) {
    // Never "no problems" for a composition that could not be checked.
    diagnostics = [...structureDiagnostics(doc), { file, range: firstLine, severity: "error", code: "FS000", message: `this composition could not be checked: ${error instanceof Error ? error.message : String(error)}` }];
  }
  return { file, diagnostics: diagnostics.map(({ file: f, range, severity, code, message }) => ({ file: f, range, severity, code, message })), workflows: [] };
}

/** `list`'s entry for a composition file. */
export function compositionListEntry(analysis: FlowAnalysis, file: string) {
  const text = readCompositionText(file);
  const graphs = text === undefined ? [] : compositionGraphs(analysis, parseComposition(file, text));
  return {
    file: rel(file),
    workflows: [] as never[],
    tasks: [] as never[],
    compositions: graphs.map((g) => ({
      name: g.name,
      target: `${rel(file)}#${g.name}`,
      line: g.nameRange.start.line + 1,
      flows: g.groups.map((x) => ({ name: x.name, flow: x.flow })),
      nodes: g.nodes.length,
      nodeIds: g.nodes.map((n) => n.id),
    })),
  };
}

/** Is a graph target a composition's (`FILE.flows.yaml` or `FILE.flows.yaml#NAME`)? */
export function isCompositionTarget(target: string): boolean {
  const hash = target.lastIndexOf("#");
  return isCompositionFile(hash < 0 ? target : target.slice(0, hash));
}

function findComposition(targetText: string, store?: string): { analysis: FlowAnalysis; graph: CompositionGraph } {
  const hash = targetText.lastIndexOf("#");
  const fileText = hash < 0 ? targetText : targetText.slice(0, hash);
  const name = hash < 0 ? undefined : targetText.slice(hash + 1);
  const file = path.resolve(fileText);
  if (!fs.existsSync(file)) throw new FlowsmithError(`no such composition file: ${fileText}`);
  const text = readCompositionText(file);
  if (text === undefined) throw new FlowsmithError(`${fileText} could not be read`);
  const analysis = new Analysis(process.cwd(), { statuses: storeStatuses(Store.forWorkspace(process.cwd(), store)) });
  const doc = parseComposition(file, text);
  const broken = structureDiagnostics(doc).find((d) => d.severity === "error");
  if (broken) throw new FlowsmithError(`${rel(file)}:${broken.range.start.line + 1}:${broken.range.start.character + 1} ${broken.code} ${broken.message}`);
  const graphs = compositionGraphs(analysis, doc);
  const names = graphs.map((g) => g.name);
  let graph: CompositionGraph | undefined;
  if (name === undefined) {
    if (graphs.length !== 1) throw new FlowsmithError(`${fileText} holds several compositions (${names.join(", ")}); name one: ${fileText}#${names[0]}`);
    graph = graphs[0];
  } else {
    graph = graphs.find((g) => g.name === name);
    if (!graph) throw new FlowsmithError(`${fileText} has no composition "${name}"${hint(name, names)}${names.length ? `; it holds ${names.join(", ")}` : ""}`);
  }
  const unresolved = graph!.resolved.find((r) => r.problem);
  if (unresolved?.problem) {
    const at = doc.lines.position(unresolved.problem.span.start);
    throw new FlowsmithError(`${rel(file)}:${at.line + 1}:${at.character + 1} ${unresolved.problem.code} ${unresolved.problem.message}`);
  }
  return { analysis, graph: graph! };
}

const quote = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');

export function compositionGraphCommand(targetText: string, opts: { format?: string; store?: string }): number {
  const format = opts.format ?? "json";
  if (!["json", "dot", "mermaid"].includes(format)) throw new FlowsmithError(`unknown --format "${format}" (json, dot or mermaid)`);
  const { analysis, graph: g } = findComposition(targetText, opts.store);
  const statuses = compositionStatuses(analysis, g);
  const status = (id: string) => statuses.get(id)?.status ?? "pending";
  const label = (e: { output: string; input: string; mapType?: string }) => `${e.output || "*"} → ${e.input}${e.mapType ? ` (${e.mapType})` : ""}`;
  const lines: string[] = [];
  if (format === "json") {
    const out = {
      target: g.target,
      name: g.name,
      kind: "composition",
      groups: g.groups.map((x) => ({ name: x.name, flow: x.flow })),
      nodes: g.nodes.map((n) => ({
        id: n.id,
        task: n.task,
        ...(n.group ? { group: n.group } : {}),
        status: status(n.id),
        deps: n.deps,
        file: rel(n.file),
        line: n.range.start.line + 1,
        fingerprint: n.fingerprint,
      })),
      edges: g.edges.map((e) => ({ from: e.from, to: e.to, output: e.output, input: e.input, ...(e.mapType ? { mapType: e.mapType } : {}) })),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  const byGroup = new Map<string, typeof g.nodes>();
  for (const n of g.nodes) byGroup.set(n.group, [...(byGroup.get(n.group) ?? []), n]);
  if (format === "dot") {
    lines.push(`digraph "${quote(g.name)}" {`, "  rankdir=LR;", "  compound=true;", '  node [shape=box, style="rounded,filled"];');
    let i = 0;
    for (const [group, nodes] of byGroup) {
      const indent = group ? "    " : "  ";
      if (group) lines.push(`  subgraph cluster_${i++} {`, `    label="${quote(group)}";`, "    style=rounded;");
      for (const n of nodes) lines.push(`${indent}"${quote(n.id)}" [label="${quote(n.group ? n.id.slice(n.group.length + 1) : n.id)}\\n(${status(n.id)})", fillcolor=${DOT_COLOR[status(n.id)] ?? "white"}];`);
      if (group) lines.push("  }");
    }
    for (const e of g.edges) lines.push(`  "${quote(e.from)}" -> "${quote(e.to)}" [label="${quote(label(e))}"${e.mapType ? ", style=dashed" : ""}];`);
    lines.push("}");
  } else {
    const ids = new Map(g.nodes.map((n, k) => [n.id, `n${k}`]));
    lines.push("flowchart LR");
    let i = 0;
    for (const [group, nodes] of byGroup) {
      const indent = group ? "    " : "  ";
      if (group) lines.push(`  subgraph g${i++}["${group}"]`);
      for (const n of nodes) lines.push(`${indent}${ids.get(n.id)}["${n.group ? n.id.slice(n.group.length + 1) : n.id} (${status(n.id)})"]:::${status(n.id)}`);
      if (group) lines.push("  end");
    }
    for (const e of g.edges) lines.push(`  ${ids.get(e.from)} ${e.mapType ? "-." : "--"} "${label(e).replace(/"/g, "'")}" ${e.mapType ? ".->" : "-->"} ${ids.get(e.to)}`);
    lines.push(...MERMAID_CLASSES);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
