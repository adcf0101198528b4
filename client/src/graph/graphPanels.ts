/**
 * Graph webviews, one per workflow: fed by `flowsmith/graph`, re-requested on didChangeStatus (the
 * viewport is kept), with live statuses from runs in between. Clicks in the webview come back as
 * messages: reveal a node's call or its task's definition, run or reset from a node. A node's context
 * menu (package.json `webview/context`, `webviewSection == node`) calls the commands registered here.
 */
import * as vscode from "vscode";
import { Commands, targetLabel, type GraphParams, type GraphResult } from "@flowsmith/contract";
import { GraphRequest } from "@flowsmith/contract/lsp";
import type { FlowsmithServer } from "../server";
import type { FlowsModel } from "../flows/flowsModel";
import type { RunManager } from "../runs/runManager";
import type { DrawnCluster, DrawnDynamic, DrawnMappedEdge, FromWebview, LiveStatus, ToWebview } from "./messages";
import { graphHtml } from "./html";
import { revealLocation } from "../util/revealLocation";

export interface RenderInfo {
  nodes: number;
  edges: number;
  layoutMs: number;
  statuses: Record<string, string>;
  /** A composition's clusters and mapped edges as the webview drew them. */
  clusters?: DrawnCluster[];
  mapped?: DrawnMappedEdge[];
  /** The dynamic shapes (map counts, when diamonds, branch edge labels, asset chips) as drawn. */
  dynamic?: DrawnDynamic;
}

export class GraphPanel implements vscode.Disposable {
  readonly panel: vscode.WebviewPanel;
  graph: GraphResult | undefined;
  rendered: RenderInfo | undefined;
  private readonly renderedEmitter = new vscode.EventEmitter<RenderInfo>();
  /** Fires when the webview has drawn a graph or new statuses (for tests). */
  readonly onDidRender = this.renderedEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private statusTimer: NodeJS.Timeout | undefined;
  private graphTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closed.event;

  constructor(
    extensionUri: vscode.Uri,
    private readonly server: FlowsmithServer,
    private readonly flows: FlowsModel,
    runs: RunManager,
    readonly target: string,
    private selectNode: string | undefined,
    /** The root the target is relative to, for a workflow outside the first workspace folder. */
    readonly root?: string,
  ) {
    const title = `Graph: ${targetLabel(target)}`;
    this.panel = vscode.window.createWebviewPanel("flowsmith.graph", title, vscode.ViewColumn.Beside, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist", "webview"), vscode.Uri.joinPath(extensionUri, "client", "media")],
    });
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, "client", "media", "flowsmith.svg");
    this.panel.webview.html = graphHtml(this.panel.webview, extensionUri, target);
    this.disposables.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((m: FromWebview) => void this.onMessage(m)),
      server.onDidChangeStatus((p) => {
        if (!p.targets.length || p.targets.includes(target)) this.scheduleGraph();
      }),
      server.onDidChangeState((s) => s === "running" && this.scheduleGraph()),
      runs.onDidChange((run) => run.request.target === target && this.scheduleStatus()),
      runs.onDidFinish((run) => run.request.target === target && this.scheduleGraph(100)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.scheduleGraph(0)),
    );
  }

  reveal(node?: string): void {
    this.panel.reveal(undefined, false);
    if (node) {
      this.selectNode = node;
      this.post({ type: "select", node });
    }
  }

  /** Asks the server for the graph and sends it; `fit` resets pan and zoom. */
  async load(fit: boolean): Promise<void> {
    if (!this.ready || this.disposed) return;
    try {
      const graph = await this.server.request<GraphParams, GraphResult | null>(GraphRequest.type, { target: this.target, ...(this.root ? { root: this.root } : {}) });
      if (this.disposed) return;
      if (!graph) {
        this.post({ type: "error", message: `The language server does not know ${this.target} (was it renamed or removed?).` });
        return;
      }
      this.graph = graph;
      const groups = this.flows.find(this.target, this.root)?.groups;
      this.post({ type: "graph", graph, live: this.live(), fit, trusted: vscode.workspace.isTrusted, ...(groups ? { groups } : {}) });
      if (fit && this.selectNode) this.post({ type: "select", node: this.selectNode });
    } catch (e) {
      this.post({ type: "error", message: `No graph: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  private live(): Record<string, LiveStatus> {
    const out: Record<string, LiveStatus> = {};
    for (const [id, n] of this.flows.liveNodes(this.target) ?? []) out[id] = { status: n.status, fraction: n.fraction };
    return out;
  }

  private scheduleGraph(delay = 250): void {
    clearTimeout(this.graphTimer);
    this.graphTimer = setTimeout(() => void this.load(false), delay);
  }

  private scheduleStatus(): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      this.post({ type: "status", live: this.live() });
    }, 150);
  }

  private post(message: ToWebview): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  /** Handles what the webview (or a node's context menu, through GraphPanels' commands) asks for. */
  async onMessage(m: FromWebview): Promise<void> {
    switch (m.type) {
      case "ready":
        this.ready = true;
        await this.load(true);
        return;
      case "refresh":
        await this.load(false);
        return;
      case "reveal": {
        const node = this.graph?.nodes.find((n) => n.id === m.node);
        const location = m.what === "task" ? (node?.taskLocation ?? node?.location) : (node?.location ?? node?.taskLocation);
        if (location) await revealLocation(location, this.otherColumn());
        return;
      }
      case "run":
        if (m.node) await vscode.commands.executeCommand(m.force ? Commands.forceRun : Commands.runNode, { target: this.target, node: m.node, root: this.root });
        else await vscode.commands.executeCommand(Commands.runWorkflow, { target: this.target, root: this.root });
        return;
      case "reset":
        if (m.node) await vscode.commands.executeCommand(m.downstream ? Commands.resetNodeDownstream : Commands.resetNode, { target: this.target, node: m.node, root: this.root });
        else await vscode.commands.executeCommand(Commands.resetWorkflow, { target: this.target, root: this.root });
        return;
      case "revealGroup": {
        const group = this.flows.find(this.target, this.root)?.groups?.find((g) => g.name === m.group);
        if (group?.location) await revealLocation(group.location, this.otherColumn());
        return;
      }
      case "rendered":
        this.rendered = { nodes: m.nodes, edges: m.edges, layoutMs: m.layoutMs, statuses: m.statuses, ...(m.clusters ? { clusters: m.clusters, mapped: m.mapped ?? [] } : {}), ...(m.dynamic ? { dynamic: m.dynamic } : {}) };
        this.renderedEmitter.fire(this.rendered);
        return;
      case "error":
        void vscode.window.showErrorMessage(`Flowsmith graph: ${m.message}`);
        return;
    }
  }

  /** Code opens beside the graph, not on top of it. */
  private otherColumn(): vscode.ViewColumn {
    return this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.graphTimer);
    clearTimeout(this.statusTimer);
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
    this.closed.fire();
    this.closed.dispose();
    this.renderedEmitter.dispose();
  }
}

/** A node's context menu in the graph: the command and what it asks the panel for. */
const NODE_MENU: Record<string, (node: string) => FromWebview> = {
  [Commands.graphGoToCall]: (node) => ({ type: "reveal", node, what: "call" }),
  [Commands.graphGoToTask]: (node) => ({ type: "reveal", node, what: "task" }),
  [Commands.graphRunNode]: (node) => ({ type: "run", node }),
  [Commands.graphResetNode]: (node) => ({ type: "reset", node }),
};

export class GraphPanels implements vscode.Disposable {
  readonly panels = new Map<string, GraphPanel>();
  private readonly commands: vscode.Disposable[];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly server: FlowsmithServer,
    private readonly flows: FlowsModel,
    private readonly runs: RunManager,
  ) {
    // VS Code passes the node's `data-vscode-context` (render.ts); the panel is the active graph.
    this.commands = Object.entries(NODE_MENU).map(([id, message]) =>
      vscode.commands.registerCommand(id, async (context?: { node?: string }) => {
        const panels = [...this.panels.values()];
        const panel = panels.find((p) => p.panel.active) ?? panels.find((p) => p.graph?.nodes.some((n) => n.id === context?.node));
        if (panel && context?.node) await panel.onMessage(message(context.node));
      }));
  }

  /** Opens (or brings forward) the graph of a workflow. Resolves with the panel. */
  show(target: string, node?: string, root?: string): GraphPanel {
    const key = root ? `${root}\0${target}` : target;
    let panel = this.panels.get(key);
    if (panel) {
      panel.reveal(node);
      return panel;
    }
    panel = new GraphPanel(this.extensionUri, this.server, this.flows, this.runs, target, node, root);
    this.panels.set(key, panel);
    panel.onDidClose(() => this.panels.delete(key));
    return panel;
  }

  dispose(): void {
    for (const p of this.panels.values()) p.dispose();
    this.panels.clear();
    for (const c of this.commands) c.dispose();
  }
}
