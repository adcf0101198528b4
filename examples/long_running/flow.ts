/**
 * A long-running task to try `flowsmith stop` (or Ctrl-C, or Stop in the editor) on.
 * It checks ctx.signal between steps, so a stop ends it at once and nothing is marked complete.
 *
 *   flowsmith run examples/long_running/flow.ts#slow     # prints a run id, then
 *   flowsmith stop <RUN_ID>                               # from another terminal
 */
import { task, workflow } from "flowsmith";
import { z } from "zod";

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export const prepare = task(async ({ steps }: { steps: number }) => ({ plan: Array.from({ length: steps }, (_, i) => i + 1) }));

export const crunch = task({ description: "Works one second per step" },
  async ({ plan }: { plan: number[] }, ctx) => {
    let total = 0;
    for (const step of plan) {
      await sleep(1000, ctx.signal);
      total += step;
      ctx.log(`step ${step}/${plan.length}`);
      ctx.progress(step / plan.length);
    }
    return { total };
  });

export const slow = workflow(
  { params: z.object({ steps: z.number().int().positive().default(120) }) },
  ({ steps }) => {
    const p = prepare({ steps });
    const c = crunch({ plan: p.plan });
    return { total: c.total };
  });
