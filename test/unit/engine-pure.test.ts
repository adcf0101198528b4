/**
 * Pure unit tests of the engine's building blocks, imported from runtime/src: params from the
 * command line, config, targets, graph building (ids, reference misuse) and graph queries.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { z } from "zod";
import { task } from "../../runtime/src/sdk/task.ts";
import { workflow, type WorkflowImpl } from "../../runtime/src/sdk/workflow.ts";
import { buildGraph } from "../../runtime/src/graph/builder.ts";
import { downstreamOf, restrictTo, sinks, upstreamOf } from "../../runtime/src/graph/model.ts";
import {
  configFor,
  expandParamSets,
  parseConfig,
  parseMatrix,
  parseParamPairs,
  validateParams,
} from "../../runtime/src/engine/params.ts";
import { parseTarget } from "../../runtime/src/engine/target.ts";
import { FlowsmithError, didYouMean } from "../../runtime/src/util/errors.ts";

const impl = (w: unknown) => w as WorkflowImpl;

const flow = impl(
  workflow(
    {
      params: z.object({
        epochs: z.number().int().default(3),
        name: z.string().default("x"),
        flag: z.boolean().default(false),
        tags: z.array(z.string()).default([]),
        mode: z.enum(["1", "2"]).default("1"),
      }),
    },
    () => ({}),
  ),
);

describe("params from the command line", () => {
  test("values are JSON when the schema wants a non-string, text otherwise", () => {
    assert.deepEqual(parseParamPairs(flow, "wf", ["epochs=5", "name=5", "flag=true", "tags=[\"a\",\"b\"]", "mode=2"]), {
      epochs: 5,
      name: "5",
      flag: true,
      tags: ["a", "b"],
      mode: "2",
    });
    assert.deepEqual(parseParamPairs(flow, "wf", ["name=a=b", "name=hello world"]), { name: "hello world" });
    assert.deepEqual(parseParamPairs(flow, "wf", ["name="]), { name: "" });
  });

  test("an unknown key is a FlowsmithError with did-you-mean and the list of params", () => {
    assert.throws(
      () => parseParamPairs(flow, "wf", ["epoch=5"]),
      (e: unknown) => e instanceof FlowsmithError && /no param "epoch" \(did you mean "epochs"\?\); its params are epochs, name, flag, tags, mode/.test(e.message),
    );
    assert.throws(() => parseParamPairs(flow, "wf", ["epochs"]), /must look like key=value/);
    assert.throws(() => parseParamPairs(flow, "wf", ["=5"]), /must look like key=value/);
    const none = impl(workflow(() => ({})));
    assert.throws(() => parseParamPairs(none, "plain", ["a=1"]), /takes no params/);
  });

  test("validation fills defaults and names the bad param in one line", () => {
    assert.deepEqual(validateParams(flow, "wf", { epochs: 5 }), { epochs: 5, name: "x", flag: false, tags: [], mode: "1" });
    assert.throws(() => validateParams(flow, "wf", parseParamPairs(flow, "wf", ["epochs=abc"])), (e: unknown) => {
      assert.ok(e instanceof FlowsmithError);
      assert.match(e.message, /^bad param epochs="abc": /);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
    const required = impl(workflow({ params: z.object({ url: z.string() }) }, () => ({})));
    assert.throws(() => validateParams(required, "wf", {}), /needs param "url".*--param url=/);
  });

  test("a param that is not JSON (a Date default) is refused with FS006", () => {
    const dated = impl(workflow({ params: z.object({ since: z.date().default(() => new Date(0)) }) }, () => ({})));
    assert.throws(() => validateParams(dated, "wf", {}), /FS006/);
  });

  test("--matrix expands into the cartesian product, in order", () => {
    const grid = parseMatrix(flow, "wf", ["flag=true,false", "epochs=[1,2,3]"]);
    assert.deepEqual(grid, { flag: [true, false], epochs: [1, 2, 3] });
    const sets = expandParamSets({ name: "n" }, grid);
    assert.equal(sets.length, 6);
    assert.deepEqual(sets[0], { name: "n", flag: true, epochs: 1 });
    assert.deepEqual(sets[5], { name: "n", flag: false, epochs: 3 });
    assert.deepEqual(parseMatrix(flow, "wf", ["name=a,b"]), { name: ["a", "b"] });
    assert.throws(() => parseMatrix(flow, "wf", ["flag="]), /at least one value/);
    assert.throws(() => parseMatrix(flow, "wf", ["epochs=[1,"]), /not a JSON array/);
    assert.throws(() => parseMatrix(flow, "wf", ["nope=1,2"]), /no param "nope"/);
    assert.deepEqual(expandParamSets({ a: 1 }, {}), [{ a: 1 }]);
  });

  test("--config: per node, per task, and * for all; the most specific wins", () => {
    // parseConfig builds null-prototype objects (no prototype keys can leak): compare as plain data.
    const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
    const config = parseConfig(["train.lr=0.5", "*.seed=7", "*.lr=0.1", "stats/summarize.x=\"s\"", "a.b.c=true", "train#2.lr=1"]);
    assert.deepEqual(plain(config), {
      train: { lr: 0.5 },
      "*": { seed: 7, lr: 0.1 },
      "stats/summarize": { x: "s" },
      "a.b": { c: true },
      "train#2": { lr: 1 },
    });
    assert.deepEqual(configFor(config, "train", "train"), { seed: 7, lr: 0.5 });
    assert.deepEqual(configFor(config, "train#2", "train"), { seed: 7, lr: 1 });
    assert.deepEqual(configFor(config, "other", "other"), { seed: 7, lr: 0.1 });
    assert.deepEqual(configFor(config, "stats/summarize", "summarize"), { seed: 7, lr: 0.1, x: "s" });
    assert.deepEqual(plain(parseConfig(["n.k=text"])), { n: { k: "text" } });
    assert.throws(() => parseConfig(["lr=1"]), /node\.key=value/);
    assert.throws(() => parseConfig(["train.=1"]), /node\.key=value/);
  });
});

describe("targets", () => {
  test("FILE#workflow[:node]", () => {
    assert.deepEqual(parseTarget("flows/a.ts#pipeline"), { file: "flows/a.ts", workflow: "pipeline" });
    assert.deepEqual(parseTarget("a.ts#pipeline:stats/fetch-numbers"), { file: "a.ts", workflow: "pipeline", node: "stats/fetch-numbers" });
    assert.deepEqual(parseTarget("a.ts"), { file: "a.ts" });
    assert.throws(() => parseTarget("#wf"), /no file/);
    assert.throws(() => parseTarget("a.ts#wf:"), /no node/);
    assert.throws(() => parseTarget("a.ts#1wf"), /not a workflow name/);
    assert.throws(() => parseTarget(""), /target is needed/);
  });

  test("a node id holding a # (a repeat, or inside a repeated sub-flow) can be targeted", () => {
    assert.deepEqual(parseTarget("a.ts#pipeline:summarize#2"), { file: "a.ts", workflow: "pipeline", node: "summarize#2" });
    assert.deepEqual(parseTarget("a.ts#report:stats#2/summarize"), { file: "a.ts", workflow: "report", node: "stats#2/summarize" });
  });

  test("did-you-mean only for close words", () => {
    assert.equal(didYouMean("pipelin", ["pipeline", "report"]), "pipeline");
    assert.equal(didYouMean("zzz", ["pipeline", "report"]), undefined);
  });
});

describe("graph building", () => {
  const getData = task({ name: "get-data" }, async ({ n }: { n: number }) => ({ rows: [n] }));
  const clean = task({ name: "clean" }, async ({ rows }: { rows: number[] }) => ({ rows }));
  const train = task({ name: "train" }, async ({ rows }: { rows: number[]; lr?: number }) => ({ score: rows.length }));
  const show = task({ name: "show" }, async ({ s }: { s: unknown }) => ({ s }));
  const sub = workflow({ name: "prep", params: z.object({ n: z.number().default(1) }) }, ({ n }) => {
    const d = getData({ n });
    return { rows: clean({ rows: d.rows }).rows };
  });

  test("ids: task names, aliases, #2 repeats, sub-flow prefixes; deps in first-use order", () => {
    const wf = workflow(() => {
      const a = sub({ n: 2 });
      const b = sub({}, { as: "other" });
      const c = clean({ rows: a.rows });
      const d = clean({ rows: b.rows });
      const t = train({ rows: c.rows }, { as: "model" });
      const t2 = train({ rows: d.rows });
      return { a: t.score, b: t2.score };
    });
    const graph = buildGraph(impl(wf), {});
    assert.deepEqual([...graph.nodes.keys()], [
      "prep/get-data",
      "prep/clean",
      "other/get-data",
      "other/clean",
      "clean",
      "clean#2",
      "model",
      "train",
    ]);
    assert.deepEqual(graph.nodes.get("clean#2")!.deps, ["other/clean"]);
    assert.deepEqual(graph.nodes.get("prep/clean")!.scope, ["prep"]);
    assert.deepEqual(graph.nodes.get("prep/get-data")!.inputs.n, { kind: "value", value: 2 });
    assert.deepEqual(graph.nodes.get("other/get-data")!.inputs.n, { kind: "value", value: 1 }, "sub-flow default");
    assert.deepEqual(sinks(graph), ["model", "train"]);
    assert.deepEqual(downstreamOf(graph, ["prep/get-data"]), ["prep/clean", "clean", "model"]);
    assert.deepEqual(upstreamOf(graph, ["model"]), ["prep/get-data", "prep/clean", "clean"]);
    assert.deepEqual([...restrictTo(graph, ["clean#2"]).nodes.keys()], ["other/get-data", "other/clean", "clean#2"]);
  });

  const misuse: [string, () => unknown, RegExp][] = [
    ["arithmetic", () => train({ rows: [1], lr: (getData({ n: 1 }).rows as unknown as number) * 2 }), /FS004.*get-data\.rows/],
    ["a template string", () => show({ s: `${getData({ n: 1 }).rows}` }), /FS004/],
    ["a comparison", () => show({ s: (getData({ n: 1 }).rows as unknown as number) > 1 }), /FS004/],
    ["spreading", () => show({ s: [...(getData({ n: 1 }).rows as unknown as number[])] }), /FS004/],
    ["serialising", () => show({ s: JSON.stringify(getData({ n: 1 })) }), /FS004/],
    ["a duplicate alias", () => [clean({ rows: [] }, { as: "x" }), train({ rows: [] }, { as: "x" })], /FS007.*"x"/],
    ["an unknown sub-flow output", () => show({ s: (sub() as unknown as Record<string, unknown>).nope }), /FS005.*"nope"/],
    ["an unknown sub-flow param", () => sub({ m: 1 } as never), /FS011.*"m"/],
    ["two tasks with one name", () => [clean({ rows: [] }), task({ name: "clean" }, async () => ({}))()], /FS007.*"clean"/],
  ];
  for (const [what, body, message] of misuse) {
    test(`${what} in a workflow body is refused at graph-build time`, () => {
      const wf = workflow(() => {
        body();
        return {};
      });
      assert.throws(() => buildGraph(impl(wf), {}), (e: unknown) => e instanceof FlowsmithError && message.test(e.message));
    });
  }

  test("an async body and a recursive sub-flow are refused", () => {
    const asyncBody = workflow((async () => ({})) as unknown as () => object);
    assert.throws(() => buildGraph(impl(asyncBody), {}), /FS004.*async/);
    const selfCalling: ReturnType<typeof workflow> = workflow({ name: "loop" }, () => (selfCalling as unknown as () => object)());
    assert.throws(() => buildGraph(impl(selfCalling), {}), /FS008/);
  });

  test("a task called outside a workflow body says how to call it", async () => {
    assert.throws(() => clean({ rows: [] }), /outside a workflow body/);
    assert.deepEqual(await clean.run({ rows: [1] }), { rows: [1] });
  });
});

describe("cache keys", () => {
  test("the spelled-out key text is canonicalJson of { task, version, fingerprint, inputs }", async () => {
    const { cacheKeyText } = await import("../../runtime/src/engine/keys.ts");
    const { canonicalJson } = await import("../../runtime/src/store/hash.ts");
    const cases: [string, string, string, Record<string, string>][] = [
      ["step", "", "1f7f20e7eaea992c", {}],
      ["train", "2", "abc", { x: "h1" }],
      ["clean", "v\"1\\", "f", { z: "h3", a: "h1", "ü-name": "h2", B: "h4", "a b": "h5", "\u2028": "h6" }],
      ["t\n", "", "f", { "10": "a", "9": "b", __proto__x: "c" }],
    ];
    for (const [task, version, fingerprint, inputs] of cases) {
      assert.equal(cacheKeyText(task, version, fingerprint, inputs), canonicalJson({ task, version, fingerprint, inputs }));
    }
  });
});

describe("time stamps", () => {
  test("isoTime is Date's toISOString, whatever the time", async () => {
    const { isoTime } = await import("../../runtime/src/util/time.ts");
    const times = [0, 1, 999, 1000, 59_999, 60_000, Date.now(), Date.now() + 0.9, 1.5, 253402300799999, 253402300800000, -1, -1500, 8.64e15];
    for (let i = 0; i < 20_000; i++) times.push(Math.floor(Math.random() * 4e12), Date.now() + i * 7);
    for (const t of times) assert.equal(isoTime(t), new Date(t).toISOString(), String(t));
  });
});

describe("task speed (whether a task starts without a running state)", () => {
  test("fast by the majority of its last 5 attempts, not by its slowest", async () => {
    const { TaskSpeed } = await import("../../runtime/src/engine/run.ts");
    const speed = new TaskSpeed();
    assert.equal(speed.fast, false, "unknown before any attempt");
    speed.add(1);
    assert.equal(speed.fast, true);
    speed.add(500);
    assert.equal(speed.fast, false, "one fast and one slow: not known fast");
    speed.add(2);
    speed.add(3);
    assert.equal(speed.fast, true, "one slow attempt among four");
    speed.add(400);
    assert.equal(speed.fast, true, "two of five");
    speed.add(300);
    assert.equal(speed.fast, false, "three of the last five are slow");
    for (let i = 0; i < 3; i++) speed.add(1);
    assert.equal(speed.fast, true, "the slow ones age out");
    const slow = new TaskSpeed();
    slow.add(25);
    assert.equal(slow.fast, false);
    slow.add(20);
    slow.add(20);
    assert.equal(slow.fast, true, "20 ms is still fast");
  });
});

describe("LineBuffer: a run's stdout lines", () => {
  test("gathered, the lines of one turn go out in one write, in order; past the limit at once", async () => {
    const { LineBuffer } = await import("../../runtime/src/cli/lineBuffer.ts");
    const writes: string[] = [];
    const out = new LineBuffer(true, { write: (t: string) => writes.push(t) }, 32);
    out.write("a\n");
    out.write("b\n");
    out.write("c\n");
    assert.deepEqual(writes, [], "nothing is written before the turn ends");
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(writes, ["a\nb\nc\n"]);
    out.write("x".repeat(40));
    assert.deepEqual(writes.length, 2, "past the limit the gathered text goes at once");
    out.write("tail\n");
    out.flush();
    assert.deepEqual(writes, ["a\nb\nc\n", "x".repeat(40), "tail\n"]);
  });

  test("not gathered (tasks run in the runner's process), each line is written at once", async () => {
    const { LineBuffer } = await import("../../runtime/src/cli/lineBuffer.ts");
    const writes: string[] = [];
    const out = new LineBuffer(false, { write: (t: string) => writes.push(t) });
    out.write("run-id\n");
    assert.deepEqual(writes, ["run-id\n"]);
  });
});

describe("Attempt: how a stop reaches an executor", () => {
  test("onAbort listeners hear the reason once; one added after the abort hears it at once; no AbortSignal unless asked", async () => {
    const { Attempt } = await import("../../runtime/src/engine/attempt.ts");
    const trial = new Attempt();
    const heard: unknown[] = [];
    trial.listen((r) => heard.push(r));
    const reason = new Error("stopped");
    trial.abort(reason);
    trial.abort(new Error("again"));
    trial.listen((r) => heard.push(r));
    assert.deepEqual(heard, [reason, reason]);
    assert.equal(trial.signal.aborted, true, "a signal asked for after the abort is aborted");
    assert.equal(trial.signal.reason, reason);
  });
});
