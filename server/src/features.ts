/** Code lenses, hovers and document symbols for flow files: thin views over the analysis. */
import { SymbolKind, type CodeLens, type DocumentSymbol, type Hover, type Position } from "vscode-languageserver/node";
import type { FlowAnalysis, Range, StaticStatus, WorkflowInfo } from "./analysis/index.js";
import { Commands, formatAge, timingDescription, type CommandArgs } from "@flowsmith/contract";
import { dynamicHoverLines } from "./editor/dynamicHover.js";

export const ICON: Record<string, string> = {
  complete: "$(pass-filled)",
  pending: "$(circle-outline)",
  stale: "$(warning)",
  running: "$(sync~spin)",
  failed: "$(error)",
  stopped: "$(debug-stop)",
  skipped: "$(circle-slash)",
};

function lensOf(range: Range, title: string, command: string, args?: CommandArgs): CodeLens {
  return { range, command: { title, command, arguments: args ? [args] : [] } };
}

export function workflowStatus(statuses: Map<string, StaticStatus>): { text: string; last?: StaticStatus } {
  const counts = new Map<string, number>();
  let last: StaticStatus | undefined;
  for (const s of statuses.values()) {
    counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
    if (s.state?.finishedAt && (!last?.state?.finishedAt || s.state.finishedAt > last.state.finishedAt)) last = s;
  }
  const order = ["running", "failed", "stale", "stopped", "pending", "complete"];
  const text = order.filter((k) => counts.has(k)).map((k) => `${counts.get(k)} ${k}`).join(", ");
  return { text, ...(last ? { last } : {}) };
}

/** `root`: named in every command for a flow outside the first workspace folder. */
export function codeLenses(analysis: FlowAnalysis, file: string, root?: string): CodeLens[] {
  const lens = (range: Range, title: string, command: string, args?: CommandArgs): CodeLens => lensOf(range, title, command, args && root ? { ...args, root } : args);
  const result = analysis.analyzeFile(file);
  const lenses: CodeLens[] = [];
  const taskUse = new Map<string, { wf: WorkflowInfo; node: string; status?: StaticStatus }>();
  for (const wf of result.workflows) {
    if (!wf.exported) continue; // only exported workflows can be run (FILE#name addresses the export)
    const target = analysis.targetOf(wf);
    const statuses = analysis.statuses(wf);
    lenses.push(lens(wf.nameRange, "$(play) Run", Commands.runWorkflow, { target }));
    lenses.push(lens(wf.nameRange, "Reset", Commands.resetWorkflow, { target }));
    lenses.push(lens(wf.nameRange, "Graph", Commands.showGraph, { target }));
    if (wf.nodes.length) {
      const { text, last } = workflowStatus(statuses);
      const when = last?.state ? ` · last run ${formatAge(last.state.finishedAt)}` : "";
      lenses.push(lens(wf.nameRange, `${text}${when}`, Commands.showGraph, { target }));
    }
    for (const node of wf.nodes) {
      if (!taskUse.has(node.task) && node.scope.length === 0) taskUse.set(node.task, { wf, node: node.id, status: statuses.get(node.id) });
    }
  }
  // Tasks defined here but used by workflows in other files (a tasks.ts + flow.ts layout).
  for (const other of analysis.importersOf(file)) {
    for (const wf of analysis.analyzeFile(other).workflows) {
      if (!wf.exported) continue;
      for (const node of wf.nodes) {
        if (node.taskFile === file && node.scope.length === 0 && !taskUse.has(node.task)) {
          taskUse.set(node.task, { wf, node: node.id, status: analysis.statuses(wf).get(node.id) });
        }
      }
    }
  }
  for (const task of result.tasks) {
    const use = taskUse.get(task.name);
    if (!use) continue;
    const target = analysis.targetOf(use.wf);
    lenses.push(lens(task.nameRange, `$(play) Run ${use.node}`, Commands.runNode, { target, node: use.node }));
    lenses.push(lens(task.nameRange, "Reset", Commands.resetNode, { target, node: use.node }));
    const s = use.status;
    if (s) {
      const detail = s.state ? timingDescription(s.state.durationMs, s.state.finishedAt) : "";
      lenses.push(lens(task.nameRange, `${ICON[s.status] ?? ""} ${s.status}${detail ? ` · ${detail}` : ""}`, Commands.showGraph, { target, node: use.node }));
    }
  }
  return lenses;
}

function contains(range: Range, pos: Position): boolean {
  const after = pos.line > range.start.line || (pos.line === range.start.line && pos.character >= range.start.character);
  const before = pos.line < range.end.line || (pos.line === range.end.line && pos.character <= range.end.character);
  return after && before;
}

function size(r: Range): number {
  return (r.end.line - r.start.line) * 10_000 + (r.end.character - r.start.character);
}

export function hover(analysis: FlowAnalysis, file: string, pos: Position): Hover | null {
  const result = analysis.analyzeFile(file);
  // The innermost node call under the cursor.
  let best: { wf: WorkflowInfo; id: string; range: Range; task: string } | undefined;
  for (const wf of result.workflows) {
    for (const n of wf.nodes) {
      if (n.file === file && n.scope.length === 0 && contains(n.range, pos) && (!best || size(n.range) < size(best.range))) best = { wf, id: n.id, range: n.range, task: n.task };
    }
  }
  if (!best) return null;
  const taskFile = best.wf.nodes.find((n) => n.id === best!.id)!.taskFile;
  const task = analysis.analyzeFile(taskFile).tasks.find((t) => t.name === best!.task);
  const signature = analysis.signatureOf(taskFile, best.task);
  const status = analysis.statuses(best.wf).get(best.id);
  const state = status?.state;
  const lines = [
    `**node \`${best.id}\`** · task \`${best.task}\` — **${status?.status ?? "pending"}**`,
    "",
    "```ts",
    `${best.task}${signature}`,
    "```",
  ];
  if (task?.description) lines.push("", task.description);
  lines.push(...dynamicHoverLines(best.wf, best.wf.nodes.find((n) => n.id === best!.id)!, analysis.statuses(best.wf), analysis.storeRoot));
  if (state) {
    lines.push("", `last run \`${state.runId}\`: ${state.status}${state.durationMs !== undefined || state.finishedAt ? ` (${timingDescription(state.durationMs, state.finishedAt)})` : ""}`);
    if (state.cacheKey) lines.push("", `cache key \`${state.cacheKey.slice(0, 16)}\``);
    if (state.error) lines.push("", `last error: ${state.error.split("\n")[0]}`);
  }
  return { contents: { kind: "markdown", value: lines.join("\n") }, range: best.range };
}

export function documentSymbols(analysis: FlowAnalysis, file: string): DocumentSymbol[] {
  const result = analysis.analyzeFile(file);
  const symbols: DocumentSymbol[] = [];
  for (const wf of result.workflows) {
    symbols.push({
      name: wf.name,
      detail: `workflow · ${wf.nodes.length} node${wf.nodes.length === 1 ? "" : "s"}`,
      kind: SymbolKind.Module,
      range: wf.declRange,
      selectionRange: wf.nameRange,
      children: wf.nodes
        .filter((n) => n.file === file && n.scope.length === 0)
        .map((n) => ({ name: n.id, detail: `node · task ${n.task}`, kind: SymbolKind.Event, range: n.range, selectionRange: n.range })),
    });
  }
  for (const t of result.tasks) {
    symbols.push({ name: t.name, detail: "task", kind: SymbolKind.Function, range: t.declRange, selectionRange: t.nameRange });
  }
  return symbols.sort((a, b) => a.range.start.line - b.range.start.line);
}
