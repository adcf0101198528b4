/**
 * One squiggle per mistake: tells Flowsmith's TypeScript server plugin (tsplugin/) which spans of
 * each open flow file Flowsmith's own diagnostics cover, through the TypeScript extension's
 * `configurePlugin`. The plugin then drops TypeScript's diagnostic of the same mistake there.
 * Flowsmith diagnostics gone (server stopped, file fixed or closed) → the file's spans go; an edit
 * moves the spans it does not touch until the server publishes again.
 */
import * as vscode from "vscode";
import { PLUGIN_NAME, fileKey, type CoveredConfig, type CoveredFile } from "flowsmith-ts-plugin/covered";
import { afterEdits, coveredCode, coveredFile, type TextEdit } from "./coveredSpans";

interface TypeScriptApi {
  configurePlugin(pluginId: string, configuration: unknown): void;
}

/** Batches bursts of diagnostics and edits into one message to tsserver. */
const SEND_DELAY_MS = 30;

export class OneSquiggle implements vscode.Disposable {
  private readonly files = new Map<string, CoveredFile>();
  /** The Flowsmith diagnostics last measured per file (codes, ranges, messages), as JSON. */
  private readonly seen = new Map<string, string>();
  private readonly disposables: vscode.Disposable[] = [];
  private sent = JSON.stringify({ files: {} });
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly log: vscode.OutputChannel) {
    this.disposables.push(
      vscode.languages.onDidChangeDiagnostics((e) => e.uris.forEach((uri) => this.measure(uri))),
      vscode.workspace.onDidOpenTextDocument((doc) => this.measure(doc.uri, true)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri)),
      vscode.workspace.onDidChangeTextDocument((e) => this.edited(e)),
    );
    for (const doc of vscode.workspace.textDocuments) this.measure(doc.uri, true);
  }

  /**
   * Reads the Flowsmith diagnostics of an open file in its current text, when they changed (a
   * TypeScript diagnostic changing fires the same event; Flowsmith's old ranges must not be
   * measured in text edited since they were published) or when `fresh` (the file was just opened).
   */
  private measure(uri: vscode.Uri, fresh = false): void {
    if (uri.scheme !== "file") return;
    const key = fileKey(uri.fsPath);
    const problems = vscode.languages.getDiagnostics(uri).filter((d) => d.source === "flowsmith" && coveredCode(codeOf(d)));
    const seen = JSON.stringify(problems.map((d) => [codeOf(d), d.range, d.message]));
    if (!fresh && this.seen.get(key) === seen) return;
    this.seen.set(key, seen);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    // A range past the end of the text (offsetAt would clamp it) was measured in another text.
    const fits = problems.filter((d) => doc?.validateRange(d.range).isEqual(d.range));
    const file = doc && coveredFile(doc.getText(), fits.map((d) => ({ code: codeOf(d), start: doc.offsetAt(d.range.start), end: doc.offsetAt(d.range.end) })));
    this.set(uri, file);
  }

  private forget(uri: vscode.Uri): void {
    if (uri.scheme !== "file") return;
    this.seen.delete(fileKey(uri.fsPath));
    this.set(uri, undefined);
  }

  private edited(e: vscode.TextDocumentChangeEvent): void {
    const key = fileKey(e.document.uri.fsPath);
    const file = this.files.get(key);
    if (!file || !e.contentChanges.length) return;
    const edits: TextEdit[] = e.contentChanges.map((c) => ({ start: c.rangeOffset, end: c.rangeOffset + c.rangeLength, text: c.text }));
    // Several changes of one event come last-first, each in the offsets of the text before the
    // event; in any other order they cannot be applied one after the other: drop the spans.
    const ordered = edits.every((c, i) => i === 0 || c.end <= edits[i - 1]!.start);
    this.set(e.document.uri, ordered ? afterEdits(file, edits, e.document.getText()) : undefined);
  }

  private set(uri: vscode.Uri, file: CoveredFile | undefined): void {
    const key = fileKey(uri.fsPath);
    if (file) this.files.set(key, file);
    else if (!this.files.delete(key)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.send(), SEND_DELAY_MS);
  }

  private async send(): Promise<void> {
    const config: CoveredConfig = { files: Object.fromEntries(this.files) };
    const json = JSON.stringify(config);
    if (json === this.sent) return;
    const api = await typeScriptApi();
    if (!api) return;
    this.sent = json;
    try {
      api.configurePlugin(PLUGIN_NAME, config);
    } catch (e) {
      this.log.appendLine(`one squiggle per mistake: configurePlugin failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

function codeOf(d: vscode.Diagnostic): string {
  return String(typeof d.code === "object" ? d.code.value : d.code ?? "");
}

/** The built-in TypeScript extension's API (version 0), when it is there. */
async function typeScriptApi(): Promise<TypeScriptApi | undefined> {
  const ext = vscode.extensions.getExtension<{ getAPI?(version: 0): TypeScriptApi | undefined }>("vscode.typescript-language-features");
  if (!ext) return undefined;
  try {
    const exports = ext.isActive ? ext.exports : await ext.activate();
    return exports?.getAPI?.(0);
  } catch {
    return undefined;
  }
}

/** Starts watching Flowsmith's diagnostics for the plugin (extension.ts calls it once). */
export function registerOneSquiggle(context: vscode.ExtensionContext, log: vscode.OutputChannel): void {
  context.subscriptions.push(new OneSquiggle(log));
}
