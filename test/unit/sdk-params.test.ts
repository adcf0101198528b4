/**
 * DESIGN "Params are references", at graph-build time: a workflow body gets a reference per param,
 * like a node's outputs. Passed to task inputs, sub-flows or returned, a param binds as its value
 * (cache keys, outputs and sub-flow validation unchanged); computed with, compared, formatted,
 * awaited, iterated or read as an object, it throws FS004 naming the param and the workflow — and
 * `flowsmith run` prints that as one line, exit 2.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { z } from "zod";
import { task } from "../../runtime/src/sdk/task.ts";
import { workflow, type WorkflowImpl } from "../../runtime/src/sdk/workflow.ts";
import { buildGraph } from "../../runtime/src/graph/builder.ts";
import { FlowsmithError } from "../../runtime/src/util/errors.ts";
import { assertCleanError, assertExit, makeWorkspace, runIdOf } from "./helpers/workspace.ts";

const impl = (w: unknown) => w as WorkflowImpl;

const num = task({ name: "num" }, async ({ n }: { n: number }) => ({ n }));
const text = task({ name: "text" }, async ({ s }: { s: string }) => ({ s }));
const cfgTask = task({ name: "cfg" }, async ({ cfg }: { cfg: { lr: number } }) => ({ lr: cfg.lr }));

const SCHEMA = z.object({
  epochs: z.number().int().default(3),
  url: z.string().default("http://x"),
  flag: z.boolean().default(false),
  cfg: z.object({ lr: z.number() }).default({ lr: 0.1 }),
  tags: z.array(z.string()).default([]),
  opt: z.number().optional(),
});
const PARAMS = { epochs: 3, url: "http://x", flag: false, cfg: { lr: 0.1 }, tags: [] as string[] };

/** A workflow over SCHEMA; bodies that misuse params are typed loosely, as a JavaScript user's would be. */
function flowWith(body: (p: any) => unknown, name = "pipeline") {
  return impl((workflow as unknown as (o: object, b: unknown) => unknown)({ name, params: SCHEMA }, body));
}

describe("params passed straight are fine and bind as their values", () => {
  test("into task inputs, nested in an input object, a field of an object param, returned", () => {
    const flow = flowWith(({ epochs, url, cfg, opt }) => {
      const a = num({ n: epochs });
      const b = text({ s: url });
      const c = cfgTask({ cfg });
      const d = num({ n: cfg.lr }, { as: "lr" });
      const e = cfgTask({ cfg: { lr: epochs } }, { as: "nested" });
      const f = num({ n: opt } as never, { as: "opt" });
      return { a: a.n, b: b.s, c: c.lr, d: d.n, e: e.lr, f: f.n, epochs, url };
    });
    const graph = buildGraph(flow, { ...PARAMS });
    assert.deepEqual(graph.nodes.get("num")!.inputs, { n: { kind: "value", value: 3 } });
    assert.deepEqual(graph.nodes.get("text")!.inputs, { s: { kind: "value", value: "http://x" } });
    assert.deepEqual(graph.nodes.get("cfg")!.inputs, { cfg: { kind: "value", value: { lr: 0.1 } } });
    assert.deepEqual(graph.nodes.get("lr")!.inputs, { n: { kind: "value", value: 0.1 } });
    assert.deepEqual(graph.nodes.get("nested")!.inputs, { cfg: { kind: "value", value: { lr: 3 } } });
    assert.deepEqual(graph.nodes.get("opt")!.inputs, {}, "an optional param not given is an input not passed");
    assert.equal(graph.outputs.kind, "object");
    const fields = (graph.outputs as { fields: Record<string, unknown> }).fields;
    assert.deepEqual(fields.epochs, { kind: "value", value: 3 });
    assert.deepEqual(fields.url, { kind: "value", value: "http://x" });
  });

  test("into a sub-flow: validated by the sub-flow's schema, a reference in its body too", () => {
    const inner = workflow({ name: "inner", params: z.object({ n: z.number().int(), label: z.string().default("l") }) }, ({ n, label }) => {
      const x = num({ n });
      return { n: x.n, label };
    });
    const flow = flowWith(({ epochs }) => {
      const s = inner({ n: epochs });
      return { n: s.n, label: s.label };
    });
    const graph = buildGraph(flow, { ...PARAMS });
    assert.deepEqual(graph.nodes.get("inner/num")!.inputs, { n: { kind: "value", value: 3 } });
    // The caller's param is checked against the sub-flow's schema with its value.
    assert.throws(() => buildGraph(flow, { ...PARAMS, epochs: 2.5 }), (e: unknown) => e instanceof FlowsmithError && /sub-flow inner param "n"/.test(e.message));
    // A param the sub-flow returns is a param reference for the caller too.
    const misuse = flowWith(({ epochs }) => {
      const s = inner({ n: epochs }) as unknown as { label: string };
      return { up: text({ s: s.label.toUpperCase() }).s };
    }, "outer");
    assert.throws(() => buildGraph(misuse, { ...PARAMS }), (e: unknown) => e instanceof FlowsmithError && /FS004: the param label of workflow inner is read \(\.toUpperCase\)/.test(e.message));
  });

  test("a sub-flow returning its param as its whole output, and a param as a whole output field", () => {
    const whole = workflow({ name: "whole", params: z.object({ n: z.number() }) }, ({ n }) => n);
    const flow = flowWith(({ epochs }) => ({ m: num({ n: (whole as any)({ n: epochs }) }).n }));
    assert.deepEqual(buildGraph(flow, { ...PARAMS }).nodes.get("num")!.inputs, { n: { kind: "value", value: 3 } });
  });

  test("the same graph as with values: an existing flow's node inputs are unchanged", () => {
    const flow = flowWith(({ epochs, url, tags }) => ({ a: num({ n: epochs }).n, b: text({ s: url }).s, t: cfgTask({ cfg: { lr: 1 }, tags } as never).lr }));
    const graph = buildGraph(flow, { ...PARAMS, tags: ["a", "b"] });
    assert.deepEqual(graph.nodes.get("cfg")!.inputs.tags, { kind: "value", value: ["a", "b"] });
    assert.deepEqual(graph.params, { ...PARAMS, tags: ["a", "b"] }, "the run records the values");
  });
});

describe("computing with a param in a body is FS004 at graph-build time, naming the param and the workflow", () => {
  const misuses: [string, (p: any) => unknown, RegExp][] = [
    ["compared (if (epochs > 3))", ({ epochs }) => {
      if (epochs > 3) num({ n: 1 });
    }, /the param epochs of workflow pipeline is used as a value \(compared, computed with or put into a string\)/],
    ["computed with", ({ epochs }) => num({ n: epochs * 2 }), /the param epochs of workflow pipeline is used as a value/],
    ["formatted in a template literal", ({ url }) => text({ s: `${url}/x` }), /the param url of workflow pipeline is used as a value/],
    ["concatenated", ({ url }) => text({ s: url + "/x" }), /the param url of workflow pipeline is used as a value/],
    ["awaited", async ({ url }) => text({ s: await url }), /the param url of workflow pipeline is awaited|async/],
    ["iterated", ({ tags }) => {
      for (const t of tags) text({ s: t });
    }, /the param tags of workflow pipeline is iterated or spread/],
    ["spread", ({ tags }) => text({ s: [...tags].join() }), /the param tags of workflow pipeline is iterated or spread/],
    ["a method called on it", ({ url }) => text({ s: url.trim() }), /the param url of workflow pipeline is read \(\.trim\)/],
    ["a string's length read", ({ url }) => num({ n: url.length }), /the param url of workflow pipeline is read \(\.length\)/],
    ["serialised", ({ cfg }) => text({ s: JSON.stringify(cfg) }), /the param cfg of workflow pipeline is serialised/],
    ["a field of an object param computed with", ({ cfg }) => num({ n: cfg.lr + 1 }), /the param cfg\.lr of workflow pipeline is used as a value/],
    ["used as a node alias", ({ url }) => text({ s: "a" }, { as: url }), /the param url of workflow pipeline is used as a node alias/],
  ];
  for (const [what, body, message] of misuses) {
    test(what, () => {
      const flow = flowWith(body);
      assert.throws(
        () => buildGraph(flow, { ...PARAMS }),
        (e: unknown) => e instanceof FlowsmithError && /^FS004: /.test(e.message) && message.test(e.message),
      );
    });
  }

  test("a sub-flow computing with its own param fails the same way, naming the sub-flow", () => {
    const sub = impl((workflow as unknown as (o: object, b: unknown) => unknown)({ name: "inner", params: z.object({ n: z.number() }) }, ({ n }: any) => ({ m: num({ n: n + 1 }).n })));
    const flow = flowWith(() => ({ m: (sub as unknown as (i: object) => { m: unknown })({ n: 2 }).m }));
    assert.throws(() => buildGraph(flow, { ...PARAMS }), (e: unknown) => e instanceof FlowsmithError && /FS004: the param n of workflow inner is used as a value/.test(e.message));
  });
});

describe("flowsmith run: one line, exit 2", () => {
  test("`if (epochs > 3)` and a template with a param", async (t) => {
    const ws = makeWorkspace(t);
    ws.write("flow.ts", `import { task, workflow } from "flowsmith";
import { z } from "zod";
export const train = task(async ({ epochs }: { epochs: number }) => ({ model: epochs }));
export const fetchIt = task(async ({ url }: { url: string }) => ({ body: url }));
export const branchy = workflow({ params: z.object({ epochs: z.number().default(5) }) }, ({ epochs }: any) => {
  if (epochs > 3) return { model: train({ epochs }).model };
  return {};
});
export const formats = workflow({ params: z.object({ url: z.string().default("http://h") }) }, ({ url }: any) => {
  return { body: fetchIt({ url: \`\${url}/x\` }).body };
});
export const fine = workflow({ params: z.object({ epochs: z.number().default(5), url: z.string().default("http://h") }) }, ({ epochs, url }) => {
  return { model: train({ epochs }).model, body: fetchIt({ url }).body, epochs };
});
`);
    // The runtime's own guard, for runs that skip the pre-run check (which refuses these first).
    const branchy = await ws.cli(["run", "flow.ts#branchy", "--no-check"]);
    assertCleanError(branchy, /flow\.ts#branchy: FS004: the param epochs of workflow branchy is used as a value \(compared, computed with or put into a string\) in a workflow body/);
    const formats = await ws.cli(["run", "flow.ts#formats", "--no-check"]);
    assertCleanError(formats, /flow\.ts#formats: FS004: the param url of workflow formats is used as a value/);
    // An async body awaiting a param: the one FS004 line, no unhandled rejection after it.
    ws.write("async.ts", `import { task, workflow } from "flowsmith";
import { z } from "zod";
export const fetchIt = task(async ({ url }: { url: string }) => ({ body: url }));
export const aw = workflow({ params: z.object({ url: z.string().default("http://h") }) }, (async ({ url }: any) => {
  const u = await url;
  return { body: fetchIt({ url: u }).body };
}) as any);
`);
    assertCleanError(await ws.cli(["run", "async.ts#aw", "--no-check"]), /async\.ts#aw: FS004: workflow aw's body is async/);
    // Params passed straight run as before, with their values.
    const fine = await ws.cli(["run", "flow.ts#fine", "--param", "epochs=7"]);
    assertExit(fine, 0, "run fine");
    const results = await ws.cli(["results", runIdOf(fine.stdout)]);
    assertExit(results, 0, "results");
    assert.match(results.stdout, /"epochs": 7/);
    assert.match(results.stdout, /"model": 7/);
    assert.match(results.stdout, /"body": "http:\/\/h"/);
  });
});
