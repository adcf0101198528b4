/**
 * The bundled language server (`node dist/server.js --stdio`) over real JSON-RPC on stdio
 * (test/lsp/client.ts): diagnostics on start, open and change; flowsmith/flows and flowsmith/graph;
 * flowsmith/didChangeStatus after a real CLI run; statuses equal to `flowsmith preview` after a
 * run, a reset and an edit; code lenses, hovers, document symbols; and a server that keeps
 * answering through syntax errors, half-typed code and deleted files.
 *
 * Needs `npm run build` (dist/server.js and runtime/dist/cli.js).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { Commands, type FlowNode, type FlowsResult, type GraphResult } from "@flowsmith/contract";
import { codeAt, expectedCodes, parseMarkers, type Marked, type Range } from "../unit/helpers/markers.ts";
import { assertExit, makeWorkspace, preview, REPO, runOk } from "../unit/helpers/workspace.ts";
import { LspClient, SERVER, type Diagnostic } from "./client.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

const FIXTURES = path.join(REPO, "test/fixtures/lsp");
const fixture = (name: string): Marked => parseMarkers(fs.readFileSync(path.join(FIXTURES, name), "utf8"));

const ws = makeWorkspace();
const BROKEN = fixture("broken.ts.marked");
const FLOW = fixture("flow.ts.marked");
ws.write("broken.ts", BROKEN.text);
ws.write("flow.ts", FLOW.text);
const brokenFile = ws.path("broken.ts");
const flowFile = ws.path("flow.ts");

let client: LspClient;

before(async () => {
  client = await LspClient.start(ws.dir);
});

after(async () => {
  try {
    if (client && client.child.exitCode === null) {
      // shutdown + exit, and wait for the process to end (LspClient.stop() writes after dispose).
      const exited = new Promise((resolve) => client.child.once("exit", resolve));
      await client.connection.sendRequest("shutdown");
      await client.connection.sendNotification("exit");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
      client.connection.dispose();
      if (client.child.exitCode === null) client.child.kill();
    }
  } finally {
    ws.cleanup();
  }
});

// ---- helpers -------------------------------------------------------------------------------------

interface CodeLens {
  range: Range;
  command?: { title: string; command: string; arguments?: { target: string; node?: string }[] };
}

interface DocumentSymbol {
  name: string;
  detail?: string;
  kind: number;
  range: Range;
  selectionRange: Range;
  children?: DocumentSymbol[];
}

interface Hover {
  contents: { kind: string; value: string } | string;
  range?: Range;
}

const doc = (file: string) => ({ textDocument: { uri: client.uri(file) } });
const codeLenses = (file: string) => client.request<CodeLens[] | null>("textDocument/codeLens", doc(file));
const symbols = (file: string) => client.request<DocumentSymbol[] | null>("textDocument/documentSymbol", doc(file));
const hover = (file: string, position: { line: number; character: number }) =>
  client.request<Hover | null>("textDocument/hover", { ...doc(file), position });
const flows = (uri?: string) => client.request<FlowsResult>("flowsmith/flows", uri ? { uri } : {});
const graph = (target: string) => client.request<GraphResult | null>("flowsmith/graph", { target });

function show(ds: Diagnostic[]): string {
  return ds.map((d) => `  ${codeAt(d)} [${d.source}] ${d.message}`).join("\n") || "  (none)";
}

/** Wait for a publish of `file`'s diagnostics that satisfies `ok` (later publishes replace earlier ones). */
function diagnosticsWhere(file: string, what: string, ok: (ds: Diagnostic[]) => boolean): Promise<Diagnostic[]> {
  // (What was last published is told at the timeout, not as it was when the wait began.)
  const last = () => {
    const ds = client.diagnostics.get(client.uri(file));
    return `${what} (last: ${!ds ? "nothing published" : ds.length ? show(ds) : "published with none"})`;
  };
  return client.waitFor(last, () => {
    const ds = client.diagnostics.get(client.uri(file));
    return ds && ok(ds) ? ds : undefined;
  });
}

/** A didChangeStatus notification naming `target`, sent after `since` notifications. */
function statusNotification(target: string, since: number): Promise<{ targets: string[] }> {
  return client.waitFor(`flowsmith/didChangeStatus naming ${target}`, () =>
    client.statusNotifications.slice(since).find((n) => n.targets.includes(target)),
  );
}

function statusesOf(nodes: FlowNode[]): Record<string, string> {
  return Object.fromEntries(nodes.map((n) => [n.id, n.status]));
}

/** The key acceptance check: flowsmith/graph statuses equal `flowsmith preview`'s, node by node. */
async function assertGraphEqualsPreview(target: string, what: string): Promise<Record<string, string>> {
  const [g, previewed] = await Promise.all([graph(target), preview(ws, target)]);
  assert.ok(g, `flowsmith/graph ${target}`);
  const mine = statusesOf(g.nodes);
  const theirs = Object.fromEntries([...previewed].map(([id, n]) => [id, n.status]));
  assert.deepEqual(mine, theirs, `${what}: flowsmith/graph statuses (actual) vs flowsmith preview (expected) for ${target}`);
  return mine;
}

function contains(outer: Range, inner: Range): boolean {
  const before = (a: Range["start"], b: Range["start"]) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}

function alive(): void {
  assert.equal(client.child.exitCode, null, `the server exited:\n${client.stderr}`);
  assert.equal(client.child.signalCode, null, `the server was killed:\n${client.stderr}`);
}

/** Every request the server answers, on one file: none may fail or hang. */
async function everyRequestAnswers(file: string, targets: string[]): Promise<void> {
  const answers = await Promise.all([
    codeLenses(file),
    symbols(file),
    hover(file, { line: 0, character: 0 }),
    hover(file, { line: 9999, character: 5 }),
    flows(),
    flows(client.uri(file)),
    ...targets.map((t) => graph(t)),
  ]);
  assert.equal(answers.length, 6 + targets.length);
  alive();
}

// ---- diagnostics ---------------------------------------------------------------------------------

describe("diagnostics", () => {
  test("every flow file of the workspace gets diagnostics at start, before it is opened", async () => {
    const ds = await diagnosticsWhere(brokenFile, "start diagnostics of broken.ts", (d) => d.length > 0);
    assert.deepEqual(ds.map(codeAt).sort(), expectedCodes(BROKEN), show(ds));
    assert.deepEqual(await diagnosticsWhere(flowFile, "start diagnostics of flow.ts", () => true), []);
  });

  test("opening the broken fixture: source flowsmith, the expected codes at the expected ranges", async () => {
    client.open(brokenFile, BROKEN.text);
    const ds = await client.diagnosticsOf(brokenFile);
    assert.deepEqual(ds.map(codeAt).sort(), expectedCodes(BROKEN), show(ds));
    for (const d of ds) {
      assert.equal(d.source, "flowsmith", codeAt(d));
      assert.equal(typeof d.code, "string");
      assert.ok(d.message.length > 0);
    }
    const severity = (code: string) => ds.find((d) => d.code === code)!.severity;
    assert.equal(severity("FS001"), 1, "errors are errors");
    assert.equal(severity("FS009"), 2, "side effects are warnings");
    assert.equal(severity("FS010"), 4, "unused outputs are hints");
    assert.deepEqual((ds.find((d) => d.code === "FS010") as { tags?: number[] }).tags, [1], "unused nodes fade out (Unnecessary)");
    assert.match(ds.find((d) => d.code === "FS001")!.message, /did you mean "dropNulls"/);
  });

  test("fixing one error in an edit publishes new diagnostics without it", async () => {
    const fixed = parseMarkers(fs.readFileSync(path.join(FIXTURES, "broken.ts.marked"), "utf8").replace("data.[|FS005:rowz|]", "data.rows"));
    client.change(brokenFile, fixed.text);
    const ds = await diagnosticsWhere(brokenFile, "diagnostics without FS005", (d) => d.length > 0 && !d.some((x) => x.code === "FS005"));
    assert.deepEqual(ds.map(codeAt).sort(), expectedCodes(fixed), show(ds));
    assert.equal(expectedCodes(fixed).length, expectedCodes(BROKEN).length - 1);
  });

  test("breaking it again brings the error back at the same range", async () => {
    client.change(brokenFile, BROKEN.text);
    const ds = await diagnosticsWhere(brokenFile, "diagnostics with FS005", (d) => d.some((x) => x.code === "FS005"));
    assert.deepEqual(ds.map(codeAt).sort(), expectedCodes(BROKEN), show(ds));
  });

  test("flowsmith check --format json reports the same codes at the same ranges, and exits 1", async () => {
    const res = await ws.cli(["check", "broken.ts", "--format", "json"]);
    assertExit(res, 1, "check broken.ts");
    const found = (JSON.parse(res.stdout) as { file: string; line: number; column: number; endLine: number; endColumn: number; code: string }[]).map((d) => {
      assert.equal(d.file, "broken.ts");
      return codeAt({ code: d.code, range: { start: { line: d.line - 1, character: d.column - 1 }, end: { line: d.endLine - 1, character: d.endColumn - 1 } } });
    });
    assert.deepEqual(found.sort(), expectedCodes(BROKEN));
  });

  test("editing an imported task module republishes the diagnostics of the flow that uses it", async () => {
    const tasksText = `import { task } from "flowsmith";\nexport const inc = task(async ({ n }: { n: number }) => ({ n: n + 1 }));\n`;
    const uses = parseMarkers(`import { workflow } from "flowsmith";
import { inc } from "./tasks";
export const wf = workflow(() => {
  const a = inc([|FS002:{ [|FS001:n|]: 1 }|]);
  return { n: a.n };
});
`);
    ws.write("deps/tasks.ts", tasksText);
    ws.write("deps/uses.ts", uses.text);
    const usesFile = ws.path("deps/uses.ts");
    const tasksFile = ws.path("deps/tasks.ts");
    client.open(usesFile, uses.text);
    assert.deepEqual(await client.diagnosticsOf(usesFile), [], "valid before the edit");
    client.open(tasksFile, tasksText);
    await client.diagnosticsOf(tasksFile);
    // As in an editor, the flow was opened well before the edit: the server's work on opening
    // (its 25 ms debounce) is over, and the edit drops the flow's cached analysis. (Edited within
    // the debounce, the flow's own timer re-analysed it and hid that nothing else did.)
    await new Promise((r) => setTimeout(r, 300));
    client.diagnostics.delete(client.uri(usesFile));
    client.change(tasksFile, tasksText.replace("{ n }: { n: number }", "{ m }: { m: number }").replace("n + 1", "m + 1"));
    const ds = await diagnosticsWhere(usesFile, "uses.ts after its task changed", (d) => d.length > 0);
    assert.deepEqual(ds.map(codeAt).sort(), expectedCodes(uses), show(ds));
    client.close(tasksFile);
    client.close(usesFile);
  });
});

// ---- custom requests -----------------------------------------------------------------------------

describe("flowsmith/flows and flowsmith/graph", () => {
  test("flowsmith/flows lists every workflow with its nodes, params and locations", async () => {
    const result = await flows();
    assert.equal(result.root, ws.dir);
    assert.equal(result.store, ws.path(".flowsmith"));
    const byTarget = new Map(result.flows.map((f) => [f.target, f]));
    for (const t of ["broken.ts#flow", "flow.ts#stats", "flow.ts#report"]) assert.ok(byTarget.has(t), `${t} in ${[...byTarget.keys()].join(", ")}`);
    const report = byTarget.get("flow.ts#report")!;
    assert.equal(report.name, "report");
    assert.equal(report.uri, client.uri(flowFile));
    assert.equal(report.description, "stats, then a total");
    assert.deepEqual(report.params, [{ name: "count", type: "number", required: false, default: 4 }]);
    assert.deepEqual(report.nodes.map((n) => n.id), ["stats/get-data", "stats/scale", "total"]);
    assert.deepEqual(report.nodes.map((n) => n.status), ["pending", "pending", "pending"]);
    const scale = report.nodes.find((n) => n.id === "stats/scale")!;
    assert.deepEqual(scale.scope, ["stats"]);
    assert.deepEqual(scale.deps, ["stats/get-data"]);
    assert.equal(scale.task, "scale");
    assert.equal(scale.taskLocation?.uri, client.uri(flowFile));
    const only = await flows(client.uri(flowFile));
    assert.deepEqual(only.flows.map((f) => f.target).sort(), ["flow.ts#report", "flow.ts#stats"]);
  });

  test("flowsmith/graph returns nodes and edges with locations; an unknown target gives null", async () => {
    const g = await graph("flow.ts#stats");
    assert.ok(g);
    assert.equal(g.target, "flow.ts#stats");
    assert.equal(g.name, "stats");
    assert.deepEqual(g.nodes.map((n) => `${n.id}:${n.task}`), ["get-data:get-data", "scale:scale"]);
    assert.deepEqual(
      g.edges.map((e) => ({ from: e.from, to: e.to, output: e.output, input: e.input })),
      [{ from: "get-data", to: "scale", output: "rows", input: "rows" }],
    );
    const edge = g.edges[0]!;
    const line = FLOW.text.split("\n").findIndex((l) => l.includes("scale({ rows: data.rows"));
    const text = FLOW.text.split("\n")[line]!;
    assert.deepEqual(edge.outputRange, {
      uri: client.uri(flowFile),
      range: { start: { line, character: text.indexOf("data.rows") }, end: { line, character: text.indexOf("data.rows") + 9 } },
    });
    assert.deepEqual(edge.inputRange, {
      uri: client.uri(flowFile),
      range: { start: { line, character: text.indexOf("rows:") }, end: { line, character: text.indexOf("rows:") + 4 } },
    });
    const node = g.nodes.find((n) => n.id === "scale")!;
    assert.equal(node.location?.uri, client.uri(flowFile));
    assert.equal(node.location?.range.start.line, line);
    assert.equal(await graph("flow.ts#nope"), null);
    assert.equal(await graph("missing.ts#flow"), null);
    assert.equal(await graph("no-hash-at-all"), null);
  });
});

// ---- editor features -----------------------------------------------------------------------------

/** Position of `export const NAME` 's name in a text. */
function nameRange(text: string, name: string): Range {
  const lines = text.split("\n");
  const line = lines.findIndex((l) => l.startsWith(`export const ${name} =`));
  assert.ok(line >= 0, `export const ${name}`);
  const character = `export const `.length;
  return { start: { line, character }, end: { line, character: character + name.length } };
}

describe("code lenses, hovers and document symbols", () => {
  test("code lenses on every workflow (Run, Reset, Graph) and every task (Run node, Reset node) with protocol command ids", async () => {
    const lenses = (await codeLenses(flowFile)) ?? [];
    const at = (r: Range) => lenses.filter((l) => JSON.stringify(l.range) === JSON.stringify(r));
    for (const wf of ["stats", "report"]) {
      const mine = at(nameRange(FLOW.text, wf));
      const commands = mine.map((l) => l.command?.command);
      for (const c of [Commands.runWorkflow, Commands.resetWorkflow, Commands.showGraph]) assert.ok(commands.includes(c), `${wf}: ${c} in ${commands.join(", ")}`);
      for (const l of mine) assert.deepEqual(l.command?.arguments?.[0]?.target, `flow.ts#${wf}`);
    }
    const taskNodes: Record<string, [string, string]> = { getData: ["flow.ts#stats", "get-data"], scale: ["flow.ts#stats", "scale"], total: ["flow.ts#report", "total"] };
    for (const [variable, [target, node]] of Object.entries(taskNodes)) {
      const mine = at(nameRange(FLOW.text, variable));
      const run = mine.find((l) => l.command?.command === Commands.runNode);
      const reset = mine.find((l) => l.command?.command === Commands.resetNode);
      assert.ok(run && reset, `${variable}: run and reset lenses in ${JSON.stringify(mine.map((l) => l.command))}`);
      assert.deepEqual(run.command?.arguments, [{ target, node }]);
      assert.deepEqual(reset.command?.arguments, [{ target, node }]);
    }
    const known = new Set<string>(Object.values(Commands));
    for (const l of lenses) assert.ok(known.has(l.command?.command ?? ""), `unknown command ${l.command?.command}`);
  });

  test("tasks defined in one module and used by a workflow in another still get lenses", async () => {
    ws.write("split/tasks.ts", `import { task } from "flowsmith";
export const double = task(async ({ n }: { n: number }) => ({ n: n * 2 }));
`);
    ws.write("split/flow.ts", `import { workflow } from "flowsmith";
import { double } from "./tasks";
export const twice = workflow(() => {
  const a = double({ n: 1 });
  const b = double({ n: a.n });
  return { n: b.n };
});
`);
    const tasksFile = ws.path("split/tasks.ts");
    client.open(tasksFile, ws.read("split/tasks.ts"));
    await client.diagnosticsOf(tasksFile);
    const lenses = (await codeLenses(tasksFile)) ?? [];
    const run = lenses.find((l) => l.command?.command === Commands.runNode);
    assert.ok(run, `a Run lens on task double (lenses: ${JSON.stringify(lenses.map((l) => l.command))})`);
    assert.deepEqual(run.command?.arguments, [{ target: "split/flow.ts#twice", node: "double" }]);
    client.close(tasksFile);
  });

  test("a workflow that is not exported gets no Run or Reset lens (the CLI cannot address it)", async () => {
    const text = `import { task, workflow } from "flowsmith";
export const inc = task(async ({ n }: { n: number }) => ({ n: n + 1 }));
export const shown = workflow(() => {
  const a = inc({ n: 1 });
  return { n: a.n };
});
const hidden = workflow(() => {
  const a = inc({ n: 2 });
  return { n: a.n };
});
void hidden;
`;
    ws.write("hidden.ts", text);
    const file = ws.path("hidden.ts");
    client.open(file, text);
    await client.diagnosticsOf(file);
    const lenses = (await codeLenses(file)) ?? [];
    const targets = lenses.filter((l) => l.command?.command === Commands.runWorkflow || l.command?.command === Commands.resetWorkflow).map((l) => l.command?.arguments?.[0]?.target);
    assert.deepEqual([...new Set(targets)], ["hidden.ts#shown"]);
    for (const l of lenses) assert.notEqual(l.command?.arguments?.[0]?.target, "hidden.ts#hidden", `lens ${l.command?.title} targets an unexported workflow`);
    const res = await ws.cli(["preview", "hidden.ts#hidden"]);
    assertExit(res, 2, "preview of an unexported workflow");
    client.close(file);
  });

  test("hover on a node call shows the node, its task with signature and its status; elsewhere nothing", async () => {
    assert.equal(FLOW.cursors.length, 3, "flow.ts.marked has three cursors");
    const [onScale, onTotal, nowhere] = FLOW.cursors;
    const h = await hover(flowFile, onScale!);
    assert.ok(h, "a hover on scale(…)");
    const text = typeof h.contents === "string" ? h.contents : h.contents.value;
    assert.match(text, /node `scale`/);
    assert.match(text, /task `scale`/);
    assert.match(text, /rows: number\[\]; factor: number/);
    assert.match(text, /pending/);
    const line = FLOW.text.split("\n")[onScale!.line]!;
    assert.deepEqual(h.range, { start: { line: onScale!.line, character: line.indexOf("scale(") }, end: { line: onScale!.line, character: line.indexOf(");") + 1 } });
    const t = await hover(flowFile, onTotal!);
    assert.match(typeof t?.contents === "string" ? t.contents : (t?.contents.value ?? ""), /task `total`/);
    assert.equal(await hover(flowFile, nowhere!), null);
  });

  test("document symbols list workflows (with their nodes) and tasks", async () => {
    const syms = (await symbols(flowFile)) ?? [];
    const names = syms.map((s) => s.name).sort();
    assert.deepEqual(names, ["get-data", "report", "scale", "stats", "total"]);
    const stats = syms.find((s) => s.name === "stats")!;
    assert.deepEqual(stats.children?.map((c) => c.name), ["get-data", "scale"]);
    assert.deepEqual(syms.find((s) => s.name === "report")!.children?.map((c) => c.name), ["total"]);
    assert.equal(syms.find((s) => s.name === "scale")!.kind, 12 /* Function */);
    assert.deepEqual(stats.selectionRange, nameRange(FLOW.text, "stats"));
  });

  test("document symbols are well-formed: selectionRange inside range, children inside their parent", async () => {
    // VS Code rejects a DocumentSymbol whose selectionRange is not contained in its range
    // ("selectionRange must be contained in fullRange"), which breaks the outline and breadcrumbs.
    const syms = (await symbols(flowFile)) ?? [];
    const bad: string[] = [];
    const check = (s: DocumentSymbol, parent?: DocumentSymbol) => {
      if (!contains(s.range, s.selectionRange)) bad.push(`${s.name}: selectionRange ${JSON.stringify(s.selectionRange)} not in range ${JSON.stringify(s.range)}`);
      if (parent && !contains(parent.range, s.range)) bad.push(`${s.name}: not inside ${parent.name}`);
      for (const c of s.children ?? []) check(c, s);
    };
    for (const s of syms) check(s);
    assert.deepEqual(bad, []);
  });
});

// ---- statuses: a real run, a reset, an edit --------------------------------------------------------

describe("statuses follow the store and the code, and equal flowsmith preview", () => {
  test("a CLI run sends flowsmith/didChangeStatus and the graph becomes complete", async () => {
    const since = client.statusNotifications.length;
    await runOk(ws, ["flow.ts#report"]);
    await statusNotification("flow.ts#report", since);
    assert.deepEqual(await assertGraphEqualsPreview("flow.ts#report", "after a run"), { "stats/get-data": "complete", "stats/scale": "complete", total: "complete" });
    // The sub-flow on its own was never run with these params: whatever preview says, the graph says.
    await assertGraphEqualsPreview("flow.ts#stats", "stats after running report");
    const g = (await graph("flow.ts#report"))!;
    for (const n of g.nodes) {
      assert.equal(n.lastRun?.status, "complete", n.id);
      assert.match(n.lastRun?.cacheKey ?? "", /^[0-9a-f]{64}$/, `${n.id} cache key`);
      assert.equal(typeof n.lastRun?.durationMs, "number");
    }
  });

  test("hover and lenses show the run: complete, cache key, last duration", async () => {
    const h = await hover(flowFile, FLOW.cursors[1]!);
    const text = typeof h?.contents === "string" ? h.contents : (h?.contents.value ?? "");
    assert.match(text, /\*\*complete\*\*/);
    assert.match(text, /cache key `[0-9a-f]{16}`/);
    assert.match(text, /last run `\d{8}-\d{6}-[0-9a-f]{6}`/);
    const lenses = (await codeLenses(flowFile)) ?? [];
    const status = lenses.filter((l) => JSON.stringify(l.range) === JSON.stringify(nameRange(FLOW.text, "report"))).map((l) => l.command?.title ?? "");
    assert.ok(status.some((t) => /3 complete/.test(t) && /last run/.test(t)), `a status lens on report: ${status.join(" | ")}`);
    const total = lenses.filter((l) => JSON.stringify(l.range) === JSON.stringify(nameRange(FLOW.text, "total"))).map((l) => l.command?.title ?? "");
    assert.ok(total.some((t) => /complete · \d+ ms/.test(t)), `a status lens with the duration on total: ${total.join(" | ")}`);
  });

  test("after reset NODE --downstream the graph equals preview", async () => {
    const since = client.statusNotifications.length;
    assertExit(await ws.cli(["reset", "flow.ts#report:stats/scale", "--downstream", "--yes"]), 0, "reset");
    await statusNotification("flow.ts#report", since);
    assert.deepEqual(await assertGraphEqualsPreview("flow.ts#report", "after reset"), { "stats/get-data": "complete", "stats/scale": "pending", total: "pending" });
    await runOk(ws, ["flow.ts#report"]);
    assert.deepEqual(await assertGraphEqualsPreview("flow.ts#report", "after a second run"), { "stats/get-data": "complete", "stats/scale": "complete", total: "complete" });
  });

  test("after editing a task's code (didChange) the graph equals preview: the node and its downstream are stale, with FS012", async () => {
    const edited = FLOW.text.replace("rows: rows.map((r) => r * factor),", "rows: rows.map((r) => r * factor + 0),");
    assert.notEqual(edited, FLOW.text);
    client.open(flowFile, FLOW.text);
    await client.diagnosticsOf(flowFile);
    const since = client.statusNotifications.length;
    ws.write("flow.ts", edited); // what preview reads
    client.change(flowFile, edited); // what the editor has
    const ds = await diagnosticsWhere(flowFile, "FS012 after the edit", (d) => d.some((x) => x.code === "FS012"));
    assert.ok(ds.every((d) => d.code === "FS012" && d.severity === 3), show(ds));
    await statusNotification("flow.ts#report", since);
    assert.deepEqual(await assertGraphEqualsPreview("flow.ts#report", "after a task edit"), { "stats/get-data": "complete", "stats/scale": "stale", total: "stale" });
    await assertGraphEqualsPreview("flow.ts#stats", "stats after a task edit");
  });

  test("undoing the edit makes them complete again and clears FS012", async () => {
    ws.write("flow.ts", FLOW.text);
    client.change(flowFile, FLOW.text);
    await diagnosticsWhere(flowFile, "no FS012 after the undo", (d) => d.length === 0);
    assert.deepEqual(await assertGraphEqualsPreview("flow.ts#report", "after undo"), { "stats/get-data": "complete", "stats/scale": "complete", total: "complete" });
  });

  test("after editing a literal input in the body (didChange) the graph equals preview", async () => {
    const edited = FLOW.text.replace("factor: 3", "factor: 4");
    ws.write("flow.ts", edited);
    client.change(flowFile, edited);
    await client.diagnosticsOf(flowFile);
    try {
      await assertGraphEqualsPreview("flow.ts#report", "after changing factor: 3 to factor: 4");
    } finally {
      ws.write("flow.ts", FLOW.text);
      client.change(flowFile, FLOW.text);
      await client.diagnosticsOf(flowFile);
    }
  });
});

// ---- robustness ----------------------------------------------------------------------------------

describe("the server keeps answering", () => {
  test("through a syntax error", async () => {
    const text = BROKEN.text.replace("const data = load({ url });", "const data = load({ url ;;; }}} ) (");
    client.change(brokenFile, text);
    await client.diagnosticsOf(brokenFile);
    await everyRequestAnswers(brokenFile, ["broken.ts#flow"]);
  });

  test("through half-typed code", async () => {
    const halves = [
      `${BROKEN.text.slice(0, BROKEN.text.indexOf("    return { model"))}    const x = clean({ rows: data.`,
      `import { task, workflow } from "flowsmith";\nexport const wf = workflow(() => {\n  const x = clean({ rows: data.`,
      `import { task, workflow } from "flowsmith";\nexport const t = task(async ({ n }: { n: number }) => ({ n }));\nexport const wf = workflow(() => {\n  const a = t({ n: 1 });\n  const b = t({ n: a.`,
      `import { task, workflow } from "flowsmith";\nexport const wf = workflow(`,
      `import { task, workflow } from "flo`,
      "",
    ];
    for (const half of halves) {
      client.change(brokenFile, half);
      await client.diagnosticsOf(brokenFile);
      await everyRequestAnswers(brokenFile, ["broken.ts#flow", "broken.ts#wf"]);
    }
    client.change(brokenFile, BROKEN.text);
    const ds = await diagnosticsWhere(brokenFile, "the broken fixture's diagnostics again", (d) => d.length > 0);
    assert.deepEqual(ds.map(codeAt).sort(), expectedCodes(BROKEN), show(ds));
  });

  test("through a file deleted while open", async () => {
    const rel = "gone.ts";
    const file = ws.path(rel);
    ws.write(rel, FLOW.text);
    client.open(file, FLOW.text);
    await client.diagnosticsOf(file);
    fs.unlinkSync(file);
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: client.uri(file), type: 3 }] });
    await everyRequestAnswers(file, ["gone.ts#report", "gone.ts#stats"]);
    client.diagnostics.delete(client.uri(file));
    client.close(file);
    await diagnosticsWhere(file, "gone.ts cleared after close", (d) => d.length === 0);
    await everyRequestAnswers(file, ["gone.ts#report"]);
    assert.equal(await graph("gone.ts#report"), null, "a deleted file has no workflows");
    assert.ok(!(await flows()).flows.some((f) => f.target.startsWith("gone.ts#")), "flowsmith/flows no longer lists it");
  });

  test("through a deleted module that an open flow imports", async () => {
    ws.write("dep/tasks.ts", `import { task } from "flowsmith";\nexport const inc = task(async ({ n }: { n: number }) => ({ n: n + 1 }));\n`);
    const flowText = `import { workflow } from "flowsmith";\nimport { inc } from "./tasks";\nexport const wf = workflow(() => {\n  const a = inc({ n: 1 });\n  return { n: a.n };\n});\n`;
    ws.write("dep/flow.ts", flowText);
    const file = ws.path("dep/flow.ts");
    client.open(file, flowText);
    await client.diagnosticsOf(file);
    assert.deepEqual((await graph("dep/flow.ts#wf"))?.nodes.map((n) => n.id), ["inc"]);
    fs.unlinkSync(ws.path("dep/tasks.ts"));
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: client.uri(ws.path("dep/tasks.ts")), type: 3 }] });
    await everyRequestAnswers(file, ["dep/flow.ts#wf"]);
    client.close(file);
  });

  test("the process is alive and answers after all of it", async () => {
    alive();
    const g = await graph("flow.ts#report");
    assert.deepEqual(g?.nodes.map((n) => n.id), ["stats/get-data", "stats/scale", "total"]);
  });
});
