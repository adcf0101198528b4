/**
 * Train: fit load_kw from temperature and humidity (least squares by gradient descent, `epochs`
 * passes), then write a summary that cites the ingest report. In nightly.flows.yaml its `rows`,
 * `report` and `epochs` come from the ingest flow (raw, file and db mappings).
 *
 *   flowsmith run examples/composition/nightly.flows.yaml#nightly
 */
import * as fs from "node:fs";
import { task, workflow } from "flowsmith";
import { z } from "zod";

/** A clean reading, as ingest's clean task makes it (the composition maps them in as `rows`). */
export interface Reading {
  station: string;
  hour: number;
  temperature: number;
  humidity: number;
  loadKw: number;
}

export interface Model {
  bias: number;
  temperature: number;
  humidity: number;
}

export const fit = task({ version: "1" },
  async ({ rows, epochs, learningRate }: { rows: Reading[]; epochs: number; learningRate: number }, ctx) => {
    if (rows.length === 0) throw new Error("no rows to train on");
    // Standardise the features so one learning rate suits both.
    const stat = (xs: number[]) => {
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length) || 1;
      return { mean, sd };
    };
    const t = stat(rows.map((r) => r.temperature));
    const h = stat(rows.map((r) => r.humidity));
    let w = { bias: 0, temperature: 0, humidity: 0 };
    for (let epoch = 1; epoch <= epochs; epoch++) {
      for (let step = 0; step < 200; step++) {
        const g = { bias: 0, temperature: 0, humidity: 0 };
        for (const r of rows) {
          const xt = (r.temperature - t.mean) / t.sd;
          const xh = (r.humidity - h.mean) / h.sd;
          const err = w.bias + w.temperature * xt + w.humidity * xh - r.loadKw;
          g.bias += err;
          g.temperature += err * xt;
          g.humidity += err * xh;
        }
        w = {
          bias: w.bias - (learningRate * g.bias) / rows.length,
          temperature: w.temperature - (learningRate * g.temperature) / rows.length,
          humidity: w.humidity - (learningRate * g.humidity) / rows.length,
        };
      }
      ctx.progress(epoch / epochs);
    }
    const predict = (r: Reading) => w.bias + (w.temperature * (r.temperature - t.mean)) / t.sd + (w.humidity * (r.humidity - h.mean)) / h.sd;
    const rmse = Math.sqrt(rows.reduce((s, r) => s + (predict(r) - r.loadKw) ** 2, 0) / rows.length);
    ctx.log(`${epochs} epochs, rmse ${rmse.toFixed(3)} kW`);
    // Back to the original units.
    const model: Model = {
      bias: w.bias - (w.temperature * t.mean) / t.sd - (w.humidity * h.mean) / h.sd,
      temperature: w.temperature / t.sd,
      humidity: w.humidity / h.sd,
    };
    return { model, rmse: Number(rmse.toFixed(4)) };
  });

/** A one-paragraph summary; `report` is the path of the ingest report (a file mapping). */
export const summarize = task(
  async ({ model, rmse, report }: { model: Model; rmse: number; report: string }) => {
    const html = fs.readFileSync(report, "utf8");
    const rows = /(\d+) clean rows/.exec(html)?.[1] ?? "?";
    const summary = `load_kw ≈ ${model.bias.toFixed(2)} + ${model.temperature.toFixed(3)}·temperature + ${model.humidity.toFixed(3)}·humidity ` +
      `(rmse ${rmse} kW, trained on ${rows} rows; ingest report: ${report})`;
    return { summary };
  });

export const train = workflow(
  {
    params: z.object({
      rows: z.array(z.object({ station: z.string(), hour: z.number(), temperature: z.number(), humidity: z.number(), loadKw: z.number() })),
      report: z.string(),
      epochs: z.number().int().positive().default(3),
      learningRate: z.number().positive().default(0.1),
    }),
  },
  ({ rows, report, epochs, learningRate }) => {
    const fitted = fit({ rows, epochs, learningRate });
    const summary = summarize({ model: fitted.model, rmse: fitted.rmse, report });
    return { model: fitted.model, rmse: fitted.rmse, summary: summary.summary };
  });
