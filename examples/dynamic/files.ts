/**
 * Dynamic shapes: map over the CSV files of a data folder, choose a model with when(), and let the
 * folder's content decide what is stale (DESIGN "Dynamic shapes").
 *
 *   flowsmith run examples/dynamic/files.ts#files
 *   flowsmith run examples/dynamic/files.ts#files --param model=mean
 *   flowsmith preview examples/dynamic/files.ts#files
 *
 * Add a CSV file to examples/dynamic/data/raw/ and preview again: `list-files` and everything
 * after it are STALE; the next run parses only the new file (each element is cached on its own).
 */
import { asset, each, map, task, when, workflow } from "flowsmith";
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";

export interface Point {
  x: number;
  y: number;
}

/** The CSV files of a folder, sorted (the folder is an asset: its content is its hash). */
export const listFiles = task({ name: "list-files" }, async ({ dir }: { dir: string }) => ({
  files: fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".csv"))
    .sort()
    .map((f) => path.join(dir, f)),
}));

/** One CSV file of `x,y` rows (mapped: one node per file). */
export const parseCsv = task({ name: "parse-csv" }, async ({ file, skipHeader }: { file: string; skipHeader: boolean }, ctx) => {
  const lines = fs.readFileSync(file, "utf8").trim().split("\n").slice(skipHeader ? 1 : 0);
  ctx.log(`${path.basename(file)}: ${lines.length} rows`);
  return { points: lines.map((l) => l.split(",").map(Number)).map(([x, y]) => ({ x: x!, y: y! })), rows: lines.length };
});

export const combine = task(async ({ parts }: { parts: (Point[] | null)[] }) => ({ points: parts.flatMap((p) => p ?? []) }));

export const fitLine = task(async ({ points }: { points: Point[] }) => {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const slope = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return { model: `y = ${slope.toFixed(2)}x + ${(my - slope * mx).toFixed(2)}`, mse: mse(points, (x) => slope * x + my - slope * mx) };
});

export const fitMean = task(async ({ points }: { points: Point[] }) => {
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  return { model: `y = ${my.toFixed(2)}`, mse: mse(points, () => my) };
});

function mse(points: Point[], f: (x: number) => number): number {
  return points.reduce((s, p) => s + (p.y - f(p.x)) ** 2, 0) / points.length;
}

export const report = task(async ({ model, mse, rows }: { model: string; mse: number; rows: (number | null)[] }, ctx) => {
  const text = `${model} (mse ${mse.toFixed(3)}) over ${rows.reduce<number>((s, r) => s + (r ?? 0), 0)} rows in ${rows.length} files`;
  ctx.log(text);
  return { text };
});

export const files = workflow(
  { params: z.object({ model: z.enum(["line", "mean"]).default("line") }) },
  ({ model }) => {
    const listing = listFiles({ dir: asset("data/raw") });
    const parsed = map(parseCsv, { file: each(listing.files), skipHeader: true }, { concurrency: 4 });
    const all = combine({ parts: parsed.points });
    const fit = when(model)
      .is("line", () => {
        const f = fitLine({ points: all.points });
        return { model: f.model, mse: f.mse };
      })
      .otherwise(() => {
        const f = fitMean({ points: all.points });
        return { model: f.model, mse: f.mse };
      });
    const r = report({ model: fit.model, mse: fit.mse, rows: parsed.rows });
    return { report: r.text };
  },
);
