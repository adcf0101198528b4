/**
 * The executor seam (runtime/src/engine/executor.ts) through the engine API: what an executor is
 * handed for each attempt — plain data a worker process or a cluster (issue 20) can receive — and
 * what stays the engine's (retries, caching, the node's log).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { makeWorkspace } from "./helpers/workspace.ts";
import { prepare } from "../../runtime/src/engine/prepare.ts";
import { runWorkflow } from "../../runtime/src/engine/run.ts";
import type { Executor, NodeAttempt } from "../../runtime/src/engine/executor.ts";
import { InProcessExecutor } from "../../runtime/src/engine/executors/inProcess.ts";

describe("engine: the executor seam", () => {
  test("each attempt reaches the executor as plain data; retries and caching stay the engine's", async (t) => {
    // What a worker process or a cluster will receive (issue 20): it must survive JSON, and be
    // enough to run the task where the code is loaded anew.
    const ws = makeWorkspace(t);
    ws.write(
      "seam.ts",
      `import { task, workflow } from "flowsmith";
export const src = task(async () => ({ x: 2 }));
export const flaky = task({ name: "flaky", retries: 1, timeoutMs: 60000 }, async ({ x }: { x: number }, ctx) => {
  ctx.log("try", { attempt: ctx.attempt });
  if (ctx.attempt === 1) throw new Error("the first try fails");
  return { y: x * 10, k: ctx.config.k };
});
export const seam = workflow(() => ({ y: flaky({ x: src().x }).y }));
`,
    );
    const prepared = prepare("seam.ts#seam", { cwd: ws.dir });
    const here = new InProcessExecutor(prepared.flows.tasks);
    const seen: NodeAttempt[] = [];
    const executor: Executor = {
      execute(attempt, channel) {
        seen.push(attempt);
        return here.execute(JSON.parse(JSON.stringify(attempt)) as NodeAttempt, channel);
      },
    };
    const run = await runWorkflow(prepared, { executor, config: ["flaky.k=v"] });
    assert.equal(run.status, "complete", run.error);
    assert.deepEqual(run.outputs, [{ y: 20 }]);
    assert.deepEqual(seen.map((a) => [a.node, a.attempt]), [["src", 1], ["flaky", 1], ["flaky", 2]], "the engine retried the failed attempt");
    for (const a of seen) assert.deepEqual(JSON.parse(JSON.stringify(a)), a, `${a.node}: plain data`);
    const last = seen.at(-1)!;
    const flaky = run.nodes.find((n) => n.id === "flaky")!;
    assert.equal(last.runId, run.id);
    assert.deepEqual(last.input, { x: 2 });
    assert.deepEqual(last.config, { k: "v" });
    assert.equal(last.timeoutMs, 60000);
    assert.equal(last.cacheKey, flaky.cacheKey);
    assert.equal(last.fingerprint, flaky.fingerprint);
    assert.equal(last.task.name, "flaky");
    assert.equal(last.task.exportName, undefined, "named by its name option");
    assert.equal(path.basename(last.task.file ?? ""), "seam.ts");
    assert.equal(path.basename(last.task.flowFile), "seam.ts");
    assert.equal(last.task.workflow, "seam");
    assert.equal(flaky.attempts, 2);
    const log = fs.readFileSync(path.join(prepared.store.runDir(run.id), "logs", flaky.log!), "utf8");
    assert.match(log, /^try \{"attempt":1\}\nattempt 1 failed: the first try fails.*\nretrying \(1\/1\)\ntry \{"attempt":2\}\n$/);

    // Complete nodes never reach the executor.
    seen.length = 0;
    const again = await runWorkflow(prepared, { executor, config: ["flaky.k=v"] });
    assert.equal(again.status, "complete");
    assert.deepEqual(seen, []);
  });

  test("a stop reaches the attempt's signal; an executor that never answers is given up on after the grace period", { timeout: 120_000 }, async (t) => {
    const ws = makeWorkspace(t);
    ws.write(
      "one.ts",
      `import { task, workflow } from "flowsmith";
export const work = task({ name: "work" }, async () => ({ x: 1 }));
export const after = task({ name: "after" }, async ({ x }: { x: number }) => ({ y: x }));
export const one = workflow(() => ({ y: after({ x: work().x }).y }));
`,
    );
    const prepared = prepare("one.ts#one", { cwd: ws.dir });
    const stop = new AbortController();
    let reason: unknown;
    const executor: Executor = {
      execute(_attempt, channel) {
        channel.signal.addEventListener("abort", () => (reason = channel.signal.reason), { once: true });
        stop.abort(); // Ctrl-C while the attempt runs somewhere that never answers
        return new Promise<never>(() => {});
      },
    };
    const run = await runWorkflow(prepared, { executor, stop: stop.signal, graceMs: 50 });
    assert.ok(reason instanceof Error && /stopped/.test(reason.message), `the attempt's signal fired with the stop (${String(reason)})`);
    assert.equal(run.status, "stopped");
    assert.deepEqual(run.nodes.map((n) => [n.id, n.status]), [["work", "stopped"], ["after", "pending"]]);
  });
});
