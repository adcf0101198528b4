/**
 * Flyte's `my_wf`: t1 has two named outputs, one of which feeds t2.
 *
 *   flowsmith run examples/my_wf/flow.ts#my_wf --param a=3 --param b=hello
 */
import { task, workflow } from "flowsmith";
import { z } from "zod";

export const t1 = task(async ({ a }: { a: number }) => ({ t1_int_output: a + 2, c: "world" }));

export const t2 = task(async ({ a, b }: { a: string; b: string }) => ({ o0: b + a }));

export const my_wf = workflow(
  { params: z.object({ a: z.number().int().default(1), b: z.string().default("hello ") }) },
  ({ a, b }) => {
    const x = t1({ a });
    const d = t2({ a: x.c, b });
    return { o0: x.t1_int_output, o1: d.o0 };
  });
