/**
 * The d6tflow-style pipeline: get-data → preprocess → train.
 *
 *   flowsmith run examples/pipeline/flow.ts#pipeline
 *   flowsmith run examples/pipeline/flow.ts#pipeline --param doPreprocess=false
 *   flowsmith preview examples/pipeline/flow.ts#pipeline
 */
import { task, workflow } from "flowsmith";
import { z } from "zod";

export interface Row {
  x: number;
  y: number;
}

/** A small deterministic data set: y = 2x + 1 with a little noise. */
function makeRows(count: number): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    const noise = ((i * 7919) % 13) / 13 - 0.5;
    rows.push({ x: i, y: 2 * i + 1 + noise });
  }
  return rows;
}

export const getData = task({ name: "get-data", description: "Load the raw training rows" },
  async ({ count }: { count: number }, ctx) => {
    ctx.log(`generating ${count} rows`);
    return { rows: makeRows(count) };
  });

export const preprocess = task(
  async ({ rows, doPreprocess }: { rows: Row[]; doPreprocess: boolean }, ctx) => {
    if (!doPreprocess) return { rows };
    const meanX = rows.reduce((s, r) => s + r.x, 0) / rows.length;
    ctx.log(`centering x around ${meanX.toFixed(2)}`);
    return { rows: rows.map((r) => ({ x: r.x - meanX, y: r.y })) };
  });

export const train = task({ version: "1" },
  async ({ rows, epochs }: { rows: Row[]; epochs: number }, ctx) => {
    // Ordinary least squares; `epochs` only repeats the fit to show progress reporting.
    let slope = 0;
    let intercept = 0;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const n = rows.length;
      const mx = rows.reduce((s, r) => s + r.x, 0) / n;
      const my = rows.reduce((s, r) => s + r.y, 0) / n;
      const sxy = rows.reduce((s, r) => s + (r.x - mx) * (r.y - my), 0);
      const sxx = rows.reduce((s, r) => s + (r.x - mx) ** 2, 0);
      slope = sxy / sxx;
      intercept = my - slope * mx;
      ctx.progress(epoch / epochs);
    }
    const mse = rows.reduce((s, r) => s + (r.y - (slope * r.x + intercept)) ** 2, 0) / rows.length;
    ctx.log(`slope=${slope.toFixed(3)} intercept=${intercept.toFixed(3)} mse=${mse.toFixed(4)}`);
    return { model: { slope, intercept }, mse };
  });

export const pipeline = workflow(
  {
    params: z.object({
      count: z.number().int().positive().default(100),
      doPreprocess: z.boolean().default(true),
      epochs: z.number().int().positive().default(3),
    }),
    description: "get-data → preprocess → train",
  },
  ({ count, doPreprocess, epochs }) => {
    const data = getData({ count });
    const clean = preprocess({ rows: data.rows, doPreprocess });
    const model = train({ rows: clean.rows, epochs });
    return { model: model.model, mse: model.mse };
  });
