/**
 * The extension's view of a cluster (issue 20 item 5), as plain code: what `workers --format json`
 * becomes, what the status bar says about where runs go, and the worker a node ran on carried from
 * the run's events into the Runs view's node line (with the vscode stub, as run-progress does).
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import type { WorkerInfo } from "@flowsmith/contract";
import { destinationText, parseWorkers, workerDescription } from "../../client/src/cluster/workers.ts";
import { applyRunEvent, finishRun, newLiveRun } from "../../client/src/runs/liveRun.ts";
import { installVscodeStub } from "./helpers/vscodeStub.ts";

const worker = (id: string, running: number): WorkerInfo => ({
  id,
  host: "box",
  pid: 100 + running,
  concurrency: 4,
  running: Array.from({ length: running }, (_, i) => ({ runId: "r1", node: `n${i}`, task: "t", startedAt: "2026-12-06T10:00:00Z" })),
  startedAt: "2026-12-06T09:00:00Z",
  lastSeen: "2026-12-06T10:00:01Z",
  store: "/work/.flowsmith",
});

test("workers --format json: a list of workers; anything else is a line naming what is wrong", () => {
  assert.deepEqual(parseWorkers(JSON.stringify([worker("a", 1), worker("b", 0)])), [worker("a", 1), worker("b", 0)]);
  assert.deepEqual(parseWorkers("[]"), []);
  assert.match(parseWorkers("flowsmith: error: …") as string, /did not print JSON/);
  assert.match(parseWorkers("{}") as string, /did not print a list/);
  // A worker written without its running list (an older CLI) still shows.
  assert.deepEqual((parseWorkers(JSON.stringify([{ ...worker("c", 0), running: undefined }])) as WorkerInfo[])[0]!.running, []);
});

test("the status bar says where Run sends runs, with the live worker count", () => {
  const url = "redis://127.0.0.1:6390";
  assert.equal(destinationText("local", { kind: "none" }).text, "$(vm) Flowsmith: local");
  assert.match(destinationText("local", { kind: "live", url, workers: [] }).tooltip, /click to send runs to the cluster at redis:\/\/127\.0\.0\.1:6390/);
  assert.equal(destinationText("cluster", { kind: "live", url, workers: [worker("a", 2), worker("b", 1)] }).text, "$(cloud) Flowsmith: cluster · 2 workers");
  assert.match(destinationText("cluster", { kind: "live", url, workers: [worker("a", 2), worker("b", 1)] }).tooltip, /2 live workers, 3 nodes running/);
  assert.equal(destinationText("cluster", { kind: "live", url, workers: [worker("a", 0)] }).text, "$(cloud) Flowsmith: cluster · 1 worker");
  const down = destinationText("cluster", { kind: "unreachable", url, error: "cannot reach the cluster's Redis (ECONNREFUSED)" });
  assert.equal(down.text, "$(warning) Flowsmith: cluster unreachable");
  assert.match(down.tooltip, /ECONNREFUSED/);
  assert.equal(workerDescription(worker("a", 3)).description, "3/4 running");
});

installVscodeStub(
  {
    TreeItem: class {
      description?: string;
      tooltip?: unknown;
      constructor(public label: string, public collapsibleState?: number) {}
    },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    EventEmitter: class {
      readonly event = () => ({ dispose() {} });
      fire() {}
      dispose() {}
    },
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
    },
  },
  "client-cluster",
);

test("the worker of node-started reaches the Runs view's node line", () => {
  const run = newLiveRun(1, { target: "p.ts#p", cluster: "redis://127.0.0.1:6390" }, new Promise(() => {}), Date.now());
  const base = { runId: "20261206-101010-abcdef" };
  applyRunEvent(run, { ...base, type: "run-started", target: "p.ts#p", pid: 1, paramSets: [{}], nodes: [{ id: "train", task: "train", deps: [], status: "pending" }] });
  applyRunEvent(run, { ...base, type: "node-started", node: "train", attempt: 1, worker: "box:4242:ab12" });
  assert.equal(run.nodes.get("train")!.worker, "box:4242:ab12");
  const req = createRequire(import.meta.url);
  const { RunNodeItem, viewOfLive } = req("../../client/src/views/runItems.ts") as typeof import("../../client/src/views/runItems.ts");
  const view = viewOfLive(run);
  const item = new RunNodeItem(view, view.nodes[0]!);
  assert.match(String(item.description), /on box:4242:ab12/);
  assert.match(String(item.tooltip), /worker: box:4242:ab12/);
});

test("a finished run is shown from its record only once the history read it finished (not a snapshot from mid-run)", () => {
  const req = createRequire(import.meta.url);
  const { RunsTreeProvider } = req("../../client/src/views/runsTree.ts") as typeof import("../../client/src/views/runsTree.ts");
  const run = newLiveRun(1, { target: "p.ts#p" }, new Promise(() => {}), Date.now());
  const runId = "20261206-101010-abcdef";
  applyRunEvent(run, { runId, type: "run-started", target: "p.ts#p", pid: 1, paramSets: [{}], nodes: [{ id: "train", task: "train", deps: [], status: "pending" }] });
  applyRunEvent(run, { runId, type: "node-started", node: "train", attempt: 1, worker: "box:1:aa" });
  applyRunEvent(run, { runId, type: "node-finished", node: "train", status: "complete", attempts: 1, durationMs: 5 });
  applyRunEvent(run, { runId, type: "run-finished", status: "complete", durationMs: 9, summary: { scheduled: 1, completeEncountered: 0, ranSuccessfully: 1, failed: 0, stopped: 0, skipped: 0, leftPending: 0 } });
  finishRun(run, "complete");
  const snapshot = { format: 1, id: runId, target: "p.ts#p", paramSets: [{}], config: {}, status: "running", pid: 1, startedAt: new Date().toISOString(),
    nodes: [{ id: "train", task: "train", status: "pending", fingerprint: "f", deps: [], attempts: 0 }] };
  const history = { records: [snapshot], find: (id: string) => history.records.find((r) => r.id === id), onDidChange: () => ({ dispose() {} }) };
  const runs = { all: () => [run], onDidChange: () => ({ dispose() {} }) };
  const tree = new RunsTreeProvider(runs as never, history as never, () => []);
  let views = tree.views();
  assert.equal(views.length, 1);
  assert.equal(views[0]!.nodes[0]!.worker, "box:1:aa", "the live run, not the mid-run snapshot");
  assert.equal(views[0]!.nodes[0]!.status, "complete");
  history.records = [{ ...snapshot, status: "complete", nodes: [{ ...snapshot.nodes[0]!, status: "complete", worker: "box:1:aa" } as never] }];
  views = tree.views();
  assert.equal(views.length, 1);
  assert.equal(views[0]!.live, undefined, "the finished record once the history has it");
  assert.equal(views[0]!.nodes[0]!.worker, "box:1:aa");
});
