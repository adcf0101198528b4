/**
 * A workflow that calls another workflow (a sub-flow). The sub-flow's nodes appear under its own
 * id (`stats/…`), and its outputs map into the next call's inputs.
 *
 *   flowsmith run examples/subflow/flow.ts#report
 */
import { task, workflow } from "flowsmith";
import { z } from "zod";

export const fetchNumbers = task({ name: "fetch-numbers" },
  async ({ count, seed }: { count: number; seed: number }) => {
    const values: number[] = [];
    let state = seed;
    for (let i = 0; i < count; i++) {
      state = (state * 1103515245 + 12345) % 2147483648;
      values.push(state % 1000);
    }
    return { values };
  });

export const summarize = task(async ({ values }: { values: number[] }) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return { mean, median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted.at(-1) ?? 0 };
});

export const render = task(async ({ title, mean, median }: { title: string; mean: number; median: number }) => ({
  text: `${title}: mean ${mean.toFixed(1)}, median ${median}`,
}));

/** A reusable sub-flow: numbers in, statistics out. */
export const stats = workflow(
  { params: z.object({ count: z.number().int().positive().default(50), seed: z.number().int().default(7) }) },
  ({ count, seed }) => {
    const numbers = fetchNumbers({ count, seed });
    const summary = summarize({ values: numbers.values });
    return { mean: summary.mean, median: summary.median };
  });

export const report = workflow(
  { params: z.object({ title: z.string().default("Weekly numbers") }) },
  ({ title }) => {
    const s = stats({ count: 200 });
    const page = render({ title, mean: s.mean, median: s.median });
    return { text: page.text };
  });
