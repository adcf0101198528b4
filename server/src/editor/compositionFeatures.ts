/**
 * The editor on a composition (`*.flows.yaml`): code lenses on each composition's `name:` (Run,
 * Reset, Graph and the last status, as on workflows), hovers (a flow's params and description, a
 * node's task signature and status, an output's type, a param's schema), go to definition (a flow
 * to its workflow, a node to its call, a parent flow to its entry), document symbols, and the
 * did-you-mean quick fix of FS011.
 */
import { CodeActionKind, SymbolKind, type CodeAction, type CodeActionParams, type CodeLens, type DocumentSymbol, type Hover, type Location, type Position } from "vscode-languageserver/node";
import { Commands, formatAge, timingDescription, type CommandArgs } from "@flowsmith/contract";
import type { FlowAnalysis, ParamInfo, WorkflowInfo } from "../analysis/index.js";
import { compositionDiagnostics, resolveFlow, outputType, type CompositionGraph } from "../compositions/index.js";
import { pointedAt } from "../compositions/at.js";
import { pathToUri } from "../convert.js";
import { ICON as STATUS_ICON, workflowStatus } from "../features.js";
import type { Compositions } from "./compositionService.js";

export function compositionLenses(c: Compositions, file: string, root?: string): CodeLens[] {
  const found = c.graphsOf(file);
  if (!found) return [];
  const lenses: CodeLens[] = [];
  for (const g of found.graphs) {
    const args: CommandArgs = root ? { target: g.target, root } : { target: g.target };
    const lens = (title: string, command: string): CodeLens => ({ range: g.nameRange, command: { title, command, arguments: [args] } });
    lenses.push(lens("$(play) Run", Commands.runWorkflow), lens("Reset", Commands.resetWorkflow), lens("Graph", Commands.showGraph));
    if (g.nodes.length) {
      const { text, last } = workflowStatus(c.statuses(found.analysis, g));
      const when = last?.state ? ` · last run ${formatAge(last.state.finishedAt)}` : "";
      lenses.push(lens(`${text}${when}`, Commands.showGraph));
    }
  }
  return lenses;
}

function paramLine(p: ParamInfo): string {
  const def = p.default !== undefined ? ` = ${JSON.stringify(p.default)}` : "";
  return `- \`${p.name}\`: ${p.type}${p.required && p.default === undefined ? " (required)" : def}${p.description ? ` — ${p.description}` : ""}`;
}

function workflowHover(a: FlowAnalysis, wf: WorkflowInfo, heading: string): string {
  const lines = [heading, ""];
  if (wf.description) lines.push(wf.description, "");
  lines.push(wf.params.length ? "params:" : "no params", ...wf.params.map(paramLine), "", `${wf.nodes.length} node${wf.nodes.length === 1 ? "" : "s"}: ${wf.nodes.map((n) => `\`${n.id}\``).join(", ")}`);
  void a;
  return lines.join("\n");
}

export function compositionHover(c: Compositions, file: string, pos: Position): Hover | null {
  const found = c.graphsOf(file);
  const doc = c.docOf(file);
  if (!found || !doc) return null;
  const a = found.analysis;
  const at = pointedAt(doc, doc.lines.offset(pos));
  if (!at) return null;
  const { pointed } = at;
  const range = doc.lines.range(pointed.span);
  const md = (value: string): Hover => ({ contents: { kind: "markdown", value }, range });
  const byName = (name: string) => at.composition.flows.find((f) => f.name?.value === name);
  const graph = found.graphs.find((g) => g.composition === at.composition);
  if (pointed.kind === "compositionName") {
    if (!graph) return null;
    return md(`**composition \`${graph.name}\`** · \`${graph.target}\`\n\n${graph.description ? `${graph.description}\n\n` : ""}${graph.groups.map((g) => `- \`${g.name}\`: \`${g.flow}\``).join("\n")}`);
  }
  const flow = pointed.kind === "parentFlow" || pointed.kind === "parentTask" || pointed.kind === "output" ? byName(pointed.mapping.parentFlow?.value ?? "") : pointed.flow;
  const wf = flow && resolveFlow(a, file, flow).workflow;
  if (!flow || !wf) return null;
  const groupName = flow.name?.value ?? wf.name;
  if (pointed.kind === "flowName" || pointed.kind === "flowRef" || pointed.kind === "parentFlow") {
    return md(workflowHover(a, wf, `**${groupName}** · workflow \`${wf.name}\` (\`${a.targetOf(wf)}\`)`));
  }
  if (pointed.kind === "param") {
    const p = wf.params.find((x) => x.name === pointed.name);
    return p ? md(`**param \`${p.name}\`** of workflow \`${wf.name}\`\n\n${paramLine(p)}`) : null;
  }
  const node = wf.nodes.find((n) => n.id === pointed.mapping.parentTask?.value);
  if (!node) return null;
  if (pointed.kind === "output") {
    const looked = outputType(a, node, pointed.mapping.output!.value, pointed.mapping.attributeIndex?.value ?? []);
    const type = looked.kind === "value" ? looked.value.text : "unknown";
    return md(`**output \`${pointed.mapping.output!.value}\`** of node \`${groupName}/${node.id}\`${pointed.mapping.attributeIndex ? ` at \`${pointed.mapping.attributeIndex.value.join(".")}\`` : ""}: \`${type}\``);
  }
  const status = graph ? c.statuses(a, graph).get(`${groupName}/${node.id}`) : undefined;
  const state = status?.state;
  const lines = [`**node \`${groupName}/${node.id}\`** · task \`${node.task}\` — ${STATUS_ICON[status?.status ?? "pending"] ?? ""} **${status?.status ?? "pending"}**`, "", "```ts", `${node.task}${a.signatureOf(node.taskFile, node.task)}`, "```"];
  if (state) lines.push("", `last run \`${state.runId}\`: ${state.status}${state.durationMs !== undefined || state.finishedAt ? ` (${timingDescription(state.durationMs, state.finishedAt)})` : ""}`);
  return md(lines.join("\n"));
}

export function compositionDefinition(c: Compositions, file: string, pos: Position): Location[] {
  const a = c.graphsOf(file)?.analysis;
  const doc = c.docOf(file);
  if (!a || !doc) return [];
  const at = pointedAt(doc, doc.lines.offset(pos));
  if (!at) return [];
  const { pointed } = at;
  if (pointed.kind === "compositionName") return [];
  if (pointed.kind === "flowRef" || pointed.kind === "flowName" || pointed.kind === "param") {
    const wf = resolveFlow(a, file, pointed.flow).workflow;
    return wf ? [{ uri: pathToUri(wf.file), range: wf.nameRange }] : [];
  }
  const parent = at.composition.flows.find((f) => f.name?.value === pointed.mapping.parentFlow?.value);
  if (!parent) return [];
  if (pointed.kind === "parentFlow") return parent.name ? [{ uri: pathToUri(file), range: doc.lines.range(parent.name.span) }] : [];
  const wf = resolveFlow(a, file, parent).workflow;
  const node = wf?.nodes.find((n) => n.id === pointed.mapping.parentTask?.value);
  if (!node) return [];
  return pointed.kind === "parentTask" ? [{ uri: pathToUri(node.file), range: node.range }] : [{ uri: pathToUri(node.taskFile), range: node.taskRange }];
}

export function compositionSymbols(c: Compositions, file: string): DocumentSymbol[] {
  const doc = c.docOf(file);
  if (!doc) return [];
  return doc.parsed.compositions.flatMap((comp) => {
    if (!comp.name) return [];
    const children = comp.flows.flatMap((f): DocumentSymbol[] => {
      if (!f.name) return [];
      const mapped = f.mapped.map((m): DocumentSymbol => ({
        name: m.param,
        detail: `← ${m.parentFlow?.value ?? "?"}/${m.parentTask?.value ?? "?"}.${m.output?.value ?? "?"} (${m.mapType})`,
        kind: SymbolKind.Property,
        range: doc.lines.range({ start: m.keySpan.start, end: Math.max(m.span.end, m.keySpan.end) }),
        selectionRange: doc.lines.range(m.keySpan),
      }));
      return [{ name: f.name.value, detail: f.flow?.value ?? "", kind: SymbolKind.Module, range: doc.lines.range(f.span), selectionRange: doc.lines.range(f.name.span), children: mapped }];
    });
    return [{ name: comp.name.value, detail: `composition · ${comp.flows.length} flow${comp.flows.length === 1 ? "" : "s"}`, kind: SymbolKind.Namespace, range: doc.lines.range(comp.span), selectionRange: doc.lines.range(comp.name.span), children }];
  });
}

/** Did-you-mean for FS011: the diagnostics at the request's range that have a replacement. */
export function compositionCodeActions(c: Compositions, file: string, params: CodeActionParams): CodeAction[] {
  const a = c.graphsOf(file)?.analysis;
  const doc = c.docOf(file);
  if (!a || !doc) return [];
  const same = (x: { line: number; character: number }, y: { line: number; character: number }) => x.line === y.line && x.character === y.character;
  const asked = params.context.diagnostics.filter((d) => d.code === "FS011");
  const out: CodeAction[] = [];
  for (const d of compositionDiagnostics(a, doc)) {
    if (d.code !== "FS011" || d.replacement === undefined) continue;
    const matches = asked.find((x) => same(x.range.start, d.range.start) && same(x.range.end, d.range.end));
    const overlaps = d.range.start.line <= params.range.end.line && d.range.end.line >= params.range.start.line;
    if (!matches && !overlaps) continue;
    out.push({
      title: `Change to "${d.replacement}"`,
      kind: CodeActionKind.QuickFix,
      isPreferred: true,
      diagnostics: matches ? [matches] : [],
      edit: { changes: { [params.textDocument.uri]: [{ range: d.range, newText: d.replacement }] } },
    });
  }
  return out;
}

export type { CompositionGraph };
