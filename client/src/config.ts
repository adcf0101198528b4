/** The `flowsmith.*` settings, read fresh each time (they may change while the extension runs). */
import * as path from "node:path";
import * as vscode from "vscode";

function section(scope?: vscode.Uri): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration("flowsmith", scope);
}

/** The folder runs start in and targets are relative to: the first workspace folder. */
export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** `flowsmith.store` made absolute against the root; undefined means the CLI default (.flowsmith). */
export function storeDir(root: string | undefined): string | undefined {
  const value = section().get<string>("store")?.trim();
  if (!value) return undefined;
  return root ? path.resolve(root, value) : value;
}

export function concurrency(): number {
  const n = section().get<number>("concurrency") ?? 4;
  return Number.isInteger(n) && n > 0 ? n : 4;
}

export function historyLimit(): number {
  return section().get<number>("runs.historyLimit") ?? 30;
}

/** The CLI script: `flowsmith.cliPath` when set, else the one bundled with the extension. */
export function cliScript(context: vscode.ExtensionContext, root: string | undefined): string {
  const custom = section().get<string>("cliPath")?.trim();
  if (custom) return root ? path.resolve(root, custom) : custom;
  return context.asAbsolutePath(path.join("runtime", "dist", "cli.js"));
}
