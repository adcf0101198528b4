/** Open a file at a source location and select it (the graph panel and Reveal in Code both use it). */
import * as vscode from "vscode";
import type { SourceLocation } from "@flowsmith/contract";

export async function revealLocation(location: SourceLocation, viewColumn?: vscode.ViewColumn): Promise<void> {
  const { start, end } = location.range;
  const range = new vscode.Range(start.line, start.character, end.line, end.character);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(location.uri));
  await vscode.window.showTextDocument(doc, { selection: range, preserveFocus: false, preview: true, viewColumn });
}
