/**
 * Lines written to the "Flowsmith Runs" output channel. The run-log grammar in
 * syntaxes/flowsmith-runlog.tmLanguage.json colours exactly these shapes:
 *   12:00:01 RUN 20261122-000356-0e10dc pipeline/flow.ts#pipeline STARTED params count=100
 *   12:00:01 [get-data] STARTED attempt 1
 *   12:00:01 [get-data] generating 100 rows
 *   12:00:01 [train] 33%
 *   12:00:01 [get-data] COMPLETE 6 ms
 *   12:00:02 [train] FAILED 3 ms error: boom
 *   12:00:02 RUN 20261122-000356-0e10dc COMPLETE 22 ms · scheduled 3, complete 0, ran 3, failed 0, stopped 0, skipped 0, pending 0
 */
import { formatDuration, percent, type RunEvent, type RunSummary, variantLabel, variantNames } from "@flowsmith/contract";

export function clock(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

/** `[train]`, or `[train[doPreprocess=false]]` for a variant of a matrix run (engine/variants.ts). */
function nodeTag(node: string, variant: number | undefined, names: readonly string[]): string {
  return `[${variantLabel(node, variant, names)}]`;
}

export function summaryText(s: RunSummary): string {
  return `scheduled ${s.scheduled}, complete ${s.completeEncountered}, ran ${s.ranSuccessfully}, failed ${s.failed}, `
    + `stopped ${s.stopped}, skipped ${s.skipped}, pending ${s.leftPending}`;
}

function paramsText(paramSets: Record<string, unknown>[]): string {
  if (paramSets.length === 0) return "";
  if (paramSets.length > 1) return ` matrix of ${paramSets.length} param sets ${variantNames(paramSets).map((n) => `[${n}]`).join(" ")}`;
  const entries = Object.entries(paramSets[0] ?? {});
  return entries.length ? ` params ${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}` : "";
}

/**
 * The log lines for one event (several for multi-line errors), without the trailing newline.
 * `names`: the run's variant names (from its run-started event), for matrix runs.
 */
export function formatRunEvent(event: RunEvent, at = new Date(), names: readonly string[] = []): string[] {
  const t = clock(at);
  switch (event.type) {
    case "run-started":
      return [`${t} RUN ${event.runId} ${event.node ? `${event.target}:${event.node}` : event.target} STARTED`
        + ` ${event.nodes.length} node${event.nodes.length === 1 ? "" : "s"}${paramsText(event.paramSets)}`];
    case "node-started":
      return [`${t} ${nodeTag(event.node, event.variant, names)} STARTED${event.attempt > 1 ? ` attempt ${event.attempt}` : ""}`];
    case "node-log":
      return [`${t} ${nodeTag(event.node, event.variant, names)} ${event.line}`];
    case "node-progress":
      return [`${t} ${nodeTag(event.node, event.variant, names)} ${percent(event.fraction)}`];
    case "node-finished": {
      const parts = [`${t} ${nodeTag(event.node, event.variant, names)} ${event.status.toUpperCase()}`];
      if (event.cached) parts.push("(cached)");
      const d = formatDuration(event.durationMs);
      if (d) parts.push(d);
      if (event.attempts > 1) parts.push(`after ${event.attempts} attempts`);
      const [first, ...rest] = (event.error ?? "").split(/\r?\n/);
      if (first) parts.push(`error: ${first}`);
      return [parts.join(" "), ...rest.filter((l) => l.trim()).map((l) => `    ${l}`)];
    }
    case "run-finished":
      return [`${t} RUN ${event.runId} ${event.status.toUpperCase()} ${formatDuration(event.durationMs) ?? ""} · ${summaryText(event.summary)}`];
  }
}

/** Lines the CLI wrote on stderr (bad input, warnings): prefixed so the grammar colours them. */
export function formatStderr(line: string, at = new Date()): string {
  return `${clock(at)} ${/^flowsmith: warning/.test(line) ? "warning:" : "error:"} ${line.replace(/^flowsmith: (warning: |error: )?/, "")}`;
}
