/**
 * Diagnostics messages on their way to the client. vscode-jsonrpc writes each message from a
 * setImmediate: a long synchronous step (a program build) started right after a send would hold
 * it back for seconds. `flushed()` lets the server wait until what it sent is written — the
 * syntax pass of an opened file before its typed pass, the opened files' answers before the
 * workspace's first bulk load.
 */
import type { Connection, Diagnostic } from "vscode-languageserver/node";

export class DiagnosticsWriter {
  private readonly sending = new Set<Promise<void>>();

  constructor(private readonly connection: Connection) {}

  /** `version`: the open document's version the diagnostics were computed from (LSP lets a client drop stale ones by it). */
  send(uri: string, diagnostics: Diagnostic[], version?: number): void {
    const sent = this.connection.sendDiagnostics({ uri, diagnostics, ...(version !== undefined ? { version } : {}) }).catch(() => undefined);
    this.sending.add(sent);
    void sent.finally(() => this.sending.delete(sent));
  }

  /** Resolves when every diagnostics message sent so far has been written. */
  async flushed(): Promise<void> {
    while (this.sending.size) await Promise.allSettled([...this.sending]);
  }
}
