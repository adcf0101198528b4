/**
 * The language client: starts the bundled server (`node dist/server.js --stdio`) for TypeScript files
 * and flow compositions. A missing or crashing server must not take the extension down: runs from
 * the command palette still work, and the Flows view says what is wrong.
 */
import * as fs from "node:fs";
import * as vscode from "vscode";
import { CodeLensRequest, LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";
import { Commands, type DidChangeStatusParams } from "@flowsmith/contract";
import { DidChangeStatus } from "@flowsmith/contract/lsp";
import { clusterSetting, storeDir, workspaceRoot } from "./config";

export type ServerState = "starting" | "running" | "missing" | "failed" | "stopped";

export class FlowsmithServer implements vscode.Disposable {
  client: LanguageClient | undefined;
  state: ServerState = "stopped";
  private readonly stateChanged = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateChanged.event;
  private readonly statusChanged = new vscode.EventEmitter<DidChangeStatusParams>();
  /** The server's `flowsmith/didChangeStatus`. */
  readonly onDidChangeStatus = this.statusChanged.event;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.OutputChannel) {}

  get serverModule(): string {
    return this.context.asAbsolutePath("dist/server.js");
  }

  async start(): Promise<void> {
    if (this.client) return;
    if (!fs.existsSync(this.serverModule)) {
      this.setState("missing");
      const msg = `Flowsmith: the language server was not found at ${this.serverModule}. Diagnostics, code lenses and the Flows view are off; runs still work. Rebuild the extension (npm run build).`;
      this.log.appendLine(msg);
      void vscode.window.showErrorMessage(msg, "Show Log").then((a) => a && this.log.show());
      return;
    }
    const env: NodeJS.ProcessEnv = { ...process.env };
    const store = storeDir(workspaceRoot());
    if (store) env.FLOWSMITH_STORE = store;
    // The server's V8 code cache (server/src/boot.ts): in the extension's own storage.
    env.FLOWSMITH_CODE_CACHE_DIR ??= vscode.Uri.joinPath(this.context.globalStorageUri, "code-cache").fsPath;
    const serverOptions: ServerOptions = {
      run: { module: this.serverModule, transport: TransportKind.stdio, options: { env } },
      debug: { module: this.serverModule, transport: TransportKind.stdio, options: { env, execArgv: ["--nolazy", "--inspect=6019"] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: "file", language: "typescript" },
        { scheme: "file", language: "typescriptreact" },
        { scheme: "file", pattern: "**/flows.{yaml,yml}" },
        { scheme: "file", pattern: "**/*.flows.{yaml,yml}" },
      ],
      synchronize: { configurationSection: "flowsmith" },
      initializationOptions: { store, clientName: "flowsmith-vscode" },
      outputChannelName: "Flowsmith Language Server",
      middleware: {
        // With a cluster configured, each Run lens gets a "Run on cluster" beside it.
        provideCodeLenses: async (document, token, next) => {
          const lenses = await next(document, token);
          return lenses && clusterSetting() ? withClusterLenses(lenses) : lenses;
        },
      },
    };
    const client = new LanguageClient("flowsmith", "Flowsmith Language Server", serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) this.setState("running");
      else if (e.newState === State.Stopped && this.state === "running") this.setState("stopped");
    });
    this.setState("starting");
    try {
      await client.start();
      client.onNotification(DidChangeStatus.type, (params) => this.statusChanged.fire(params));
      this.setState("running");
    } catch (e) {
      this.client = undefined;
      this.setState("failed");
      const msg = `Flowsmith: the language server failed to start: ${e instanceof Error ? e.message : String(e)}`;
      this.log.appendLine(msg);
      void vscode.window.showErrorMessage(msg, "Show Log").then((a) => a && this.log.show());
      try { await client.dispose(); } catch { /* already down */ }
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try { await client.stop(); } catch { /* not running */ }
    }
    this.setState("stopped");
  }

  /** Ask the editor for the code lenses again (they depend on flowsmith.cluster too). */
  refreshLenses(): void {
    const feature = this.client?.getFeature(CodeLensRequest.method);
    const doc = vscode.window.activeTextEditor?.document ?? vscode.workspace.textDocuments[0];
    if (feature && doc) feature.getProvider(doc)?.onDidChangeCodeLensEmitter.fire();
  }

  /** A request to the running server; rejects when it is not running. */
  async request<P, R>(type: { method: string }, params: P): Promise<R> {
    const client = this.client;
    if (!client || this.state !== "running") throw new Error(`the Flowsmith language server is ${this.state}`);
    return client.sendRequest(type.method, params) as Promise<R>;
  }

  private setState(state: ServerState): void {
    if (this.state === state) return;
    this.state = state;
    void vscode.commands.executeCommand("setContext", "flowsmith.serverReady", state === "running");
    void vscode.commands.executeCommand("setContext", "flowsmith.serverMissing", state === "missing" || state === "failed");
    this.stateChanged.fire(state);
  }

  dispose(): void {
    void this.stop();
    this.stateChanged.dispose();
    this.statusChanged.dispose();
  }
}

/** A "Run on cluster" lens after each Run lens of the server, with the same arguments. */
function withClusterLenses(lenses: vscode.CodeLens[]): vscode.CodeLens[] {
  const out: vscode.CodeLens[] = [];
  for (const lens of lenses) {
    out.push(lens);
    const command = lens.command?.command;
    if (command === Commands.runWorkflow || command === Commands.runNode) {
      out.push(new vscode.CodeLens(lens.range, { title: "$(cloud) Run on cluster", command: Commands.runOnCluster, arguments: lens.command!.arguments ?? [] }));
    }
  }
  return out;
}
