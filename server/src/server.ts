/**
 * The Flowsmith language server: `node dist/server.js --stdio`. A thin LSP adapter over the
 * analysis in ./analysis — diagnostics, code lenses, hovers, symbols, and the flowsmith/* custom
 * messages. It never executes user code.
 */
import {
  CodeLensRefreshRequest,
  createConnection,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeResult,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { FlowAnalysis } from "./analysis/index.js";
import { isSettingsFile } from "./analysis/project.js";
import { shortHash } from "../../runtime/src/store/store.js";
import { pathToUri, rememberUri, toDiagnostic, toFlowInfo, toGraph, uriToPath } from "./convert.js";
import { codeLenses, documentSymbols, hover } from "./features.js";
import { DidChangeStatus, FlowsRequest, GraphRequest } from "./protocol.js";
import { StoreWatcher } from "./storeWatcher.js";

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let analysis: FlowAnalysis | undefined;
let watcher: StoreWatcher | undefined;
let storeOption: string | undefined;
/** Short: typing bursts coalesce, but a pause is answered at once. */
const DEBOUNCE_MS = 25;
const timers = new Map<string, NodeJS.Timeout>();
/** Files whose diagnostics were published, to clear them when a file stops being a flow. */
const published = new Set<string>();

function log(message: string): void {
  connection.console.log(`[flowsmith] ${message}`);
}

/** Run a handler; a failure is logged and answered with `fallback`, never a crash. */
function guard<T>(what: string, fallback: T, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    log(`${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return fallback;
  }
}

connection.onInitialize((params): InitializeResult => {
  const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
  const root = (folder && uriToPath(folder)) ?? params.rootPath ?? process.cwd();
  const options = (params.initializationOptions ?? {}) as { store?: string };
  lensRefreshSupported = params.capabilities.workspace?.codeLens?.refreshSupport === true;
  storeOption = options.store || undefined;
  analysis = new FlowAnalysis(root, { store: storeOption });
  log(`workspace ${root}, store ${analysis.store.dir}, code cache ${globalThis.flowsmithCodeCache?.state ?? "off"}`);
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      codeLensProvider: { resolveProvider: false },
      hoverProvider: true,
      documentSymbolProvider: true,
    },
    serverInfo: { name: "flowsmith", version: "0.1.0" },
  };
});

connection.onInitialized(() => {
  const a = analysis!;
  void connection.client.register(DidChangeWatchedFilesNotification.type, {
    watchers: [{ globPattern: "**/*.{ts,tsx,mts,cts}" }, { globPattern: "**/{tsconfig*.json,jsconfig.json,package.json}" }],
  }).catch(() => undefined);
  watcher = new StoreWatcher(a.store.dir, (hashes) => storeChanged(hashes));
  watcher.start();
  void analyzeWorkspace();
});

/** Flow files loaded per slice at start: an open or a request waits for one slice at most. */
const LOAD_SLICE = 50;

/** Diagnostics for every flow file at start, a few files at a time so requests keep flowing. */
async function analyzeWorkspace(): Promise<void> {
  const a = analysis!;
  const started = Date.now();
  // Documents opened at start are answered first (the client sends didOpen right after
  // initialized; give it a moment to arrive), then one program for the whole workspace.
  await new Promise((r) => setTimeout(r, 100));
  // Their diagnostics are written from a setImmediate (vscode-jsonrpc's write queue): let them
  // go out before the bulk load, which would otherwise hold them back for seconds.
  await flushed();
  const files = guard("discovery", [] as string[], () => a.flowFiles());
  // Parsed in slices with a turn of the event loop between them (a didOpen or a request that
  // arrives meanwhile is answered after one slice, not after the whole workspace), then one
  // program over all of them.
  for (let i = 0; i < files.length; i += LOAD_SLICE) {
    guard("loading flow files", undefined, () => a.project.parseFiles(files.slice(i, i + LOAD_SLICE)));
    await new Promise((r) => setImmediate(r));
    await flushed();
  }
  guard("loading flow files", undefined, () => a.project.addFiles(files));
  // Documents answered before this were typed by a program of their own imports (all a file's
  // types come from there), but other files can still reach them through globals (a script
  // file, `declare global`, a module augmentation): check them once more against the whole
  // program, and publish again only if that changed anything.
  for (const doc of documents.all()) {
    const file = uriToPath(doc.uri);
    if (!file || !sentDiagnostics.has(file)) continue;
    guard("recheck", undefined, () => a.recheck(file));
    publish(file, true);
  }
  for (const file of files) {
    if (documents.get(pathToUri(file))) continue; // open documents are published on open
    publish(file);
    await new Promise((r) => setImmediate(r));
  }
  log(`analysed ${files.length} flow files in ${Date.now() - started} ms`);
  connection.sendNotification(DidChangeStatus.type, { targets: [] });
  // Idle now: the next start loads from a code cache that has what this one compiled (boot.ts;
  // save() does nothing when the cache was used, is off, or was written already).
  const cache = globalThis.flowsmithCodeCache;
  if (cache) {
    await new Promise((r) => setImmediate(r));
    guard("writing the code cache", undefined, () => cache.save());
  }
}

/** Diagnostics being written (the writer queues each message behind a setImmediate). */
const sending = new Set<Promise<void>>();

/** Resolves when every diagnostics message sent so far has been written. */
async function flushed(): Promise<void> {
  while (sending.size) await Promise.allSettled([...sending]);
}

/** What was last sent per file (JSON), for `publish(file, true)`. */
const sentDiagnostics = new Map<string, string>();

/** Publish a file's diagnostics; with `onlyIfChanged`, not when they are what was last sent. */
function publish(file: string, onlyIfChanged = false): void {
  const a = analysis;
  if (!a) return;
  const diagnostics = guard(`diagnostics of ${file}`, [], () => a.diagnostics(file).filter((d) => d.file === file).map(toDiagnostic));
  // Files that are not flows get nothing, unless they are open (the editor waits for an answer)
  // or had flow diagnostics before (they must be cleared).
  const isFlow = guard("flows", false, () => a.analyzeFile(file).workflows.length > 0 || a.analyzeFile(file).tasks.length > 0);
  if (diagnostics.length === 0 && !published.has(file) && !isFlow && !documents.get(pathToUri(file))) return;
  const json = JSON.stringify(diagnostics);
  if (onlyIfChanged && sentDiagnostics.get(file) === json) return;
  sentDiagnostics.set(file, json);
  published.add(file);
  const sent = connection.sendDiagnostics({ uri: pathToUri(file), diagnostics }).catch(() => undefined);
  sending.add(sent);
  void sent.finally(() => sending.delete(sent));
}

/** Debounced, and superseded by newer edits of the same file (the old timer is dropped). */
function schedule(file: string): void {
  clearTimeout(timers.get(file));
  timers.set(
    file,
    setTimeout(() => {
      timers.delete(file);
      const before = guard("flows", [] as string[], () => analysis!.analyzeFile(file).workflows.map((w) => analysis!.targetOf(w)));
      const dependents = guard("dependents", [] as string[], () => analysis!.dependents(file));
      publish(file);
      const after = guard("flows", [] as string[], () => analysis!.analyzeFile(file).workflows.map((w) => analysis!.targetOf(w)));
      connection.sendNotification(DidChangeStatus.type, { targets: [...new Set([...before, ...after])] });
      // Statuses of importers' lenses may change with this file (stale upstream code).
      if (dependents.length) refreshLenses();
      // Importers next, after a turn of the event loop: the next keystroke is not queued behind them.
      if (dependents.length) {
        setImmediate(() => {
          for (const dep of dependents) if (!timers.has(dep)) publish(dep);
        });
      }
    }, DEBOUNCE_MS),
  );
}

documents.onDidOpen((e) => {
  const file = rememberUri(e.document.uri);
  if (!file || !analysis) return;
  const changed = guard("open", true, () => analysis!.setText(file, e.document.getText()));
  publish(file);
  // What an edit does next (statuses, importers), as for any new text; the change event that
  // follows every open carries the same text and is skipped.
  if (changed) schedule(file);
});

documents.onDidChangeContent((e) => {
  const file = uriToPath(e.document.uri);
  if (!file || !analysis) return;
  // Every open comes with a change event of the same text (TextDocuments): nothing to redo.
  if (!guard("change", true, () => analysis!.setText(file, e.document.getText()))) return;
  schedule(file);
});

documents.onDidClose((e) => {
  const file = uriToPath(e.document.uri);
  if (!file || !analysis) return;
  guard("close", undefined, () => analysis!.closeText(file));
  // Closed after being deleted on disk: it is gone, and so are its diagnostics.
  if (analysis.project.readText(file) === undefined) {
    clearTimeout(timers.get(file));
    sentDiagnostics.delete(file);
    if (published.delete(file)) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    for (const dep of analysis.dependents(file)) schedule(dep);
    return;
  }
  schedule(file);
});

connection.onDidChangeWatchedFiles((params) => {
  const a = analysis;
  if (!a) return;
  for (const change of params.changes) {
    const file = uriToPath(change.uri);
    if (!file || documents.get(change.uri)) continue;
    guard("file change", undefined, () => a.fileChanged(file));
    if (isSettingsFile(file)) {
      settingsChanged();
      continue;
    }
    if (change.type === FileChangeType.Deleted) {
      sentDiagnostics.delete(file);
      if (published.delete(file)) void connection.sendDiagnostics({ uri: change.uri, diagnostics: [] });
      for (const dep of a.dependents(file)) schedule(dep);
    } else {
      schedule(file);
    }
  }
});

/** A tsconfig or package.json changed: every flow may be typed differently; publish them again. */
function settingsChanged(): void {
  const a = analysis!;
  const files = new Set([...published, ...documents.all().map((d) => uriToPath(d.uri)).filter((f): f is string => !!f)]);
  for (const file of files) schedule(file);
  connection.sendNotification(DidChangeStatus.type, { targets: guard("flows", [] as string[], () => a.flowFiles().flatMap((f) => a.analyzeFile(f).workflows.map((w) => a.targetOf(w)))) });
  refreshLenses();
}

/** The store changed (a run went on, a reset): tell clients and refresh FS012. */
function storeChanged(hashes: Set<string>): void {
  const a = analysis;
  if (!a) return;
  const targets: string[] = [];
  for (const file of published) {
    const flows = guard("flows", [], () => a.analyzeFile(file).workflows);
    let touched = false;
    for (const wf of flows) {
      const target = a.targetOf(wf);
      if (hashes.size === 0 || hashes.has(shortHash(target))) {
        targets.push(target);
        touched = true;
      }
    }
    if (touched) publish(file);
  }
  connection.sendNotification(DidChangeStatus.type, { targets });
  refreshLenses();
}

/** Lenses show statuses: ask the client to re-request them (LSP 3.16 refresh) when those change. */
let lensRefreshSupported = false;
function refreshLenses(): void {
  if (lensRefreshSupported) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
}

connection.onCodeLens((params) => {
  const file = uriToPath(params.textDocument.uri);
  if (!file || !analysis) return [];
  return guard("code lenses", [], () => codeLenses(analysis!, file));
});

connection.onHover((params) => {
  const file = uriToPath(params.textDocument.uri);
  if (!file || !analysis) return null;
  return guard("hover", null, () => hover(analysis!, file, params.position));
});

connection.onDocumentSymbol((params) => {
  const file = uriToPath(params.textDocument.uri);
  if (!file || !analysis) return [];
  return guard("symbols", [], () => documentSymbols(analysis!, file));
});

connection.onRequest(FlowsRequest.type, (params) => {
  const a = analysis!;
  return guard("flowsmith/flows", { root: a.storeRoot, store: a.store.dir, flows: [] }, () => {
    const only = params?.uri ? uriToPath(params.uri) : undefined;
    const files = only ? [only] : [...new Set([...a.flowFiles(), ...[...published]])].sort();
    // One program build for all of them (asked before the first scan, each file would add a root
    // and rebuild the program on its own).
    if (!only) a.project.addFiles(files);
    const flows = files.flatMap((f) => a.analyzeFile(f).workflows.filter((wf) => wf.exported).map((wf) => toFlowInfo(a, wf)));
    return { root: a.storeRoot, store: a.store.dir, flows };
  });
});

connection.onRequest(GraphRequest.type, (params) => {
  const a = analysis!;
  return guard("flowsmith/graph", null, () => {
    const wf = a.workflow(params.target);
    return wf ? toGraph(a, wf) : null;
  });
});

connection.onShutdown(() => {
  watcher?.dispose();
});

process.on("unhandledRejection", (reason) => log(`unhandled rejection: ${String(reason)}`));
process.on("uncaughtException", (error) => log(`uncaught exception: ${error.stack ?? error.message}`));

documents.listen(connection);
connection.listen();

