/** `flowsmith results --flow F --node N`: what db mappings recorded, as a table or as JSON. */
import { FlowsmithError, hint } from "../util/errors.js";
import { DEFAULT_LIST_LIMIT, type ResultRecord, type ResultsDb } from "./index.js";

export interface ListingOptions {
  composition?: string;
  flow: string;
  node?: string;
  limit?: string;
  format?: string;
}

export function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIST_LIMIT;
  const limit = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(limit) || limit < 1) throw new FlowsmithError(`--limit must be a whole number ≥ 1, got "${text}"`);
  return limit;
}

export function parseFormat(text: string | undefined): "table" | "json" {
  const format = text ?? "table";
  if (format === "table" || format === "text") return "table";
  if (format === "json") return "json";
  throw new FlowsmithError(`--format must be table or json, got "${format}"`);
}

/** One line of an output, cut at `width` characters. */
export function preview(output: unknown, width = 60): string {
  const text = JSON.stringify(output) ?? String(output);
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

export function resultsTable(records: ResultRecord[]): string {
  const rows = [["RECORDED", "RUN", "COMPOSITION", "FLOW/NODE", "OUTPUT"]];
  for (const r of records) {
    rows.push([r.recordedAt.replace("T", " ").replace(/\.\d+Z$/, "Z"), r.runId, r.composition, `${r.flow}/${r.node}`, preview(r.output)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd()).join("\n");
}

/** Nothing recorded: say where we looked and, when the flow or node is misspelt, what is there. */
async function nothingLine(db: ResultsDb, o: ListingOptions): Promise<string> {
  const what = [o.composition && `composition ${o.composition}`, `flow ${o.flow}`, o.node !== undefined && `node ${o.node}`].filter(Boolean).join(", ");
  const recorded = await db.list({ composition: o.composition, limit: 1000 });
  let guess = "";
  if (!recorded.some((r) => r.flow === o.flow)) guess = hint(o.flow, new Set(recorded.map((r) => r.flow)));
  else if (o.node !== undefined) guess = hint(o.node, new Set(recorded.filter((r) => r.flow === o.flow).map((r) => r.node)));
  return `no results recorded for ${what} in ${db.location}${guess}`;
}

/** Prints the records (newest first) to stdout. */
export async function printResults(db: ResultsDb, o: ListingOptions, out: (text: string) => void): Promise<void> {
  const format = parseFormat(o.format);
  const limit = parseLimit(o.limit);
  const records = await db.list({ composition: o.composition, flow: o.flow, node: o.node, limit });
  if (format === "json") out(`${JSON.stringify(records, null, 2)}\n`);
  else out(records.length ? `${resultsTable(records)}\n` : `${await nothingLine(db, o)}\n`);
}
