/** The `flowsmith.*` settings, read fresh each time (they may change while the extension runs). */
import * as fs from "node:fs";
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

/** `flowsmith.cluster`: the cluster runs can go to (redis://HOST:PORT[/DB]); undefined when none. */
export function clusterSetting(): string | undefined {
  const value = section().get<string>("cluster")?.trim();
  return value ? value : undefined;
}

export function concurrency(): number {
  const n = section().get<number>("concurrency") ?? 4;
  return Number.isInteger(n) && n > 0 ? n : 4;
}

export function historyLimit(): number {
  return section().get<number>("runs.historyLimit") ?? 30;
}

/**
 * The CLI script: `flowsmith.cliPath` when set; else, in a trusted workspace, the project's own
 * flowsmith (`node_modules/flowsmith/dist/cli.js`, looked up from the root as Node looks up
 * packages), so runs use the version the flows import and were type-checked against; else the one
 * bundled with the extension. An untrusted workspace's own code is never executed: its
 * node_modules are not used (and VS Code ignores a workspace's `flowsmith.cliPath` there).
 */
export function cliScript(context: vscode.ExtensionContext, root: string | undefined): string {
  const custom = section().get<string>("cliPath")?.trim();
  if (custom) return root ? path.resolve(root, custom) : custom;
  const own = root && vscode.workspace.isTrusted ? projectCli(root) : undefined;
  return own ?? context.asAbsolutePath(path.join("runtime", "dist", "cli.js"));
}

/** `node_modules/flowsmith/dist/cli.js` in `root` or the nearest folder above it that has one. */
export function projectCli(root: string): string | undefined {
  for (let dir = path.resolve(root); ; dir = path.dirname(dir)) {
    const script = path.join(dir, "node_modules", "flowsmith", "dist", "cli.js");
    if (fs.existsSync(script)) return script;
    if (path.dirname(dir) === dir) return undefined;
  }
}
