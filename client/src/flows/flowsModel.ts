/**
 * Every workflow of the workspace with its nodes and statuses, from the server's `flowsmith/flows`,
 * re-requested on `flowsmith/didChangeStatus`. While a run started from the editor goes on, its
 * NDJSON events override node statuses, so the views move before the store is re-read.
 */
import * as vscode from "vscode";
import { type FlowInfo, type FlowNode, type FlowsParams, type FlowsResult, type NodeStatus } from "@flowsmith/contract";
import { FlowsRequest } from "@flowsmith/contract/lsp";
import type { FlowsmithServer } from "../server";
import type { LiveNode, LiveRun, RunManager } from "../runs/runManager";
import { Refresher } from "../util/refresher";

export interface LiveNodeOfRun extends LiveNode {
  runId?: string;
}

export type FlowsState = "loading" | "ready" | "noServer" | "error";

export class FlowsModel implements vscode.Disposable {
  state: FlowsState = "loading";
  error: string | undefined;
  private result: FlowsResult | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly refresher = new Refresher(() => this.load());
  private lastLoaded = 0;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly server: FlowsmithServer, private readonly runs: RunManager) {
    this.disposables.push(
      server.onDidChangeState((s) => {
        if (s === "running") void this.refresh();
        else if (s === "missing" || s === "failed") this.setState("noServer", `the language server is ${s}`);
      }),
      server.onDidChangeStatus(() => this.scheduleRefresh()),
      runs.onDidChange(() => this.changed.fire()),
      runs.onDidFinish(() => this.scheduleRefresh(50)),
    );
  }

  /** Absolute root the targets are relative to, once the server told us. */
  root(): string | undefined {
    return this.result?.root;
  }

  store(): string | undefined {
    return this.result?.store;
  }

  /** No answer yet, or the server's first sweep of the workspace is still going on. */
  scanning(): boolean {
    return this.state === "loading" || this.result?.scanning === true;
  }

  /** Workflows with live run statuses applied. */
  flows(): FlowInfo[] {
    const flows = this.result?.flows ?? [];
    const overrides = this.liveOverrides();
    if (overrides.size === 0) return flows;
    return flows.map((f) => {
      const live = overrides.get(f.target);
      return live ? { ...f, nodes: applyLive(f.nodes, live) } : f;
    });
  }

  /** A workflow by its target (and root, in a multi-root workspace where targets can repeat). */
  find(target: string, root?: string): FlowInfo | undefined {
    return this.flows().find((f) => f.target === target && (!root || f.root === root));
  }

  /** Live node statuses of a target from runs that are going on (or just ended and not re-read yet). */
  liveNodes(target: string): Map<string, LiveNodeOfRun> | undefined {
    return this.liveOverrides().get(target);
  }

  scheduleRefresh(delayMs = 150): void {
    this.refresher.schedule(delayMs);
  }

  /** Re-requests the flows; concurrent calls share one request (and one follow-up). */
  refresh(): Promise<void> {
    return this.refresher.refresh();
  }

  private async load(): Promise<void> {
    if (this.server.state !== "running") {
      if (this.server.state === "missing" || this.server.state === "failed") this.setState("noServer", `the language server is ${this.server.state}`);
      return;
    }
    const started = Date.now();
    try {
      const result = await this.server.request<FlowsParams, FlowsResult>(FlowsRequest.type, {});
      // The server notifies often while runs go on; redrawing an unchanged tree would replace its
      // items under the user's pointer (an inline button clicked mid-refresh loses its item).
      const unchanged = this.state === "ready" && this.runs.active().length === 0 && JSON.stringify(result) === JSON.stringify(this.result);
      this.result = result;
      this.lastLoaded = started;
      if (!unchanged) this.setState("ready", undefined);
    } catch (e) {
      this.setState("error", e instanceof Error ? e.message : String(e));
    }
  }

  private setState(state: FlowsState, error: string | undefined): void {
    this.state = state;
    this.error = error;
    this.changed.fire();
  }

  private liveOverrides(): Map<string, Map<string, LiveNodeOfRun>> {
    const out = new Map<string, Map<string, LiveNodeOfRun>>();
    // Oldest first so a newer run of the same target wins.
    for (const run of [...this.runs.all()].reverse()) {
      if (!isRelevant(run, this.lastLoaded)) continue;
      const nodes = out.get(run.request.target) ?? new Map<string, LiveNodeOfRun>();
      for (const n of run.nodes.values()) if (n.variant === undefined || n.variant === 0) nodes.set(n.id, { ...n, runId: run.runId });
      out.set(run.request.target, nodes);
    }
    return out;
  }

  dispose(): void {
    this.refresher.dispose();
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}

/** A run's statuses count until the flows were re-read after it finished. */
function isRelevant(run: LiveRun, lastLoaded: number): boolean {
  if (run.status === "starting" || run.status === "running") return true;
  return run.finishedAt !== undefined && run.finishedAt >= lastLoaded;
}

const LIVE_WINS: ReadonlySet<NodeStatus> = new Set(["running", "complete", "failed", "stopped", "skipped"]);

/** Node statuses (and, for finished nodes, their last run) from a run's events. */
function applyLive(nodes: FlowNode[], live: Map<string, LiveNodeOfRun>): FlowNode[] {
  return nodes.map((n) => {
    const l = live.get(n.id);
    if (!l || !LIVE_WINS.has(l.status)) return n;
    const finished = l.status !== "running" && l.runId && !l.cached;
    const lastRun = finished
      ? { runId: l.runId!, status: l.status, durationMs: l.durationMs, finishedAt: l.finishedAt, error: l.error, cacheKey: n.lastRun?.cacheKey }
      : n.lastRun;
    return { ...n, status: l.status, lastRun };
  });
}
