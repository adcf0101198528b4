/**
 * The editor features beyond diagnostics, lenses, hovers and symbols (DESIGN.md, "Editor
 * features"). Each lives in its own module; this list is the one place that names them.
 */
import type { Connection, ServerCapabilities } from "vscode-languageserver/node";
import { codeActions } from "./codeActions.js";
import { completion } from "./completion.js";
import { flowFilesOnly } from "./compositionRouting.js";
import type { Compositions } from "./compositionService.js";
import type { EditorContext, EditorFeature } from "./context.js";
import { inlayHintsFeature } from "./inlayHints.js";
import { references } from "./references.js";
import { rename } from "./rename.js";

const features: EditorFeature[] = [completion, codeActions, rename, references, inlayHintsFeature];

/** Merged into the server's InitializeResult capabilities. */
export function editorCapabilities(): ServerCapabilities {
  return Object.assign({}, ...features.map((f) => f.capabilities)) as ServerCapabilities;
}

/** With `compositions`, the features never see a composition: requests on one go to the composition features. */
export function registerEditorFeatures(connection: Connection, context: EditorContext, compositions?: Compositions): void {
  const routed = compositions ? flowFilesOnly(connection, context, compositions) : connection;
  for (const feature of features) feature.register(routed, context);
}

export type { EditorContext, EditorFeature } from "./context.js";
