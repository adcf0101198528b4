/**
 * Flowsmith for VS Code: wires the language client, the Flows and Runs views, the run machinery,
 * the graph webviews and the commands over one Deps object. Activation only builds objects and
 * starts the server in the background; nothing here waits for it.
 */
import * as vscode from "vscode";
import { FlowsmithServer } from "./server";
import { ClusterModel } from "./cluster/clusterModel";
import { registerChooseDestination, registerClusterStatusBar } from "./cluster/clusterStatusBar";
import { WorkersTreeProvider } from "./cluster/workersTree";
import { FlowsModel } from "./flows/flowsModel";
import { RunManager } from "./runs/runManager";
import { RunHistory } from "./runs/history";
import { registerRunStatusBar } from "./runs/statusBar";
import type { CliEnv } from "./runs/cli";
import { FlowDocuments } from "./documents/flowDocuments";
import { GraphPanels } from "./graph/graphPanels";
import { FlowsTreeProvider } from "./views/flowsTree";
import { RunsTreeProvider } from "./views/runsTree";
import { registerRunCommands } from "./commands/run";
import { registerResetCommands } from "./commands/reset";
import { registerStopCommand } from "./commands/stop";
import { registerPreviewCommand } from "./commands/preview";
import { registerGraphCommand } from "./commands/graph";
import { registerResultsCommand } from "./commands/results";
import { registerRunLogCommand } from "./commands/runLog";
import { registerRevealCommand } from "./commands/reveal";
import { registerRefreshCommands } from "./commands/refresh";
import { registerOneSquiggle } from "./squiggles/oneSquiggle";
import { storeDir, workspaceRoot } from "./config";
import { resolveStoreDir } from "../../runtime/src/store/location";
import type { Deps } from "./deps";

/** What activate() returns: the pieces tests (and other extensions) can read. */
export interface FlowsmithApi {
  deps: Deps;
  flowsTree: FlowsTreeProvider;
  runsTree: RunsTreeProvider;
  workersTree: WorkersTreeProvider;
  flowsView: vscode.TreeView<unknown>;
  runsView: vscode.TreeView<unknown>;
  workersView: vscode.TreeView<unknown>;
  /** The status-bar item saying where Run sends runs. */
  clusterStatus: vscode.StatusBarItem;
  activationMs: number;
}

export function activate(context: vscode.ExtensionContext): FlowsmithApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel("Flowsmith");
  const runLog = vscode.window.createOutputChannel("Flowsmith Runs", "flowsmith-runlog");
  const server = new FlowsmithServer(context, log);

  let flows: FlowsModel | undefined;
  const cli: CliEnv = {
    context,
    root: () => flows?.root() ?? workspaceRoot(),
    roots: () => [...new Set([flows?.root() ?? workspaceRoot(), ...(flows?.flows().map((f) => f.root) ?? [])].filter((r): r is string => !!r))],
  };
  const runs = new RunManager(cli, runLog);
  flows = new FlowsModel(server, runs);
  const history = new RunHistory(cli);
  /** The store of a root (the first one's when none is named). */
  const storeOf = (of?: string) => {
    const root = of ?? cli.root();
    const known = of ? flows?.flows().find((f) => f.root === of)?.store : flows?.store();
    return known ?? storeDir(root) ?? (root ? resolveStoreDir(root) : undefined);
  };
  const documents = new FlowDocuments(cli, runs, { storeDir: storeOf });
  const graphs = new GraphPanels(context.extensionUri, server, flows, runs);
  const cluster = new ClusterModel(cli, context.workspaceState);
  const deps: Deps = { context, server, flows, runs, history, documents, graphs, cli, cluster, runLog, log, storeDir: storeOf };

  const flowsTree = new FlowsTreeProvider(flows);
  const runsTree = new RunsTreeProvider(runs, history);
  const flowsView = vscode.window.createTreeView("flowsmith.flows", { treeDataProvider: flowsTree, showCollapseAll: true });
  const runsView = vscode.window.createTreeView("flowsmith.runs", { treeDataProvider: runsTree, showCollapseAll: true });
  const workersTree = new WorkersTreeProvider(cluster);
  const workersView = vscode.window.createTreeView("flowsmith.workers", { treeDataProvider: workersTree });
  const describeWorkers = () => (workersView.message = workersTree.message());
  describeWorkers();
  const model = flows;
  // The view's progress bar while the server scans (a big repository takes a while), once.
  let scanProgress: (() => void) | undefined;
  const describeState = () => {
    const scanning = model.scanning() && server.state === "running";
    flowsView.message = model.state === "error" ? `Could not list flows: ${model.error}`
      : model.state === "noServer" ? "The language server is not running: flows cannot be listed. Runs started from code lenses or the palette still work."
      : scanning ? `Scanning the workspace for flows…${model.flows().length ? ` (${model.flows().length} found so far)` : ""}` : undefined;
    if (scanning && !scanProgress) {
      void vscode.window.withProgress({ location: { viewId: "flowsmith.flows" } }, () => new Promise<void>((resolve) => (scanProgress = resolve)));
    } else if (!scanning && scanProgress) {
      scanProgress();
      scanProgress = undefined;
    }
    runsTree.views(); // counts the history's runs of flows outside the workspace folders
    const hidden = runsTree.hidden;
    runsView.message = history.error ? `Could not read the run history: ${history.error}`
      : hidden ? `${hidden} run${hidden === 1 ? "" : "s"} of flows outside this workspace ${hidden === 1 ? "is" : "are"} not listed (the store ${storeOf() ?? ""} holds them too).`
      : undefined;
  };

  context.subscriptions.push(
    log, runLog, server, runs, flows, history, documents, graphs, flowsTree, runsTree, flowsView, runsView,
    cluster, workersTree, workersView, cluster.onDidChange(describeWorkers),
    runs.onDidFinish((run) => { if (run.request.cluster) void cluster.refresh(); }),
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration("flowsmith.cluster")) server.refreshLenses(); }),
    documents.register(),
    flows.onDidChange(describeState),
    server.onDidChangeState(describeState),
    history.onDidChange(describeState),
    runs.onDidFinish(() => history.scheduleRefresh(100)),
    runs.onDidChange((run) => { if (run.status === "running" && run.runId && !history.find(run.runId)) runsTree.refresh(); }),
    server.onDidChangeStatus(() => history.scheduleRefresh(1000)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("flowsmith.store")) {
        void server.restart();
        history.scheduleRefresh(0);
      } else if (e.affectsConfiguration("flowsmith.runs.historyLimit") || e.affectsConfiguration("flowsmith.cliPath")) {
        history.scheduleRefresh(0);
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      flowsTree.refresh();
      runsTree.refresh();
    }),
  );
  registerRunStatusBar(context, runs);
  const clusterStatus = registerClusterStatusBar(context, cluster);
  registerChooseDestination(context, cluster);
  registerRunCommands(context, deps);
  registerResetCommands(context, deps);
  registerStopCommand(context, deps);
  registerPreviewCommand(context, deps);
  registerGraphCommand(context, deps);
  registerResultsCommand(context, deps);
  registerRunLogCommand(context, deps);
  registerRevealCommand(context, deps);
  registerRefreshCommands(context, deps);
  registerOneSquiggle(context, log);

  void server.start();
  history.scheduleRefresh(200);

  const activationMs = Math.round(performance.now() - started);
  log.appendLine(`Flowsmith activated in ${activationMs} ms (VS Code ${vscode.version}, trusted: ${vscode.workspace.isTrusted})`);
  return { deps, flowsTree, runsTree, workersTree, flowsView: flowsView as vscode.TreeView<unknown>, runsView: runsView as vscode.TreeView<unknown>, workersView: workersView as vscode.TreeView<unknown>, clusterStatus, activationMs };
}

export function deactivate(): void {
  // Disposables in context.subscriptions stop the language client.
}
