/**
 * What an editor feature (completion, code actions, rename, inlay hints…) needs from the server:
 * the analysis of a file's folder, the open documents, and the server's guard and log. Each
 * feature is one module under editor/ with a `register` function; index.ts lists them.
 */
import type { Connection, ServerCapabilities, TextDocuments } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { FlowAnalysis } from "../analysis/index.js";

export interface EditorContext {
  /** The analysis of the folder holding `file` (undefined outside every folder). */
  analysisOf(file: string): FlowAnalysis | undefined;
  /** Every folder's analysis (workspace-wide requests: rename, references). */
  analyses(): FlowAnalysis[];
  readonly documents: TextDocuments<TextDocument>;
  /** Run a handler; a failure is logged and answered with `fallback`, never a crash. */
  guard<T>(what: string, fallback: T, fn: () => T): T;
  log(message: string): void;
}

/** One editor feature: the capabilities it announces and the handlers it registers. */
export interface EditorFeature {
  capabilities: ServerCapabilities;
  register(connection: Connection, context: EditorContext): void;
}

/**
 * Has the analysis the text the editor shows for this document? (An open's text reaches the
 * analysis after its syntax pass is written; a request in between would read other offsets.)
 * Documents not open are read from the disk by both.
 */
export function caughtUp(context: EditorContext, uri: string, file: string): boolean {
  const doc = context.documents.get(uri);
  return !doc || context.analysisOf(file)?.project.readText(file) === doc.getText();
}
