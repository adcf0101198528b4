/**
 * Starts the flowsmith CLI: `process.execPath cli.js ARGS` without a shell, in the workspace root.
 * cli.js is the one cliScript() picks: flowsmith.cliPath, else the project's own
 * node_modules/flowsmith (trusted workspaces), else the extension's.
 * In desktop VS Code process.execPath is Electron, which ELECTRON_RUN_AS_NODE turns into Node.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as vscode from "vscode";
import { cliScript, storeDir, workspaceRoot } from "../config";

export interface CliEnv {
  context: vscode.ExtensionContext;
  /** The root the server reported, when it did; else the first workspace folder. */
  root(): string | undefined;
  /** Every root flows live in (a multi-root workspace has one per folder with flows), `root()` first. */
  roots(): string[];
}

export class CliError extends Error {}

/** `root`: the workspace root the target is relative to, when it is not the first one. */
export function resolveCli(env: CliEnv, root?: string): { script: string; cwd: string } {
  const cwd = root ?? env.root() ?? workspaceRoot();
  if (!cwd) throw new CliError("Flowsmith needs an open folder to run flows in.");
  const script = cliScript(env.context, cwd);
  if (!fs.existsSync(script)) {
    throw new CliError(
      `The flowsmith CLI was not found at ${script}. Install flowsmith in the project (npm install flowsmith), set flowsmith.cliPath, or rebuild the extension (npm run build).`,
    );
  }
  return { script, cwd };
}

export function spawnCli(env: CliEnv, args: string[], root?: string): ChildProcess {
  const { script, cwd } = resolveCli(env, root);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" };
  if (process.versions.electron) childEnv.ELECTRON_RUN_AS_NODE = "1";
  const store = storeDir(cwd);
  if (store) childEnv.FLOWSMITH_STORE = store;
  return spawn(process.execPath, [script, ...args], {
    cwd,
    env: childEnv,
    shell: false,
    windowsHide: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one short CLI command to the end and collects its output. */
export function execCli(env: CliEnv, args: string[], token?: vscode.CancellationToken, root?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawnCli(env, args, root);
    } catch (e) {
      reject(e);
      return;
    }
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const cancel = token?.onCancellationRequested(() => child.kill());
    child.on("error", (e) => {
      cancel?.dispose();
      reject(new CliError(`Could not start the flowsmith CLI: ${e.message}`));
    });
    child.on("close", (code) => {
      cancel?.dispose();
      resolve({ code, stdout, stderr });
    });
  });
}

/** The CLI's one-line complaint (exit 2) or the last stderr line, for a message box. */
export function cliComplaint(result: CliResult): string {
  const lines = result.stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => !/warning/i.test(l)) ?? lines.at(-1);
  return (line ?? `exit code ${result.code}`).replace(/^flowsmith: (error: )?/, "");
}
