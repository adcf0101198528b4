/**
 * Requests about a composition (`*.flows.yaml`) go to the composition features, requests about a
 * flow file to the workflow features: the editor modules (completion, code actions, rename,
 * references, inlay hints) register on a connection that sends them TypeScript documents only,
 * and the document requests the server answers itself (lenses, hover, symbols) plus go to
 * definition and `flowsmith/flows`/`flowsmith/graph` are registered here for both kinds.
 */
import type { CodeActionParams, CompletionParams, Connection, TextDocumentPositionParams } from "vscode-languageserver/node";
import { DefinitionRequest } from "vscode-languageserver/node";
import { FlowsRequest, GraphRequest } from "@flowsmith/contract/lsp";
import type { FlowAnalysis } from "../analysis/index.js";
import { isCompositionFile } from "../compositions/index.js";
import { toFlowInfo, toGraph, uriToPath } from "../convert.js";
import { codeLenses, documentSymbols, hover } from "../features.js";
import type { Folder, Folders } from "../folders.js";
import { compositionCompletion } from "./compositionCompletion.js";
import { compositionCodeActions, compositionDefinition, compositionHover, compositionLenses, compositionSymbols } from "./compositionFeatures.js";
import type { Compositions } from "./compositionService.js";
import type { EditorContext } from "./context.js";

const yamlFile = (uri: string | undefined): string | undefined => {
  const file = uri ? uriToPath(uri) : undefined;
  return file && isCompositionFile(file) ? file : undefined;
};

type Handler = (params: { textDocument?: { uri: string } }, ...rest: unknown[]) => unknown;

/**
 * The connection the editor features register on: a handler of theirs never sees a composition;
 * completion and code actions there are answered by the composition features, the rest with nothing.
 */
export function flowFilesOnly(connection: Connection, context: EditorContext, compositions: Compositions): Connection {
  const wrap = (method: string, fn: Handler): Handler => (params, ...rest) => {
    const file = yamlFile(params?.textDocument?.uri);
    if (!file) return fn(params, ...rest);
    if (method === "onCompletion") return context.guard("composition completion", null, () => compositionCompletion(compositions, file, (params as CompletionParams).position));
    if (method === "onCodeAction") return context.guard("composition code actions", [], () => compositionCodeActions(compositions, file, params as CodeActionParams));
    return method === "onReferences" ? [] : null;
  };
  const routed = new Set(["onCompletion", "onCodeAction", "onPrepareRename", "onRenameRequest", "onReferences"]);
  const languages = new Proxy(connection.languages, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== "inlayHint") return value;
      const hints = value as Connection["languages"]["inlayHint"];
      return { ...hints, on: (fn: Handler) => hints.on(wrap("inlayHint", fn) as Parameters<typeof hints.on>[0]) };
    },
  });
  return new Proxy(connection, {
    get(target, prop, receiver) {
      if (prop === "languages") return languages;
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop === "string" && routed.has(prop) && typeof value === "function") {
        return (fn: Handler) => (value as (h: Handler) => unknown).call(target, wrap(prop, fn));
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export interface DocumentRequestsHost {
  folders(): Folders | undefined;
  /** Files whose diagnostics were published (flow files the Flows view lists even before a sweep finds them). */
  published(): Iterable<string>;
  /** Folders whose first sweep has not ended. */
  sweeping: Set<Folder>;
  /** The root lens commands name for a flow of this analysis (undefined: the primary folder's). */
  lensRoot(a: FlowAnalysis): string | undefined;
}

/** Lenses, hover, symbols, definition, flowsmith/flows and flowsmith/graph, for flow files and compositions. */
export function registerDocumentRequests(connection: Connection, context: EditorContext, compositions: Compositions, host: DocumentRequestsHost): void {
  const { guard } = context;
  const route = <T>(what: string, uri: string, fallback: T, onYaml: (file: string, a: FlowAnalysis) => T, onFlow: (file: string, a: FlowAnalysis) => T): T => {
    const file = uriToPath(uri);
    const a = file && context.analysisOf(file);
    if (!file || !a) return fallback;
    return guard(what, fallback, () => (isCompositionFile(file) ? onYaml(file, a) : onFlow(file, a)));
  };
  connection.onCodeLens((params) => route("code lenses", params.textDocument.uri, [], (f, a) => compositionLenses(compositions, f, host.lensRoot(a)), (f, a) => codeLenses(a, f, host.lensRoot(a))));
  connection.onHover((params) => route("hover", params.textDocument.uri, null, (f) => compositionHover(compositions, f, params.position), (f, a) => hover(a, f, params.position)));
  connection.onDocumentSymbol((params) => route("symbols", params.textDocument.uri, [], (f) => compositionSymbols(compositions, f), (f, a) => documentSymbols(a, f)));
  connection.onRequest(DefinitionRequest.type, (params: TextDocumentPositionParams) => route("definition", params.textDocument.uri, null, (f) => compositionDefinition(compositions, f, params.position), () => null));

  connection.onRequest(FlowsRequest.type, (params) => {
    const f = host.folders()!;
    const primary = f.primary()!.analysis;
    return guard("flowsmith/flows", { root: primary.storeRoot, store: primary.store.dir, flows: [] }, () => {
      const only = params?.uri ? uriToPath(params.uri) : undefined;
      const flows = f.all().flatMap((folder) => {
        const a = folder.analysis;
        if (only && isCompositionFile(only)) return f.of(only) === folder ? compositions.flows(folder, only) : [];
        const mine = [...host.published()].filter((p) => f.of(p) === folder && !isCompositionFile(p));
        const files = only ? (f.of(only) === folder ? [only] : []) : [...new Set([...f.flowFiles(folder), ...mine])].sort();
        // Asked before the folder's first sweep has loaded them: one program build for all (each
        // file would otherwise add a root and rebuild the program on its own).
        if (!only && host.sweeping.has(folder)) a.project.addFiles(files);
        const workflows = files.flatMap((file) => a.analyzeFile(file).workflows.filter((wf) => wf.exported).map((wf) => toFlowInfo(a, wf)));
        return only ? workflows : [...workflows, ...compositions.flows(folder)];
      });
      return { root: primary.storeRoot, store: primary.store.dir, flows, ...(host.sweeping.size ? { scanning: true } : {}) };
    });
  });

  connection.onRequest(GraphRequest.type, (params) => {
    const f = host.folders()!;
    return guard("flowsmith/graph", null, () => {
      // The folder the target is relative to: named by the client, else the first that has it.
      const named = f.byRoot(params.root);
      const list = named ? [named] : f.all();
      const composed = compositions.graph(params.target, list.map((x) => x.analysis));
      if (composed) return composed;
      if (isCompositionFile(params.target.slice(0, Math.max(0, params.target.lastIndexOf("#"))))) return null;
      for (const folder of list) {
        const wf = folder.analysis.workflow(params.target);
        if (wf) return toGraph(folder.analysis, wf);
      }
      return null;
    });
  });
}

/** What a server announces for these requests. */
export const documentRequestCapabilities = { codeLensProvider: { resolveProvider: false }, hoverProvider: true, documentSymbolProvider: true, definitionProvider: true };
