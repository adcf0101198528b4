/** The one context object every command, view and panel is built over (rust-analyzer's Ctx). */
import type * as vscode from "vscode";
import type { FlowsmithServer } from "./server";
import type { FlowsModel } from "./flows/flowsModel";
import type { RunManager } from "./runs/runManager";
import type { RunHistory } from "./runs/history";
import type { CliEnv } from "./runs/cli";
import type { FlowDocuments } from "./documents/flowDocuments";
import type { GraphPanels } from "./graph/graphPanels";
import type { ClusterModel } from "./cluster/clusterModel";

export interface Deps {
  context: vscode.ExtensionContext;
  server: FlowsmithServer;
  flows: FlowsModel;
  runs: RunManager;
  history: RunHistory;
  documents: FlowDocuments;
  graphs: GraphPanels;
  cli: CliEnv;
  /** The configured cluster, its workers, and where Run sends runs. */
  cluster: ClusterModel;
  /** "Flowsmith Runs": the run-log language output channel. */
  runLog: vscode.OutputChannel;
  /** "Flowsmith": the extension's own log. */
  log: vscode.OutputChannel;
  /** Absolute store directory of a root (of the first one when none is named). */
  storeDir(root?: string): string | undefined;
}
