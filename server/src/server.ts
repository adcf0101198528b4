/**
 * The Flowsmith language server: `node dist/server.js --stdio`. A thin LSP adapter over the
 * analysis in ./analysis — diagnostics, code lenses, hovers, symbols, and the flowsmith/* custom
 * messages. It never executes user code.
 */
import {
  CodeLensRefreshRequest,
  DidChangeWorkspaceFoldersNotification,
  InlayHintRefreshRequest,
  createConnection,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeResult,
} from "vscode-languageserver/node";
import * as path from "node:path";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { FlowAnalysis } from "./analysis/index.js";
import { isSettingsFile } from "./analysis/project.js";
import { Folders, type Folder } from "./folders.js";
import type { StatusChange } from "../../runtime/src/store/store.js";
import { pathToUri, rememberUri, toDiagnostic, uriToPath } from "./convert.js";
import { DidChangeStatus } from "@flowsmith/contract/lsp";
import { editorCapabilities, registerEditorFeatures } from "./editor/index.js";
import { Compositions } from "./editor/compositionService.js";
import { documentRequestCapabilities, registerDocumentRequests } from "./editor/compositionRouting.js";
import { DiagnosticsWriter } from "./diagnosticsWriter.js";

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
/** One analysis per workspace folder (folders.ts); set by initialize. */
let folders: Folders | undefined;
/** The analysis of the folder holding `file`. */
const analysisOf = (file: string): FlowAnalysis | undefined => folders?.analysisOf(file);
/** Short: typing bursts coalesce, but a pause is answered at once. */
const DEBOUNCE_MS = 25;
/** When each file's edit was last analysed (schedule). */
const lastAnalysed = new Map<string, number>();
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
  const uris = params.workspaceFolders?.length ? params.workspaceFolders.map((f) => f.uri) : params.rootUri ? [params.rootUri] : [];
  const roots = uris.map((u) => uriToPath(u)).filter((p): p is string => !!p);
  if (!roots.length) roots.push(params.rootPath ?? process.cwd());
  const options = (params.initializationOptions ?? {}) as { store?: string };
  lensRefreshSupported = params.capabilities.workspace?.codeLens?.refreshSupport === true;
  inlayRefreshSupported = params.capabilities.workspace?.inlayHint?.refreshSupport === true;
  folders = new Folders(options.store || undefined, (folder, change) => storeChanged(folder, change));
  for (const root of roots) {
    const { analysis } = folders.add(root);
    log(`workspace ${root}, store ${analysis.store.dir}`);
  }
  log(`code cache ${globalThis.flowsmithCodeCache?.state ?? "off"}`);
  return {
    capabilities: {
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      textDocumentSync: TextDocumentSyncKind.Incremental,
      ...documentRequestCapabilities,
      ...editorCapabilities(),
    },
    serverInfo: { name: "flowsmith", version: "0.1.0" },
  };
});

connection.onInitialized(() => {
  void connection.client.register(DidChangeWatchedFilesNotification.type, {
    watchers: [{ globPattern: "**/*.{ts,tsx,mts,cts}" }, { globPattern: "**/*.flows.{yaml,yml}" }, { globPattern: "**/{tsconfig*.json,jsconfig.json,package.json}" }],
  }).catch(() => undefined);
  for (const folder of folders!.all()) folder.watcher.start();
  void analyzeFolders(folders!.all());
});

/** Folders added to or removed from the workspace (a multi-root workspace being edited). */
connection.onNotification(DidChangeWorkspaceFoldersNotification.type, (params) => {
  const f = folders!;
  for (const removed of params.event.removed) {
    const root = uriToPath(removed.uri);
    const gone = root ? f.remove(root) : undefined;
    if (!gone) continue;
    for (const file of [...published]) {
      // Its files, unless another folder holds them too (a folder nested in another).
      if (!isUnder(file, gone.path) || f.all().some((x) => isUnder(file, x.path))) continue;
      published.delete(file);
      sentDiagnostics.delete(file);
      void connection.sendDiagnostics({ uri: pathToUri(file), diagnostics: [] });
    }
  }
  const added: Folder[] = [];
  for (const folder of params.event.added) {
    const root = uriToPath(folder.uri);
    if (!root) continue;
    const known = f.all().some((x) => x.path === root);
    const entry = f.add(root);
    if (known) continue;
    entry.watcher.start();
    added.push(entry);
  }
  if (added.length) void analyzeFolders(added);
  connection.sendNotification(DidChangeStatus.type, { targets: [] });
});

function isUnder(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** Folders whose first sweep has not ended (the Flows view says it is scanning). */
const sweeping = new Set<Folder>();

/** Each folder's first sweep, one after the other (they share the one thread). */
async function analyzeFolders(list: readonly Folder[]): Promise<void> {
  for (const folder of list) sweeping.add(folder);
  for (const folder of list) {
    try {
      await analyzeWorkspace(folder);
    } finally {
      sweeping.delete(folder);
    }
  }
  // Idle now: the next start loads from a code cache that has what this one compiled (boot.ts;
  // save() does nothing when the cache was used, is off, or was written already).
  const cache = globalThis.flowsmithCodeCache;
  if (cache) {
    await new Promise((r) => setImmediate(r));
    guard("writing the code cache", undefined, () => cache.save());
  }
}

/** Flow files loaded per slice at start: an open or a request waits for one slice at most. */
const LOAD_SLICE = 50;

/** Diagnostics for every flow file at start, a few files at a time so requests keep flowing. */
async function analyzeWorkspace(folder: Folder): Promise<void> {
  const a = folder.analysis;
  const started = Date.now();
  // Documents opened at start are answered first (the client sends didOpen right after
  // initialized; give it a moment to arrive), then one program for the whole workspace.
  await new Promise((r) => setTimeout(r, 100));
  // Their diagnostics are written from a setImmediate (vscode-jsonrpc's write queue): let them
  // go out before the bulk load, which would otherwise hold them back for seconds.
  await flushed();
  const files = guard("discovery", [] as string[], () => folders!.flowFiles(folder));
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
    if (!file || !sentDiagnostics.has(file) || analysisOf(file) !== a) continue;
    guard("recheck", undefined, () => a.recheck(file));
    publish(file, true);
  }
  for (const file of files) {
    if (documents.get(pathToUri(file))) continue; // open documents are published on open
    publish(file);
    await new Promise((r) => setImmediate(r));
  }
  guard("compositions", undefined, () => compositions.sweep(folder));
  log(`analysed ${files.length} flow files in ${Date.now() - started} ms${folders!.all().length > 1 ? ` (${folder.path})` : ""}`);
  connection.sendNotification(DidChangeStatus.type, { targets: [] });
}

/** Diagnostics being written; `flushed()` resolves when all sent so far are (diagnosticsWriter.ts). */
const writer = new DiagnosticsWriter(connection);
const flushed = (): Promise<void> => writer.flushed();
/** Opened files whose typed pass waits for their syntax pass to be written (their changes wait too). */
const opening = new Set<string>();

/** What was last sent per file (JSON), for `publish(file, true)`. */
const sentDiagnostics = new Map<string, string>();

/** Publish a file's diagnostics; with `onlyIfChanged`, not when they are what was last sent. */
function publish(file: string, onlyIfChanged = false): void {
  const a = analysisOf(file);
  if (!a) return;
  const diagnostics = guard(`diagnostics of ${file}`, [], () => a.diagnostics(file).filter((d) => d.file === file).map(toDiagnostic));
  // Files that are not flows get nothing, unless they are open (the editor waits for an answer)
  // or had flow diagnostics before (they must be cleared).
  const isFlow = guard("flows", false, () => a.analyzeFile(file).workflows.length > 0 || a.analyzeFile(file).tasks.length > 0);
  if (diagnostics.length === 0 && !published.has(file) && !isFlow && !documents.get(pathToUri(file))) return;
  const json = JSON.stringify(diagnostics);
  if (onlyIfChanged && sentDiagnostics.get(file) === json) return;
  send(file, diagnostics, json);
}

function send(file: string, diagnostics: ReturnType<typeof toDiagnostic>[], json: string): void {
  sentDiagnostics.set(file, json);
  published.add(file);
  const uri = pathToUri(file);
  writer.send(uri, diagnostics, documents.get(uri)?.version);
}

/**
 * Analysed at once when the file's last analysis is more than DEBOUNCE_MS old (the first keystroke
 * after a pause), debounced within a burst; superseded by newer edits (the old timer is dropped).
 */
function schedule(file: string): void {
  if (compositions.isComposition(file)) return compositions.changed(file);
  const quiet = !timers.has(file) && Date.now() - (lastAnalysed.get(file) ?? 0) > DEBOUNCE_MS;
  clearTimeout(timers.get(file));
  timers.set(
    file,
    setTimeout(() => {
      timers.delete(file);
      lastAnalysed.set(file, Date.now());
      const a = analysisOf(file);
      if (!a) return;
      const before = guard("flows", [] as string[], () => a.analyzeFile(file).workflows.map((w) => a.targetOf(w)));
      const dependents = guard("dependents", [] as string[], () => a.dependents(file));
      publish(file);
      compositions.flowFileChanged();
      const after = guard("flows", [] as string[], () => a.analyzeFile(file).workflows.map((w) => a.targetOf(w)));
      connection.sendNotification(DidChangeStatus.type, { targets: [...new Set([...before, ...after])] });
      // Statuses of importers' lenses may change with this file (stale upstream code).
      if (dependents.length) refreshLenses();
      // Importers next, after a turn of the event loop: the next keystroke is not queued behind them.
      if (dependents.length) {
        setImmediate(() => {
          for (const dep of dependents) if (!timers.has(dep)) publish(dep);
        });
      }
      lastAnalysed.set(file, Date.now());
    }, quiet ? 0 : DEBOUNCE_MS),
  );
}

documents.onDidOpen((e) => {
  const file = rememberUri(e.document.uri);
  if (file && compositions.isComposition(file)) return compositions.opened(file);
  const a = file && analysisOf(file);
  if (!file || !a) return;
  // Fast first answer: what a parse tells (analysis/syntaxPass.ts), before the program build (unless the scan sent this text's typed diagnostics).
  const text = e.document.getText(), early = published.has(file) && a.project.readText(file) === text ? undefined : guard("syntax pass", [], () => a.syntaxDiagnostics(file, text).filter((d) => d.file === file).map(toDiagnostic));
  if (early) send(file, early, JSON.stringify(early));
  opening.add(file);
  void flushed().then(() => {
    opening.delete(file);
    const doc = documents.get(e.document.uri);
    if (!doc) return; // closed meanwhile: the close publishes again
    const changed = guard("open", true, () => a.setText(file, doc.getText()));
    publish(file);
    if (changed) schedule(file); // statuses, importers (the change event of every open is skipped)
  });
});

documents.onDidChangeContent((e) => {
  const file = uriToPath(e.document.uri);
  if (file && compositions.isComposition(file)) return compositions.changed(file);
  const a = file && analysisOf(file);
  if (!file || !a || opening.has(file)) return;
  // Every open comes with a change event of the same text (TextDocuments): nothing to redo.
  if (!guard("change", true, () => a.setText(file, e.document.getText()))) return;
  schedule(file);
});

documents.onDidClose((e) => {
  const file = uriToPath(e.document.uri);
  if (file && compositions.isComposition(file)) return compositions.diskChanged(file);
  const analysis = file && analysisOf(file);
  if (!file || !analysis) return;
  guard("close", undefined, () => analysis.closeText(file));
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
  if (!folders) return;
  for (const change of params.changes) {
    const file = uriToPath(change.uri);
    if (!file || documents.get(change.uri)) continue;
    if (compositions.isComposition(file)) {
      compositions.diskChanged(file);
      continue;
    }
    if (isSettingsFile(file)) {
      // A tsconfig may be extended, or a package.json read, by files of any folder.
      for (const folder of folders.all()) guard("settings change", undefined, () => folder.analysis.fileChanged(file));
      settingsChanged();
      continue;
    }
    const a = analysisOf(file);
    if (!a) continue;
    guard("file change", undefined, () => a.fileChanged(file));
    if (change.type === FileChangeType.Deleted) {
      sentDiagnostics.delete(file);
      if (published.delete(file)) void connection.sendDiagnostics({ uri: change.uri, diagnostics: [] });
      for (const dep of a.dependents(file)) schedule(dep);
      compositions.flowFileChanged();
    } else {
      schedule(file);
    }
  }
});

/** A tsconfig or package.json changed: every flow may be typed differently; publish them again. */
function settingsChanged(): void {
  const files = new Set([...published, ...documents.all().map((d) => uriToPath(d.uri)).filter((f): f is string => !!f)]);
  for (const file of files) schedule(file);
  connection.sendNotification(DidChangeStatus.type, { targets: [] });
  refreshLenses();
}

/** The store changed (a run went on, a reset): tell clients and refresh FS012 of the targets it names. */
function storeChanged(folder: Folder, change: StatusChange): void {
  const a = folder.analysis;
  const targets: string[] = [];
  for (const file of published) {
    if (analysisOf(file) !== a) continue;
    const flows = guard("flows", [], () => a.analyzeFile(file).workflows);
    let touched = false;
    for (const wf of flows) {
      const target = a.targetOf(wf);
      if (change.has(target)) {
        targets.push(target);
        touched = true;
      }
    }
    if (touched) publish(file);
  }
  targets.push(...guard("compositions", [] as string[], () => compositions.storeChanged(folder, change)));
  connection.sendNotification(DidChangeStatus.type, { targets });
  refreshLenses();
}

/** Lenses and inlay hints show statuses: ask the client to re-request them (LSP refresh) when those change. */
let lensRefreshSupported = false;
let inlayRefreshSupported = false;
function refreshLenses(): void {
  if (lensRefreshSupported) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  if (inlayRefreshSupported) void connection.sendRequest(InlayHintRefreshRequest.type).catch(() => undefined);
}

/** Lens commands name the root of a flow outside the primary folder (the client runs there). */
const lensRoot = (a: FlowAnalysis): string | undefined => (a === folders?.primary()?.analysis ? undefined : a.storeRoot);

/** Composition files (*.flows.yaml): their diagnostics, graphs and statuses (editor/compositionService.ts). */
const compositions = new Compositions({
  analysisOf,
  folders: () => [...(folders?.all() ?? [])],
  documents,
  send: (file, diagnostics) => writer.send(pathToUri(file), diagnostics),
  flushed,
  guard,
  changedTargets: (targets) => {
    connection.sendNotification(DidChangeStatus.type, { targets });
    refreshLenses();
  },
});

const editorContext = { analysisOf, analyses: () => folders?.all().map((f) => f.analysis) ?? [], documents, guard, log };
registerDocumentRequests(connection, editorContext, compositions, { folders: () => folders, published: () => published, sweeping, lensRoot });
registerEditorFeatures(connection, editorContext, compositions);

connection.onShutdown(() => {
  folders?.dispose();
});

process.on("unhandledRejection", (reason) => log(`unhandled rejection: ${String(reason)}`));
process.on("uncaughtException", (error) => log(`uncaught exception: ${error.stack ?? error.message}`));

documents.listen(connection);
connection.listen();

