/**
 * A minimal LSP client for tests: spawns the bundled server (`node dist/server.js --stdio`) and
 * talks JSON-RPC over its stdio, the way an editor does.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";

export const SERVER = path.resolve(__dirname, "../../dist/server.js");

export interface Diagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity?: number;
  code?: string | number;
  source?: string;
  message: string;
}

let codeCacheDir: string | undefined;
/** The servers' code cache in tests: a directory of this process, not the user's ~/.cache. */
function testCodeCache(): string {
  if (!codeCacheDir) {
    const dir = (codeCacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-test-code-cache-")));
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return codeCacheDir;
}

export class LspClient {
  readonly connection: MessageConnection;
  readonly diagnostics = new Map<string, Diagnostic[]>();
  /** Every publishDiagnostics, in arrival order. */
  readonly published: { uri: string; diagnostics: Diagnostic[]; version?: number }[] = [];
  readonly statusNotifications: { targets: string[] }[] = [];
  /** How many workspace/inlayHint/refresh requests the server sent (the client announces refreshSupport). */
  inlayHintRefreshes = 0;
  /** The server's window/logMessage lines, in arrival order. */
  readonly logs: string[] = [];
  private readonly waiters: (() => void)[] = [];
  private versions = new Map<string, number>();
  stderr = "";

  private constructor(readonly child: ChildProcess) {
    this.connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    child.stderr!.on("data", (d) => (this.stderr += String(d)));
    this.connection.onNotification("textDocument/publishDiagnostics", (p: { uri: string; diagnostics: Diagnostic[]; version?: number }) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      this.published.push(p);
      this.wake();
    });
    this.connection.onNotification("flowsmith/didChangeStatus", (p: { targets: string[] }) => {
      this.statusNotifications.push(p);
      this.wake();
    });
    this.connection.onNotification("window/logMessage", (p: { message: string }) => {
      this.logs.push(p.message);
      this.wake();
    });
    this.connection.onRequest("client/registerCapability", () => null);
    this.connection.onRequest("workspace/configuration", () => []);
    this.connection.onRequest("workspace/inlayHint/refresh", () => {
      this.inlayHintRefreshes++;
      this.wake();
      return null;
    });
    this.connection.listen();
  }

  /** `env`: added to this process's (by default the server's code cache goes to a directory of this test process). */
  static async start(root: string, initializationOptions: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}, folders: string[] = [root]): Promise<LspClient> {
    const child = spawn(process.execPath, [SERVER, "--stdio"], {
      cwd: root,
      env: { ...process.env, FLOWSMITH_CODE_CACHE_DIR: testCodeCache(), ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const client = new LspClient(child);
    await client.connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(root).href,
      workspaceFolders: folders.map((f) => ({ uri: pathToFileURL(f).href, name: path.basename(f) })),
      capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true }, inlayHint: { refreshSupport: true } } },
      initializationOptions,
    });
    await client.connection.sendNotification("initialized", {});
    return client;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Wait until `predicate` holds, re-checked on every notification; fails with `what` on timeout. */
  async waitFor<T>(what: string | (() => string), predicate: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  uri(file: string): string {
    return pathToFileURL(file).href;
  }

  open(file: string, text: string): void {
    this.versions.set(file, 1);
    this.diagnostics.delete(this.uri(file));
    void this.connection.sendNotification("textDocument/didOpen", { textDocument: { uri: this.uri(file), languageId: "typescript", version: 1, text } });
  }

  /** Returns the document's new version (the server's publishes for this text carry it). */
  change(file: string, text: string): number {
    const version = (this.versions.get(file) ?? 1) + 1;
    this.versions.set(file, version);
    this.diagnostics.delete(this.uri(file));
    void this.connection.sendNotification("textDocument/didChange", { textDocument: { uri: this.uri(file), version }, contentChanges: [{ text }] });
    return version;
  }

  close(file: string): void {
    void this.connection.sendNotification("textDocument/didClose", { textDocument: { uri: this.uri(file) } });
  }

  diagnosticsOf(file: string): Promise<Diagnostic[]> {
    return this.waitFor(`diagnostics of ${path.basename(file)}`, () => this.diagnostics.get(this.uri(file)));
  }

  /** textDocument/completion at a position (`context`: how it was triggered, as an editor sends it). */
  completion<R = { isIncomplete: boolean; items: { label: string; detail?: string; sortText?: string; preselect?: boolean; textEdit?: { newText: string } }[] } | null>(file: string, position: { line: number; character: number }, context?: { triggerKind: number; triggerCharacter?: string }): Promise<R> {
    return this.request<R>("textDocument/completion", { textDocument: { uri: this.uri(file) }, position, ...(context ? { context } : {}) });
  }

  /** textDocument/codeAction over a range, with the diagnostics the editor shows there. */
  codeActions<R = { title: string; kind?: string; isPreferred?: boolean; diagnostics?: Diagnostic[]; edit?: { changes?: Record<string, { range: Diagnostic["range"]; newText: string }[]> } }[] | null>(file: string, range: Diagnostic["range"], diagnostics: Diagnostic[], only?: string[]): Promise<R> {
    return this.request<R>("textDocument/codeAction", { textDocument: { uri: this.uri(file) }, range, context: { diagnostics, ...(only ? { only } : {}) } });
  }

  /** textDocument/prepareRename: the range and placeholder Flowsmith renames there, or null. */
  prepareRename(file: string, position: { line: number; character: number }): Promise<{ range: Diagnostic["range"]; placeholder: string } | null> {
    return this.request("textDocument/prepareRename", { textDocument: { uri: this.uri(file) }, position });
  }

  /** textDocument/rename: the workspace edit (a refused rename rejects with the server's message). */
  rename(file: string, position: { line: number; character: number }, newName: string): Promise<{ changes?: Record<string, { range: Diagnostic["range"]; newText: string }[]> } | null> {
    return this.request("textDocument/rename", { textDocument: { uri: this.uri(file) }, position, newName });
  }

  /** textDocument/references. */
  references(file: string, position: { line: number; character: number }, includeDeclaration: boolean): Promise<{ uri: string; range: Diagnostic["range"] }[] | null> {
    return this.request("textDocument/references", { textDocument: { uri: this.uri(file) }, position, context: { includeDeclaration } });
  }

  /** textDocument/inlayHint over a range (default: the first 10,000 lines). */
  inlayHints(file: string, range: Diagnostic["range"] = { start: { line: 0, character: 0 }, end: { line: 10_000, character: 0 } }): Promise<{ position: { line: number; character: number }; label: string; kind?: number; tooltip?: string; paddingLeft?: boolean }[] | null> {
    return this.request("textDocument/inlayHint", { textDocument: { uri: this.uri(file) }, range });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => {
      if (this.child.exitCode !== null) resolve(undefined);
      else this.child.once("exit", resolve);
    });
    try {
      await Promise.race([this.connection.sendRequest("shutdown"), new Promise((r) => setTimeout(r, 2000).unref())]);
      await this.connection.sendNotification("exit");
    } catch {
      /* already gone */
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000).unref())]);
    this.connection.dispose();
    if (this.child.exitCode === null) this.child.kill();
  }
}
