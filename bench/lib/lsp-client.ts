/**
 * An LSP client for the benchmarks, over the bundled server's real stdio JSON-RPC (like
 * test/lsp/client.ts, but every notification is time-stamped on arrival and waiters are woken
 * at once, so latencies are not rounded to a polling interval).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { pathToFileURL } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";
import { now, SERVER } from "./util.js";

export interface Diagnostic {
  code?: string | number;
  severity?: number;
  message: string;
}

export interface Published {
  uri: string;
  diagnostics: Diagnostic[];
  at: number;
}

export class BenchLspClient {
  readonly connection: MessageConnection;
  /** Every publishDiagnostics, in arrival order. */
  readonly published: Published[] = [];
  readonly latest = new Map<string, Published>();
  readonly logs: { message: string; at: number }[] = [];
  readonly statusChanges: { targets: string[]; at: number }[] = [];
  readonly spawnedAt: number;
  stderr = "";
  private waiters: (() => void)[] = [];
  private versions = new Map<string, number>();
  private exited = false;

  constructor(
    readonly root: string,
    readonly child: ChildProcess = spawn(process.execPath, [SERVER, "--stdio"], { cwd: root, stdio: ["pipe", "pipe", "pipe"] }),
  ) {
    this.spawnedAt = now();
    this.connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    child.stderr!.on("data", (d) => (this.stderr += String(d)));
    child.on("exit", () => {
      this.exited = true;
      this.wake();
    });
    this.connection.onNotification("textDocument/publishDiagnostics", (p: { uri: string; diagnostics: Diagnostic[] }) => {
      const entry = { uri: p.uri, diagnostics: p.diagnostics, at: now() };
      this.published.push(entry);
      this.latest.set(p.uri, entry);
      this.wake();
    });
    this.connection.onNotification("window/logMessage", (p: { message: string }) => {
      this.logs.push({ message: p.message, at: now() });
      this.wake();
    });
    this.connection.onNotification("flowsmith/didChangeStatus", (p: { targets: string[] }) => {
      this.statusChanges.push({ targets: p.targets, at: now() });
      this.wake();
    });
    this.connection.onRequest("client/registerCapability", () => null);
    this.connection.onRequest("workspace/configuration", () => []);
    this.connection.listen();
  }

  get pid(): number {
    return this.child.pid!;
  }

  async initialize(): Promise<void> {
    const uri = pathToFileURL(this.root).href;
    const exited = new Promise<never>((_, reject) =>
      this.child.once("exit", (code) => reject(new Error(`the language server exited (${code}) during initialize\n${this.stderr.slice(-2000)}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([exited, this.connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: uri,
      workspaceFolders: [{ uri, name: "bench" }],
      capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } }, textDocument: { publishDiagnostics: {} } },
      initializationOptions: {},
    })]);
    await this.connection.sendNotification("initialized", {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolve when `predicate` holds (re-checked on every message). */
  async waitFor<T>(what: string, predicate: () => T | undefined | false, timeoutMs: number): Promise<T> {
    const deadline = now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value) return value;
      if (this.exited) throw new Error(`the language server exited while waiting for ${what}\n${this.stderr.slice(-2000)}`);
      const left = deadline - now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
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

  open(file: string, text: string): number {
    this.versions.set(file, 1);
    const at = now();
    void this.connection.sendNotification("textDocument/didOpen", { textDocument: { uri: this.uri(file), languageId: "typescript", version: 1, text } });
    return at;
  }

  /** Replace the whole text (a full-content change, allowed by incremental sync). */
  change(file: string, text: string): number {
    const version = (this.versions.get(file) ?? 1) + 1;
    this.versions.set(file, version);
    const at = now();
    void this.connection.sendNotification("textDocument/didChange", { textDocument: { uri: this.uri(file), version }, contentChanges: [{ text }] });
    return at;
  }

  /** The first diagnostics published for `file` at or after `since` that satisfy `accept`. */
  diagnosticsAfter(file: string, since: number, accept: (d: Diagnostic[]) => boolean, timeoutMs: number): Promise<Published> {
    const uri = this.uri(file);
    let from = 0;
    return this.waitFor(
      `diagnostics of ${file}`,
      () => {
        for (; from < this.published.length; from++) {
          const p = this.published[from]!;
          if (p.uri === uri && p.at >= since && accept(p.diagnostics)) return p;
        }
        return undefined;
      },
      timeoutMs,
    );
  }

  private stopped = false;

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await Promise.race([this.connection.sendRequest("shutdown"), new Promise((r) => setTimeout(r, 3000))]);
      void this.connection.sendNotification("exit");
    } catch {
      /* already gone */
    }
    await Promise.race([new Promise((r) => this.child.once("exit", r)), new Promise((r) => setTimeout(r, 2000))]);
    this.connection.dispose();
    if (!this.exited) this.child.kill();
  }
}
