/**
 * Type tests for the SDK: valid flows need no casts, and TypeScript itself rejects the broken
 * wirings below (each `@ts-expect-error` fails the build if the error disappears).
 * Checked by `tsc -p test/types` as part of the test command.
 */
import { task, workflow, type Workflow } from "flowsmith";
import { z } from "zod";

interface Row { v: number | null }

const getData = task({ name: "get-data" }, async ({ url }: { url: string }) => ({ rows: [] as Row[], count: 0 }));
const clean = task(async ({ rows, dropNulls }: { rows: Row[]; dropNulls: boolean }) => ({ rows: rows.filter((r) => !dropNulls || r.v !== null) }));
const train = task({ version: "2" }, async ({ rows, epochs }: { rows: Row[]; epochs: number }) => ({ model: { w: rows.length * epochs }, score: 0.9 }));
const noInputs = task(async () => ({ seed: 42 }));
const takesNumber = task(async ({ n }: { n: number }) => ({ doubled: n * 2 }));

export const ok = workflow(
  { params: z.object({ url: z.string(), epochs: z.number().int().default(3) }) },
  ({ url, epochs }) => {
    const data = getData({ url });
    const cleaned = clean({ rows: data.rows, dropNulls: true });
    const model = train({ rows: cleaned.rows, epochs }, { as: "fit" });
    const seed = noInputs();
    takesNumber({ n: seed.seed });
    return { model: model.model, score: model.score };
  });

export const sub = workflow(
  { params: z.object({ n: z.number(), label: z.string().default("x") }) },
  ({ n }) => ({ doubled: takesNumber({ n }).doubled }),
);

export const usesSub = workflow(() => {
  const s = noInputs();
  const inner = sub({ n: s.seed }); // `label` has a default: optional at the call
  return { out: takesNumber({ n: inner.doubled }).doubled };
});

export const broken = workflow(() => {
  const data = getData({ url: "u" });
  // @ts-expect-error misspelt input
  clean({ rowz: data.rows, dropNulls: true });
  // @ts-expect-error missing input
  clean({ rows: data.rows });
  // @ts-expect-error unknown output
  clean({ rows: data.rowz, dropNulls: true });
  // @ts-expect-error an array of rows where a number is expected
  takesNumber({ n: data.rows });
  // @ts-expect-error arithmetic on a reference
  takesNumber({ n: data.count + 1 });
  // @ts-expect-error a reference to an array is not iterable
  for (const row of data.rows) void row;
  // @ts-expect-error a plain value of the wrong type
  takesNumber({ n: "3" });
  // @ts-expect-error sub-flow param of the wrong type
  sub({ n: data.rows });
  // @ts-expect-error sub-flow missing a required param
  sub({});
});

// ---- params are references in a body (DESIGN "Params are references") ----------------------------

const takesText = task(async ({ text }: { text: string }) => ({ size: text.length }));
const takesConfig = task(async ({ cfg }: { cfg: { lr: number; layers: number[] } }) => ({ lr: cfg.lr }));

export const paramsWired = workflow(
  { params: z.object({ n: z.number(), url: z.string(), cfg: z.object({ lr: z.number(), layers: z.array(z.number()) }), opt: z.number().optional() }) },
  ({ n, url, cfg }) => {
    const a = takesNumber({ n }); // a param straight into an input
    const d = getData({ url });
    const c = takesConfig({ cfg }); // an object param, whole
    const lr = takesNumber({ n: cfg.lr }, { as: "lr" }); // a field of an object param
    const s = sub({ n }); // into a sub-flow
    return { doubled: a.doubled, rows: d.rows, lr: c.lr, lr2: lr.doubled, s: s.doubled, n, url }; // returned
  });

// The workflow's outputs unwrap returned params to their values.
type OutputsOf<W> = W extends Workflow<never, infer O> ? O : never;
export const paramsOut: { n: number; url: string } = {} as OutputsOf<typeof paramsWired>;

export const paramsMisused = workflow(
  { params: z.object({ n: z.number(), url: z.string(), flag: z.boolean(), opt: z.number().optional() }) },
  ({ n, url, flag, opt }) => {
    // @ts-expect-error arithmetic on a param
    takesNumber({ n: n + 1 });
    // @ts-expect-error comparing a param with a number
    const big = n > 3;
    // @ts-expect-error a param is not its value
    const value: number = n;
    // @ts-expect-error a string method on a param (a reference has no methods)
    takesText({ text: url.trim() });
    // @ts-expect-error a param that may be undefined into an input that needs a number
    takesNumber({ n: opt }, { as: "opt" });
    // @ts-expect-error a param of the wrong type
    takesText({ text: n }, { as: "wrong" });
    // @ts-expect-error a boolean param is a reference, not a boolean
    const chosen: boolean = flag;
    return { big, value, chosen };
  });
