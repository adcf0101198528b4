/**
 * Issue 24 item 3: the variants of a matrix run (`run … --matrix k=a,b`) are named by their params
 * everywhere — the run log, the execution summary, `results` (an object keyed by variant label,
 * d6tflow's WorkflowMulti outputLoad), the `--events ndjson` stream — and `results --node` takes
 * the same label (`train[doPreprocess=false]`) or the index form (`train[1]`). A run with one param
 * set keeps its plain names and its bare `results`. Through the built CLI, plus the formatter itself.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { assertCleanError, assertExit, makeWorkspace, ndjson, runOk, tally, type Workspace } from "./helpers/workspace.ts";
import { formatParamValue, parseVariantAddress, selectVariants, variantLabel, variantNames } from "@flowsmith/contract";

const PIPE = "pipeline.ts#pipeline";
const TRUE = { slope: 1, n: 10 }; // doPreprocess doubles x, which halves the slope of y = 2x + 1
const FALSE = { slope: 2, n: 10 };

async function json(ws: Workspace, args: string[]): Promise<unknown> {
  const res = await ws.cli(args);
  assertExit(res, 0, args.join(" "));
  return JSON.parse(res.stdout) as unknown;
}

describe("param sets", { concurrency: 3 }, () => {
  test("the log, the summary, results and --node name each variant by its params", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("pipeline.ts");
    const res = await runOk(ws, [PIPE, "--matrix", "doPreprocess=true,false"]);
    assert.deepEqual(tally(ws.counter()), { "get-data": 1, preprocess: 2, train: 2 });

    // The log: each node line names its variant; the param sets are said once, with what they share.
    assert.match(res.stdout, /^matrix: 2 param sets, \[doPreprocess=true\] \[doPreprocess=false\] \(all with count=10 epochs=2 delayMs=0\)$/m);
    for (const v of ["true", "false"]) {
      assert.match(res.stdout, new RegExp(`^\\[train\\[doPreprocess=${v}\\]\\] started$`, "m"));
      assert.match(res.stdout, new RegExp(`^\\[train\\[doPreprocess=${v}\\]\\] COMPLETE in `, "m"));
      assert.match(res.stdout, new RegExp(`^\\[preprocess\\[doPreprocess=${v}\\]\\] config \\{\\}$`, "m"));
    }
    assert.doesNotMatch(res.stdout, /#\d|\[\d\]|@\d/, "no variant is named by a number");

    // The summary: the shared get-data ran in the first variant and was found complete in the second.
    assert.match(res.stdout, /\* 1 complete ones were encountered:\n {4}- get-data\[doPreprocess=false\]\n/);
    assert.match(
      res.stdout,
      /\* 5 ran successfully:\n {4}- get-data\[doPreprocess=true\], preprocess\[doPreprocess=true\], train\[doPreprocess=true\], preprocess\[doPreprocess=false\], train\[doPreprocess=false\]\n/,
    );

    // results: keyed by the workflow's label per variant, in param-set order.
    const outputs = await json(ws, ["results", res.runId]);
    assert.deepEqual(outputs, { "pipeline[doPreprocess=true]": TRUE, "pipeline[doPreprocess=false]": FALSE });
    assert.deepEqual(Object.keys(outputs as object), ["pipeline[doPreprocess=true]", "pipeline[doPreprocess=false]"]);

    // --node: the label the log printed, the index form (also as the old summary spelt it), or every variant.
    assert.deepEqual(await json(ws, ["results", res.runId, "--node", "train[doPreprocess=false]"]), FALSE);
    assert.deepEqual(await json(ws, ["results", res.runId, "--node", "train[doPreprocess=true]"]), TRUE);
    assert.deepEqual(await json(ws, ["results", res.runId, "--node", "train[ doPreprocess = false ]"]), FALSE);
    assert.deepEqual(await json(ws, ["results", res.runId, "--node", "train[1]"]), FALSE);
    assert.deepEqual(await json(ws, ["results", res.runId, "--node", "train [0]"]), TRUE);
    assert.deepEqual(await json(ws, ["results", res.runId, "--node", "train"]), { "train[doPreprocess=true]": TRUE, "train[doPreprocess=false]": FALSE });
    // A param all variants share selects them all.
    assert.deepEqual(Object.keys((await json(ws, ["results", res.runId, "--node", "train[count=10]"])) as object), [
      "train[doPreprocess=true]",
      "train[doPreprocess=false]",
    ]);

    // Bad addresses: one line, exit 2, naming what exists.
    const bad = async (node: string, mentions: RegExp) => assertCleanError(await ws.cli(["results", res.runId, "--node", node]), mentions);
    await bad("train[doPreprocess=maybe]", /has no variant of train with doPreprocess=maybe; its variants are train\[doPreprocess=true\], train\[doPreprocess=false\]/);
    await bad("train[2]", /there are 2 param sets \(0 to 1\), not 2/);
    await bad("train[lr=1]", /no param "lr"; its params are count, delayMs, doPreprocess, epochs/);
    await bad("train[doPreprocess]", /"doPreprocess" must look like param=value/);
    await bad("trian[doPreprocess=true]", /has no node "trian".*did you mean "train"/);
  });

  test("--events ndjson: run-started names every variant and every node's label; node events carry the variant", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("pipeline.ts");
    const res = await ws.cli(["run", PIPE, "--matrix", "doPreprocess=true,false", "--events", "ndjson"]);
    assertExit(res, 0);
    const events = ndjson(res.stdout);
    const started = events[0]!;
    assert.equal(started.type, "run-started");
    assert.deepEqual(started.variantNames, ["doPreprocess=true", "doPreprocess=false"]);
    assert.deepEqual(
      started.nodes.map((n: { id: string; variant: number; label: string }) => [n.id, n.variant, n.label]),
      [
        ["get-data", 0, "get-data[doPreprocess=true]"],
        ["preprocess", 0, "preprocess[doPreprocess=true]"],
        ["train", 0, "train[doPreprocess=true]"],
        ["get-data", 1, "get-data[doPreprocess=false]"],
        ["preprocess", 1, "preprocess[doPreprocess=false]"],
        ["train", 1, "train[doPreprocess=false]"],
      ],
    );
    // A consumer names any node event from the run-started event alone.
    const labels = new Map(started.nodes.map((n: { id: string; variant: number; label: string }) => [`${n.id}@${n.variant}`, n.label]));
    const finished = events.filter((e) => e.type === "node-finished").map((e) => labels.get(`${e.node}@${e.variant}`));
    assert.equal(finished.length, 6);
    assert.ok(finished.every((l) => typeof l === "string"));
    for (const e of events.filter((e) => e.type === "node-finished")) {
      assert.equal(variantLabel(e.node, e.variant, started.variantNames), labels.get(`${e.node}@${e.variant}`));
    }
  });

  test("a run with one param set: plain names, bare results, no variant fields in its events", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("pipeline.ts");
    const res = await runOk(ws, [PIPE, "--param", "doPreprocess=false"]);
    assert.match(res.stdout, /^\[train\] started$/m);
    assert.doesNotMatch(res.stdout, /^matrix:/m);
    assert.match(res.stdout, /- get-data, preprocess, train\n/);
    assert.deepEqual(await json(ws, ["results", res.runId]), FALSE);
    assert.deepEqual(await json(ws, ["results", res.runId, "--node", "train"]), FALSE);
    // The address forms still work: its only param set is index 0, and its params are its params.
    assert.deepEqual(await json(ws, ["results", res.runId, "--node", "train[0]"]), FALSE);
    assert.deepEqual(await json(ws, ["results", res.runId, "--node", "train[doPreprocess=false]"]), FALSE);
    assertCleanError(await ws.cli(["results", res.runId, "--node", "train[doPreprocess=true]"]), /has no variant of train with doPreprocess=true; its variants are train$/);

    const ev = await ws.cli(["run", PIPE, "--events", "ndjson"]);
    assertExit(ev, 0);
    const started = ndjson(ev.stdout)[0]!;
    assert.equal(started.variantNames, undefined);
    assert.ok(started.nodes.every((n: object) => !("label" in n) && !("variant" in n)));
  });

  test("two matrix params: sorted in the label, any order or subset in --node", async (t) => {
    const ws = makeWorkspace(t);
    ws.fixture("pipeline.ts");
    const res = await runOk(ws, [PIPE, "--matrix", "epochs=1,2", "--matrix", "doPreprocess=true,false"]);
    assert.match(res.stdout, /^\[train\[doPreprocess=false,epochs=2\]\] started$/m);
    const outputs = (await json(ws, ["results", res.runId])) as Record<string, unknown>;
    assert.deepEqual(Object.keys(outputs), [
      "pipeline[doPreprocess=true,epochs=1]",
      "pipeline[doPreprocess=false,epochs=1]",
      "pipeline[doPreprocess=true,epochs=2]",
      "pipeline[doPreprocess=false,epochs=2]",
    ]);
    assert.deepEqual(await json(ws, ["results", res.runId, "--node", "train[epochs=2,doPreprocess=false]"]), FALSE);
    assert.deepEqual(await json(ws, ["results", res.runId, "--node", "train[doPreprocess=false]"]), {
      "train[doPreprocess=false,epochs=1]": FALSE,
      "train[doPreprocess=false,epochs=2]": FALSE,
    });
  });

  test("string params: quoted in the label only when they must be, and addressable either way", async (t) => {
    const ws = makeWorkspace(t);
    ws.write(
      "say.ts",
      `import { task, workflow } from "flowsmith";
import { z } from "zod";
export const shout = task(async ({ text }: { text: string }) => ({ loud: text.toUpperCase() }));
export const say = workflow({ params: z.object({ text: z.string() }) }, ({ text }) => {
  const s = shout({ text });
  return { loud: s.loud };
});
`,
    );
    const res = await runOk(ws, ["say.ts#say", "--matrix", 'text=["a,b","hi there","true"]']);
    assert.match(res.stdout, /^matrix: 3 param sets, \[text="a,b"\] \[text=hi there\] \[text="true"\]$/m);
    assert.match(res.stdout, /^\[shout\[text="a,b"\]\] started$/m);
    assert.deepEqual(await json(ws, ["results", res.runId]), {
      'say[text="a,b"]': { loud: "A,B" },
      "say[text=hi there]": { loud: "HI THERE" },
      'say[text="true"]': { loud: "TRUE" },
    });
    assert.deepEqual(await json(ws, ["results", res.runId, "--node", 'shout[text="a,b"]']), { loud: "A,B" });
    assert.deepEqual(await json(ws, ["results", res.runId, "--node", "shout[text=hi there]"]), { loud: "HI THERE" });
    assert.deepEqual(await json(ws, ["results", res.runId, "--node", "shout[text=true]"]), { loud: "TRUE" });
  });
});

describe("the variant formatter (runtime/src/engine/variants.ts)", () => {
  test("names by the params that differ, sorted; the index form when two param sets are the same", () => {
    assert.deepEqual(variantNames([{ a: 1 }]), []);
    assert.deepEqual(variantNames([]), []);
    assert.deepEqual(variantNames([{ z: 1, b: true, c: "x" }, { z: 2, b: false, c: "x" }]), ["b=true,z=1", "b=false,z=2"]);
    assert.deepEqual(variantNames([{ a: 1 }, { a: 1 }]), ["0", "1"]);
    assert.deepEqual(variantNames([{ a: 1, b: 1 }, { a: 1, b: 2 }, { a: 1, b: 1 }]), ["0", "b=2", "2"]);
    assert.deepEqual(variantNames([{ o: { y: 1, x: [1, 2] } }, { o: { x: [1, 2], y: 2 } }]), ['o={"x":[1,2],"y":1}', 'o={"x":[1,2],"y":2}']);
    assert.equal(variantLabel("train", undefined, []), "train");
    assert.equal(variantLabel("train", 1, ["k=a", "k=b"]), "train[k=b]");
  });

  test("values: JSON scalars, strings bare unless quotes are needed to read them back", () => {
    assert.equal(formatParamValue(false), "false");
    assert.equal(formatParamValue(0.5), "0.5");
    assert.equal(formatParamValue(null), "null");
    assert.equal(formatParamValue("adam"), "adam");
    assert.equal(formatParamValue("hi there"), "hi there");
    for (const s of ["a,b", "a]", "a[", "k=v", "", " pad", "true", "3", "null", '"q"']) assert.equal(formatParamValue(s), JSON.stringify(s), s);
  });

  test("addresses: id and selector; selectors by index, by name, by params", () => {
    assert.deepEqual(parseVariantAddress("train"), { id: "train" });
    assert.deepEqual(parseVariantAddress("train[k=1]"), { id: "train", selector: "k=1" });
    assert.deepEqual(parseVariantAddress("train [1]"), { id: "train", selector: "1" });
    assert.deepEqual(parseVariantAddress("[1]"), { id: "[1]" });
    const sets = [{ k: "a,b", n: 1 }, { k: "c", n: 1 }];
    assert.deepEqual(selectVariants("1", sets), [1]);
    assert.deepEqual(selectVariants('k="a,b"', sets), [0]);
    assert.deepEqual(selectVariants("k=c", sets), [1]);
    assert.deepEqual(selectVariants('k="c"', sets), [1]);
    assert.deepEqual(selectVariants("n=1", sets), [0, 1]);
    assert.deepEqual(selectVariants("n=2", sets), []);
    assert.match(selectVariants("x=1", sets) as string, /no param "x"/);
    assert.match(selectVariants("9", sets) as string, /not 9/);
    assert.deepEqual(selectVariants("0", [{ a: 1 }, { a: 1 }]), [0]);
  });
});
