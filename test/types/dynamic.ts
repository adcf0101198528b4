/**
 * Type tests for map(), when() and asset(): valid uses need no casts; TypeScript itself rejects
 * the broken ones (each `@ts-expect-error` fails `tsc -p test/types` if the error disappears).
 */
import { asset, each, map, task, when, workflow } from "flowsmith";
import { z } from "zod";

const listing = task(async ({ dir }: { dir: string }) => ({ files: [dir], sizes: [1] }));
const score = task(async ({ file, threshold }: { file: string; threshold: number }) => ({ value: file.length * threshold, file }));
const report = task(async ({ scores }: { scores: number[] }) => ({ text: scores.join(",") }));
const takesString = task(async ({ s }: { s: string }) => ({ s }));
const trainLinear = task(async ({ rows }: { rows: number[] }) => ({ model: "linear", score: rows.length }));
const trainForest = task(async ({ rows }: { rows: number[] }) => ({ model: "forest", score: 1 }));
const evaluate = task(async ({ model }: { model: string }) => ({ ok: model.length > 0 }));
const badScore = task(async ({ rows }: { rows: number[] }) => ({ model: "x", score: "high" }));

export const ok = workflow({ params: z.object({ threshold: z.number().default(0.5), kind: z.enum(["linear", "forest", "boost"]).default("linear") }) }, ({ threshold, kind }) => {
  const l = listing({ dir: asset("data/raw") });
  const scores = map(score, { file: each(l.files), threshold }, { concurrency: 8, minSuccessRatio: 0.9 });
  report({ scores: scores.value });
  map(score, { file: each(["a", "b"]), threshold: 1 }, { as: "consts" });
  takesString({ s: asset("data/config.txt") });
  const m = when(kind)
    .is("linear", () => { const t = trainLinear({ rows: l.sizes }); return { model: t.model, score: t.score }; })
    .is({ in: ["forest", "boost"] }, () => { const t = trainForest({ rows: l.sizes }); return { model: t.model, score: t.score }; })
    .otherwise(() => ({ model: "baseline", score: 0 }));
  evaluate({ model: m.model });
  const onRef = when(scores.value, { as: "gate" }).is({ eq: [] }, () => ({ model: "none" })).end();
  evaluate({ model: onRef.model });
  const onNumber = when(threshold).is({ gt: 0.5 }, () => ({ model: "hi" })).is({ lte: 0.5 }, () => ({ model: "lo" })).end();
  return { model: onNumber.model, files: scores.file };
});

export const broken = workflow({ params: z.object({ kind: z.enum(["linear", "forest"]).default("linear") }) }, ({ kind }) => {
  const l = listing({ dir: "d" });
  // @ts-expect-error each() over a list of numbers where the input takes a string
  map(score, { file: each(l.sizes), threshold: 1 });
  // @ts-expect-error a shared input of the wrong type
  map(score, { file: each(l.files), threshold: "high" });
  // @ts-expect-error an input the task does not have
  map(score, { file: each(l.files), threshold: 1, extra: 2 });
  // @ts-expect-error a missing shared input
  map(score, { file: each(l.files) });
  const scores = map(score, { file: each(l.files), threshold: 1 });
  // @ts-expect-error a map's output is a list: not a number
  evaluate({ model: scores.value });
  // @ts-expect-error a map has no output the task does not produce
  report({ scores: scores.values });
  // @ts-expect-error a list mapped over must be a list
  each(l.files[0]);
  // @ts-expect-error concurrency is a number
  map(score, { file: each(l.files), threshold: 1 }, { concurrency: "8" });
  // @ts-expect-error a test that is not one of the subject's values
  when(kind).is("lnear", () => ({ model: "x" })).end();
  const m = when(kind).is("linear", () => ({ model: trainLinear({ rows: [] }).model, score: 1 }))
    // @ts-expect-error a later branch yields another type for an output
    .otherwise(() => { const b = badScore({ rows: [] }); return { model: b.model, score: b.score }; });
  const n = when(kind).is("linear", () => ({ model: "a" }))
    // @ts-expect-error a later branch misses an output
    .otherwise(() => ({ other: "b" }));
  // @ts-expect-error the when's outputs are the branches' names
  evaluate({ model: n.modle });
  // @ts-expect-error .is() after .otherwise()
  when(kind).is("linear", () => ({ model: "a" })).otherwise(() => ({ model: "b" })).is("forest", () => ({ model: "c" }));
  // @ts-expect-error an asset path is a string
  asset(42);
  listing({ dir: asset("x") });
  // @ts-expect-error an asset is a path (string), not a number
  score({ file: "f", threshold: asset("t") });
  return { m: m.model };
});
