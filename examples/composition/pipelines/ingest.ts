/**
 * Ingest: read the meter readings (CSV) → clean them → score the data's quality, and write an
 * HTML report of it. Run it alone, or as the first flow of nightly.flows.yaml:
 *
 *   flowsmith run examples/composition/pipelines/ingest.ts#ingest
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { file, task, workflow } from "flowsmith";
import { z } from "zod";

export interface Reading {
  station: string;
  hour: number;
  temperature: number;
  humidity: number;
  loadKw: number;
}

type RawRow = Record<string, string>;

/** The CSV's rows as text, by column name. `source` is relative to examples/composition. */
export const readCsv = task({ name: "read-csv", description: "Read the raw readings" },
  async ({ source }: { source: string }, ctx) => {
    const file = path.resolve(__dirname, "..", source);
    const [header, ...lines] = fs.readFileSync(file, "utf8").trim().split(/\r?\n/);
    const columns = header!.split(",");
    const rows: RawRow[] = lines.map((line) => {
      const cells = line.split(",");
      return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? ""]));
    });
    ctx.log(`${rows.length} rows from ${source}`);
    return { rows, columns };
  });

/** Rows whose every number parses; the others are counted as dropped. */
export const clean = task({ version: "1" },
  async ({ rows }: { rows: RawRow[] }, ctx) => {
    const kept: Reading[] = [];
    for (const r of rows) {
      const reading = {
        station: r.station ?? "",
        hour: Number(r.hour),
        temperature: Number.parseFloat(r.temperature ?? ""),
        humidity: Number.parseFloat(r.humidity ?? ""),
        loadKw: Number.parseFloat(r.load_kw ?? ""),
      };
      if (reading.station && [reading.hour, reading.temperature, reading.humidity, reading.loadKw].every(Number.isFinite)) kept.push(reading);
    }
    ctx.log(`kept ${kept.length} of ${rows.length} rows`);
    return { rows: kept, dropped: rows.length - kept.length };
  });

/** How complete the data is, and how many epochs a model of it should train for. */
export const score = task(
  async ({ rows, dropped, minRows }: { rows: Reading[]; dropped: number; minRows: number }) => {
    const total = rows.length + dropped;
    const completeness = total === 0 ? 0 : rows.length / total;
    const stations = [...new Set(rows.map((r) => r.station))].sort();
    // Fewer clean rows → more passes over them (a simple, explainable rule).
    const epochs = rows.length >= minRows ? 3 : 6;
    return { metrics: { completeness: Number(completeness.toFixed(4)), rows: rows.length, dropped, stations, epochs } };
  });

/** An HTML page with the quality metrics, returned as a file (it is stored by content). */
export const saveReport = task({ name: "save-report" },
  async ({ metrics }: { metrics: { completeness: number; rows: number; dropped: number; stations: string[] } }) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ingest-report-"));
    const out = path.join(dir, "ingest-report.html");
    fs.writeFileSync(out, [
      "<!doctype html><meta charset=utf-8><title>Ingest report</title>",
      `<h1>Ingest report</h1><p>${metrics.rows} clean rows, ${metrics.dropped} dropped (completeness ${(metrics.completeness * 100).toFixed(1)} %).</p>`,
      `<p>Stations: ${metrics.stations.join(", ")}</p>`,
    ].join("\n"));
    return { report: file(out) };
  });

export const ingest = workflow(
  { params: z.object({ source: z.string().default("data/readings.csv"), minRows: z.number().int().positive().default(40) }) },
  ({ source, minRows }) => {
    const raw = readCsv({ source });
    const cleaned = clean({ rows: raw.rows });
    const quality = score({ rows: cleaned.rows, dropped: cleaned.dropped, minRows });
    const report = saveReport({ metrics: quality.metrics });
    return { rows: cleaned.rows, metrics: quality.metrics, report: report.report };
  });
