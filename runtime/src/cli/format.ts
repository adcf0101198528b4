/** Text output for people: luigi-style preview trees, execution summaries, run tables. */
import type { Graph } from "../graph/model.js";
import { sinks } from "../graph/model.js";
import type { NodeView } from "../engine/status.js";
import { firstLine, formatDuration, formatParamValue, type NodeRecord, type RunRecord, type RunSummary, variantLabel, variantNames } from "@flowsmith/contract";

const useColor = () => process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (useColor() ? `\x1b[${code}m${text}\x1b[0m` : text);

export const STATUS_COLOR: Record<string, number> = {
  complete: 32,
  pending: 33,
  stale: 35,
  running: 36,
  failed: 31,
  stopped: 90,
  skipped: 90,
};

export function statusLabel(status: string): string {
  return paint(STATUS_COLOR[status] ?? 0, status.toUpperCase());
}

/** d6tflow's preview: each final node with its upstream beneath it, statuses in brackets. */
export function previewTree(graph: Graph, views: Map<string, NodeView>, paramsLine?: string): string {
  const lines: string[] = [];
  if (paramsLine) lines.push(paramsLine);
  const walk = (id: string, prefix: string, last: boolean, depth: number, seen: Set<string>) => {
    const view = views.get(id)!;
    const node = graph.nodes.get(id)!;
    const label = node.task !== id ? `${id} (${node.task})` : id;
    const count = view.map ? ` ${view.map.done}/${view.map.total}` : "";
    const why = view.reason ? `: ${view.reason}` : view.chosen !== undefined ? ` → ${view.chosen}` : "";
    lines.push(`${prefix}${depth === 0 ? "└─" : last ? "└─" : "├─"}--[${label} (${statusLabel(view.status)}${count})${why}]`);
    if (seen.has(id)) return;
    const next = new Set(seen).add(id);
    const deps = node.deps;
    const inner = prefix + (depth === 0 || last ? "   " : "│  ");
    // A map node opens into its elements (the first 20; the rest counted).
    const elements = view.elements ?? [];
    const shown = elements.slice(0, 20);
    const more = elements.length - shown.length;
    const rows = shown.length + (more > 0 ? 1 : 0);
    shown.forEach((el, i) => lines.push(`${inner}${i === rows - 1 && deps.length === 0 ? "└─" : "├─"}··[${el.id} (${statusLabel(el.status)})]`));
    if (more > 0) lines.push(`${inner}${deps.length === 0 ? "└─" : "├─"}··[… and ${more} more elements]`);
    deps.forEach((d, i) => walk(d, inner, i === deps.length - 1, depth + 1, next));
  };
  for (const id of sinks(graph)) walk(id, "", true, 0, new Set());
  return lines.join("\n");
}

function names(records: NodeRecord[], label: (r: NodeRecord) => string): string {
  const shown = records.slice(0, 20).map(label);
  return `    - ${shown.join(", ")}${records.length > 20 ? `, … and ${records.length - 20} more` : ""}`;
}

/** A node of a run as the log and the summary name it: `train`, or `train[doPreprocess=false]` in a matrix run. */
export function nodeLabeller(paramSets: readonly Record<string, unknown>[]): (r: { id: string; variant?: number }) => string {
  const variants = variantNames(paramSets);
  return (r) => variantLabel(r.id, r.variant, variants);
}

/** A matrix run's param sets, said once before its nodes' lines: each variant's name, then what they share. */
export function matrixLine(paramSets: readonly Record<string, unknown>[], names: readonly string[]): string {
  const shared = Object.entries(paramSets[0] ?? {}).filter(([k, v]) => paramSets.every((p) => Object.hasOwn(p, k) && formatParamValue(p[k]) === formatParamValue(v)));
  return `matrix: ${paramSets.length} param sets, ${names.map((n) => `[${n}]`).join(" ")}${shared.length ? ` (all with ${shared.map(([k, v]) => `${k}=${formatParamValue(v)}`).join(" ")})` : ""}`;
}

/** Luigi's execution summary, in flow words. */
export function executionSummary(run: RunRecord): string {
  const s: RunSummary = run.summary!;
  const label = nodeLabeller(run.paramSets);
  const by = (pred: (r: NodeRecord) => boolean) => run.nodes.filter(pred);
  const out = ["", "===== Flowsmith Execution Summary =====", ""];
  out.push(`Scheduled ${s.scheduled} node${s.scheduled === 1 ? "" : "s"} of which:`);
  const section = (count: number, text: string, recs: NodeRecord[]) => {
    if (count === 0) return;
    out.push(`* ${count} ${text}`);
    out.push(names(recs, label));
  };
  section(s.completeEncountered, "complete ones were encountered:", by((r) => r.status === "complete" && r.cached === true));
  section(s.ranSuccessfully, "ran successfully:", by((r) => r.status === "complete" && !r.cached));
  const failed = by((r) => r.status === "failed");
  if (failed.length) {
    out.push(`* ${failed.length} failed:`);
    for (const r of failed.slice(0, 20)) out.push(`    - ${label(r)}: ${firstLine(r.error, 300) ?? ""}`);
  }
  section(s.stopped, "were stopped:", by((r) => r.status === "stopped"));
  if (s.leftPending > 0) {
    out.push(`* ${s.leftPending} were left pending, among these:`);
    const skipped = by((r) => r.status === "skipped" && r.error !== "branch not taken");
    if (skipped.length) {
      out.push(`    * ${skipped.length} had failed dependencies:`);
      out.push(`    ${names(skipped, label)}`);
    }
    const pending = by((r) => r.status === "pending");
    if (pending.length) {
      out.push(`    * ${pending.length} were not started${run.status === "stopped" ? " (the run was stopped)" : ""}:`);
      out.push(`    ${names(pending, label)}`);
    }
  }
  const notTaken = by((r) => r.status === "skipped" && r.error === "branch not taken");
  if (notTaken.length) {
    out.push(`* ${notTaken.length} ${notTaken.length === 1 ? "was" : "were"} in a when() branch not taken:`);
    out.push(names(notTaken, label));
  }
  out.push("");
  const face =
    run.status === "complete"
      ? "This progress looks :) because there were no failed nodes or missing dependencies"
      : run.status === "stopped"
        ? "This progress looks :| because the run was stopped"
        : "This progress looks :( because there were failed nodes";
  out.push(face);
  out.push("");
  out.push("===== Flowsmith Execution Summary =====");
  return out.join("\n");
}


export function runsTable(runs: RunRecord[]): string {
  const rows = [["RUN", "TARGET", "STATUS", "STARTED", "DURATION"]];
  for (const r of runs) {
    rows.push([
      r.id,
      r.node ? `${r.target}:${r.node}` : r.target,
      r.interrupted ? `${r.status} (interrupted)` : r.status,
      r.startedAt.replace("T", " ").replace(/\.\d+Z$/, "Z"),
      formatDuration(r.durationMs ?? (r.status === "running" ? Date.now() - Date.parse(r.startedAt) : undefined)) ?? "-",
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd()).join("\n");
}

export { paint };
