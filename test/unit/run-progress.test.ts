/**
 * Issue 24 item 7: one source of truth for a live run's progress. The same NDJSON events (a matrix
 * run: six nodes, one of them found complete) go through the path RunManager takes (NdjsonSplitter →
 * isRunEvent → applyRunEvent), and after each event the Runs view's item, the progress notification
 * and the status bar must say the same count: done/total of the run-started event's nodes.
 * Part 1 reads the vscode-free module (client/src/runs/liveRun.ts); part 2 builds the real Runs
 * view items and the real notification and status bar with a stub of the `vscode` module (as
 * security-client.test.ts does), fed with the same events. Also: variants named by their params
 * in the Runs view and the run log (issue 24 item 3).
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { NdjsonSplitter } from "../../client/src/util/ndjson.ts";
import { isRunEvent, type RunEvent } from "@flowsmith/contract";
import { applyRunEvent, finishRun, liveNodeLabel, newLiveRun, progressMessage, progressText, runProgress, type LiveRun } from "../../client/src/runs/liveRun.ts";
import { formatRunEvent } from "../../client/src/runs/runLogFormat.ts";
import { installVscodeStub } from "./helpers/vscodeStub.ts";

const RUN = "20261206-185823-73584e";
const ev = (e: Record<string, unknown>) => JSON.stringify({ runId: RUN, ...e });
const node = (id: string, variant: number, deps: string[]) => ({ id, variant, task: id, deps, status: "pending" });

/** What `flowsmith run pipeline.ts#pipeline --matrix doPreprocess=true,false --events ndjson` streams. */
const STREAM = [
  ev({
    type: "run-started",
    target: "pipeline.ts#pipeline",
    pid: 1,
    paramSets: [{ count: 10, doPreprocess: true }, { count: 10, doPreprocess: false }],
    variantNames: ["doPreprocess=true", "doPreprocess=false"],
    nodes: [
      node("get-data", 0, []), node("preprocess", 0, ["get-data"]), node("train", 0, ["preprocess"]),
      node("get-data", 1, []), node("preprocess", 1, ["get-data"]), node("train", 1, ["preprocess"]),
    ],
  }),
  ev({ type: "node-started", node: "get-data", variant: 0, attempt: 1 }),
  ev({ type: "node-log", node: "get-data", variant: 0, line: "generating 10 rows" }),
  ev({ type: "node-finished", node: "get-data", variant: 0, status: "complete", durationMs: 7, attempts: 1 }),
  ev({ type: "node-finished", node: "get-data", variant: 1, status: "complete", cached: true, durationMs: 0, attempts: 0 }),
  ev({ type: "node-started", node: "preprocess", variant: 0, attempt: 1 }),
  ev({ type: "node-started", node: "preprocess", variant: 1, attempt: 1 }),
  ev({ type: "node-finished", node: "preprocess", variant: 0, status: "complete", durationMs: 1, attempts: 1 }),
  ev({ type: "node-finished", node: "preprocess", variant: 1, status: "complete", durationMs: 4, attempts: 1 }),
  ev({ type: "node-started", node: "train", variant: 0, attempt: 1 }),
  ev({ type: "node-progress", node: "train", variant: 0, fraction: 0.5 }),
  ev({ type: "node-started", node: "train", variant: 1, attempt: 1 }),
  ev({ type: "node-finished", node: "train", variant: 0, status: "complete", durationMs: 1, attempts: 1 }),
  ev({ type: "node-finished", node: "train", variant: 1, status: "failed", durationMs: 3, attempts: 1, error: "boom" }),
  ev({
    type: "run-finished",
    status: "failed",
    durationMs: 42,
    summary: { scheduled: 6, completeEncountered: 1, ranSuccessfully: 4, failed: 1, stopped: 0, skipped: 0, leftPending: 0 },
  }),
];

/** The count after each event of STREAM (before any: the run has not listed its nodes). */
const EXPECTED = ["starting…", "0/6", "0/6", "0/6", "1/6", "2/6", "2/6", "2/6", "3/6", "4/6", "4/6", "4/6", "4/6", "5/6", "6/6", "6/6"];

/** Feed STREAM, split across chunks as a pipe would, calling `after` once before and after each event as RunManager does. */
function feed(run: LiveRun, afterEach: (event: RunEvent | undefined) => void): void {
  afterEach(undefined);
  const splitter = new NdjsonSplitter(
    (value) => {
      if (!isRunEvent(value)) return;
      applyRunEvent(run, value);
      if (value.type === "run-finished") finishRun(run, value.status);
      afterEach(value);
    },
    () => assert.fail("no text lines in the stream"),
  );
  const text = `${STREAM.join("\n")}\n`;
  for (let i = 0; i < text.length; i += 97) splitter.push(text.slice(i, i + 97));
  splitter.end();
}

const newRun = (): LiveRun => newLiveRun(1, { target: "pipeline.ts#pipeline" }, new Promise(() => {}), Date.now());

describe("live run progress (client/src/runs/liveRun.ts)", () => {
  test("done/total over the run-started node list, variants included, after each event", () => {
    const run = newRun();
    const seen: string[] = [];
    feed(run, () => seen.push(progressText(runProgress(run))));
    assert.deepEqual(seen, EXPECTED);
    assert.equal(run.status, "failed");
    assert.equal(run.summary?.failed, 1);
  });

  test("running nodes are named by their variant's params", () => {
    const run = newRun();
    const messages: string[] = [];
    feed(run, () => messages.push(progressMessage(runProgress(run))));
    assert.equal(messages[12], "4/6 · train[doPreprocess=true], train[doPreprocess=false]");
    assert.deepEqual([...run.nodes.values()].map((n) => liveNodeLabel(run, n)), [
      "get-data[doPreprocess=true]", "preprocess[doPreprocess=true]", "train[doPreprocess=true]",
      "get-data[doPreprocess=false]", "preprocess[doPreprocess=false]", "train[doPreprocess=false]",
    ]);
  });

  test("an event for a node the run did not list changes no count", () => {
    const run = newRun();
    applyRunEvent(run, JSON.parse(STREAM[0]!) as RunEvent);
    assert.equal(applyRunEvent(run, { type: "node-finished", runId: RUN, node: "ghost", status: "complete", attempts: 1 }), false);
    assert.deepEqual(runProgress(run), { known: true, done: 0, total: 6, running: [] });
  });

  test("the run log names variants as the CLI does", () => {
    const names = ["doPreprocess=true", "doPreprocess=false"];
    const at = new Date(2026, 10, 22, 12, 0, 1);
    const started = JSON.parse(STREAM[0]!) as RunEvent;
    assert.match(formatRunEvent(started, at)[0]!, /STARTED 6 nodes matrix of 2 param sets \[doPreprocess=true\] \[doPreprocess=false\]$/);
    assert.deepEqual(formatRunEvent(JSON.parse(STREAM[11]!) as RunEvent, at, names), ["12:00:01 [train[doPreprocess=false]] STARTED"]);
    assert.deepEqual(formatRunEvent({ type: "node-started", runId: RUN, node: "train", attempt: 1 }, at), ["12:00:01 [train] STARTED"]);
  });
});

// ---- part 2: the real consumers, with a stub of `vscode` ---------------------------------------------

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const req = createRequire(import.meta.url);
const reports: { increment?: number; message?: string }[] = [];
const statusItem = { text: "", tooltip: "", command: undefined as unknown, name: "", show() {}, hide() {}, dispose() {} };
class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();
  readonly event = (listener: (value: T) => void) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }
  dispose(): void {
    this.listeners.clear();
  }
}
const vscodeStub = {
  TreeItem: class {
    description?: string;
    constructor(public label: string, public collapsibleState?: number) {}
  },
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  ThemeIcon: class {
    constructor(readonly id: string, readonly color?: unknown) {}
  },
  ThemeColor: class {
    constructor(readonly id: string) {}
  },
  MarkdownString: class {
    value = "";
    appendMarkdown(t: string) {
      this.value += t;
      return this;
    }
    appendText(t: string) {
      this.value += t;
      return this;
    }
    appendCodeblock(t: string) {
      this.value += t;
      return this;
    }
  },
  ProgressLocation: { Notification: 15 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  EventEmitter: Emitter,
  window: {
    withProgress: (_options: unknown, task: (p: { report(r: { increment?: number; message?: string }): void }, token: { onCancellationRequested(): void }) => Promise<unknown>) =>
      task({ report: (r) => reports.push(r) }, { onCancellationRequested: () => {} }),
    createStatusBarItem: () => statusItem,
    setStatusBarMessage: () => {},
    showErrorMessage: () => Promise.resolve(undefined),
  },
  commands: { executeCommand: () => Promise.resolve() },
};
installVscodeStub(vscodeStub, "run-progress");

describe("the Runs view, the notification and the status bar read one count", () => {
  test("fed the same events, all three say the same done/total after each", () => {
    const items = req("../../client/src/views/runItems.ts") as typeof import("../../client/src/views/runItems.ts");
    const { showRunProgress } = req("../../client/src/runs/runProgress.ts") as typeof import("../../client/src/runs/runProgress.ts");
    const { registerRunStatusBar } = req("../../client/src/runs/statusBar.ts") as typeof import("../../client/src/runs/statusBar.ts");

    const run = newRun();
    const changed = new Emitter<LiveRun>();
    const manager = { onDidChange: changed.event, active: () => (run.status === "starting" || run.status === "running" ? [run] : []), stop: async () => {} };
    reports.length = 0;
    showRunProgress(run, manager as never);
    registerRunStatusBar({ subscriptions: [] } as never, manager as never);

    const view: string[] = [];
    const notification: string[] = [];
    const statusBar: string[] = [];
    feed(run, (event) => {
      if (event?.type === "node-log") return; // RunManager fires no change for log lines
      changed.fire(run);
      const item = new items.RunItem(items.viewOfLive(run));
      view.push(String(item.description).split(" · ")[0]!);
      notification.push(reports.at(-1)?.message?.split(" · ")[0] ?? "");
      statusBar.push(/ (\S+)$/.exec(statusItem.text)?.[1] ?? "");
    });
    // While the run goes on (the last entry is after run-finished: the view says "failed").
    const live = EXPECTED.filter((_, i) => i !== 3).slice(0, -1);
    assert.deepEqual(view.slice(0, -1), live, "Runs view");
    assert.deepEqual(notification.slice(0, -1), live, "notification");
    assert.deepEqual(statusBar.slice(0, -1), live, "status bar");
    assert.equal(view.at(-1), "failed");

    // Its node items are named by their params, not by an index.
    const labels = items.viewOfLive(run).nodes.map((n) => new items.RunNodeItem(items.viewOfLive(run), n).label);
    assert.deepEqual(labels.slice(3), ["get-data[doPreprocess=false]", "preprocess[doPreprocess=false]", "train[doPreprocess=false]"]);
  });

  test("a run from the history (not started here) counts its record's nodes the same way and names its variants", () => {
    const items = req("../../client/src/views/runItems.ts") as typeof import("../../client/src/views/runItems.ts");
    const record = {
      format: 1, id: RUN, target: "pipeline.ts#pipeline", paramSets: [{ doPreprocess: true }, { doPreprocess: false }], config: {},
      status: "running" as const, pid: 1, startedAt: new Date().toISOString(),
      nodes: [
        { id: "train", variant: 0, task: "train", status: "complete" as const, fingerprint: "f", deps: [], attempts: 1 },
        { id: "train", variant: 1, task: "train", status: "running" as const, fingerprint: "f", deps: [], attempts: 1 },
      ],
    };
    const view = items.viewOfRecord(record);
    assert.equal(String(new items.RunItem(view).description).split(" · ")[0], "1/2");
    assert.equal(new items.RunNodeItem(view, view.nodes[1]!).label, "train[doPreprocess=false]");
  });
});
