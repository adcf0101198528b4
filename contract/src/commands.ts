/**
 * The extension's command ids. The server's code lenses carry some of them and the graph webview
 * asks for others; package.json declares every one (a unit test holds the two lists together).
 */
export const Commands = {
  runWorkflow: "flowsmith.runWorkflow",
  runNode: "flowsmith.runNode",
  runOnCluster: "flowsmith.runOnCluster",
  chooseRunDestination: "flowsmith.chooseRunDestination",
  forceRun: "flowsmith.forceRun",
  preview: "flowsmith.preview",
  resetNode: "flowsmith.resetNode",
  resetNodeDownstream: "flowsmith.resetNodeDownstream",
  resetWorkflow: "flowsmith.resetWorkflow",
  stopRun: "flowsmith.stopRun",
  showGraph: "flowsmith.showGraph",
  openResults: "flowsmith.openResults",
  openRunLog: "flowsmith.openRunLog",
  revealNode: "flowsmith.revealNode",
  refresh: "flowsmith.refresh",
  restartServer: "flowsmith.restartServer",
  /** A graph node's context menu (webview/context): hidden from the Command Palette. */
  graphGoToCall: "flowsmith.graph.goToCall",
  graphGoToTask: "flowsmith.graph.goToTask",
  graphRunNode: "flowsmith.graph.runNode",
  graphResetNode: "flowsmith.graph.resetNode",
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];
