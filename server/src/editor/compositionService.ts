/**
 * Compositions (`*.flows.yaml`) in the language server: their diagnostics (the structure at once,
 * then what needs the workflows' types), republished when a workflow they name changes, their
 * FlowInfo for `flowsmith/flows`, their graph for `flowsmith/graph`, and the composition targets
 * a store change touches. The analysis lives in ../compositions; this is the LSP side.
 */
import * as path from "node:path";
import type { Diagnostic, TextDocuments } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { FlowInfo, GraphResult } from "@flowsmith/contract";
import type { FlowAnalysis, StaticStatus, WorkflowInfo } from "../analysis/index.js";
import {
  compositionDiagnostics,
  compositionFiles,
  compositionGraphs,
  compositionStatuses,
  isCompositionFile,
  parseComposition,
  readCompositionText,
  structureDiagnostics,
  type CompositionGraph,
  type ParsedComposition,
} from "../compositions/index.js";
import { pathToUri, toDiagnostic, toFlowNodes, uriToPath } from "../convert.js";
import type { StatusChange } from "../../../runtime/src/store/store.js";

export interface CompositionHost {
  analysisOf(file: string): FlowAnalysis | undefined;
  /** The workspace folders: where compositions are found. */
  folders(): { path: string; analysis: FlowAnalysis }[];
  readonly documents: TextDocuments<TextDocument>;
  /** Publish (through the server's ordered writer). */
  send(file: string, diagnostics: Diagnostic[]): void;
  flushed(): Promise<void>;
  guard<T>(what: string, fallback: T, fn: () => T): T;
  /** Targets whose statuses or graphs may have changed (flowsmith/didChangeStatus). */
  changedTargets(targets: string[]): void;
}

const DEBOUNCE_MS = 25;

export class Compositions {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** What was last published per composition file (JSON). */
  private readonly sent = new Map<string, string>();
  private dependentsTimer: NodeJS.Timeout | undefined;
  /** The text each file's typed diagnostics were last computed for (a structure pass of it would only flicker). */
  private readonly typedText = new Map<string, string>();
  /** The text of each file's last publish (structure or typed). */
  private readonly sentText = new Map<string, string>();

  constructor(private readonly host: CompositionHost) {}

  isComposition(file: string): boolean {
    return isCompositionFile(file);
  }

  /** The editor's text when open, else the disk's. */
  textOf(file: string): string | undefined {
    const doc = this.host.documents.get(pathToUri(file));
    return doc ? doc.getText() : readCompositionText(file);
  }

  docOf(file: string): ParsedComposition | undefined {
    const text = this.textOf(file);
    return text === undefined ? undefined : parseComposition(file, text);
  }

  // ---- diagnostics ---------------------------------------------------------------------------

  /** Opened: the structure now, the typed diagnostics once that is written. */
  opened(file: string): void {
    this.publishStructure(file);
    void this.host.flushed().then(() => this.publish(file));
  }

  changed(file: string): void {
    clearTimeout(this.timers.get(file));
    this.timers.set(
      file,
      setTimeout(() => {
        this.timers.delete(file);
        // Every open comes with a change event of the same text: nothing to redo.
        if (this.upToDate(file, this.textOf(file))) return;
        const before = this.targetsOf(file);
        this.publishStructure(file, true);
        void this.host.flushed().then(() => {
          if (this.timers.has(file)) return; // edited again meanwhile
          this.publish(file);
          this.host.changedTargets([...new Set([...before, ...this.targetsOf(file)])]);
        });
      }, DEBOUNCE_MS),
    );
  }

  /** Closed, or changed/deleted on disk: publish from the disk, or clear when it is gone. */
  diskChanged(file: string): void {
    if (this.textOf(file) === undefined) {
      clearTimeout(this.timers.get(file));
      this.typedText.delete(file);
      this.sentText.delete(file);
      if (this.sent.delete(file)) this.host.send(file, []);
      this.host.changedTargets([]);
      return;
    }
    this.changed(file);
  }

  private publishStructure(file: string, onlyIfChanged = false): void {
    const doc = this.docOf(file);
    if (!doc || this.upToDate(file, doc.text)) return;
    const diagnostics = this.host.guard(`composition ${file}`, [], () => structureDiagnostics(doc).map(toDiagnostic));
    this.sendIf(file, diagnostics, onlyIfChanged);
    this.sentText.set(file, doc.text);
  }

  publish(file: string, onlyIfChanged = false): void {
    const a = this.host.analysisOf(file);
    const doc = this.docOf(file);
    if (!a || !doc) return;
    const diagnostics = this.host.guard(`composition ${file}`, [], () => compositionDiagnostics(a, doc).map(toDiagnostic));
    this.typedText.set(file, doc.text);
    this.sentText.set(file, doc.text);
    this.sendIf(file, diagnostics, onlyIfChanged);
  }

  /** Is what the client shows the typed diagnostics of this text? */
  private upToDate(file: string, text: string | undefined): boolean {
    return text !== undefined && this.typedText.get(file) === text && this.sentText.get(file) === text;
  }

  private sendIf(file: string, diagnostics: Diagnostic[], onlyIfChanged: boolean): void {
    const json = JSON.stringify(diagnostics);
    if (onlyIfChanged && this.sent.get(file) === json) return;
    this.sent.set(file, json);
    this.host.send(file, diagnostics);
  }

  /** Every composition of a folder, at the end of its first sweep. */
  sweep(folder: { path: string; analysis: FlowAnalysis }): void {
    for (const file of this.host.guard("compositions", [] as string[], () => compositionFiles(folder.path, true))) {
      if (this.host.analysisOf(file) === folder.analysis) this.publish(file, true);
    }
  }

  /** Files to keep current: open compositions and every one published. */
  private tracked(): string[] {
    const open = this.host.documents.all().map((d) => uriToPath(d.uri)).filter((f): f is string => !!f && isCompositionFile(f));
    return [...new Set([...open, ...this.sent.keys()])];
  }

  /**
   * A flow file changed (edited, saved, deleted): the compositions naming a workflow may read it
   * differently now. Republished after a short pause (a typing burst is one republish).
   */
  flowFileChanged(): void {
    clearTimeout(this.dependentsTimer);
    this.dependentsTimer = setTimeout(() => {
      this.dependentsTimer = undefined;
      const targets: string[] = [];
      for (const file of this.tracked()) {
        if (this.timers.has(file)) continue;
        this.publish(file, true);
        targets.push(...this.targetsOf(file));
      }
      if (targets.length) this.host.changedTargets(targets);
    }, 150);
  }

  // ---- flows, graph, statuses ----------------------------------------------------------------

  graphsOf(file: string): { analysis: FlowAnalysis; graphs: CompositionGraph[] } | undefined {
    const a = this.host.analysisOf(file);
    const doc = this.docOf(file);
    if (!a || !doc) return undefined;
    return { analysis: a, graphs: this.host.guard(`composition ${file}`, [], () => compositionGraphs(a, doc)) };
  }

  targetsOf(file: string): string[] {
    return this.graphsOf(file)?.graphs.map((g) => g.target) ?? [];
  }

  statuses(analysis: FlowAnalysis, graph: CompositionGraph): Map<string, StaticStatus> {
    return this.host.guard("composition statuses", new Map<string, StaticStatus>(), () => compositionStatuses(analysis, graph));
  }

  /** Compositions of a folder (or of one file) as the Flows view lists them. */
  flows(folder: { path: string; analysis: FlowAnalysis }, only?: string): FlowInfo[] {
    const files = only ? (isCompositionFile(only) ? [only] : []) : compositionFiles(folder.path);
    return files.filter((f) => this.host.analysisOf(f) === folder.analysis).flatMap((file) => {
      const found = this.graphsOf(file);
      return found ? found.graphs.map((g) => this.flowInfo(found.analysis, g)) : [];
    });
  }

  flowInfo(a: FlowAnalysis, g: CompositionGraph): FlowInfo {
    const uri = pathToUri(g.file);
    return {
      target: g.target,
      root: a.storeRoot,
      store: a.store.dir,
      name: g.name,
      uri,
      range: g.nameRange,
      params: [],
      nodes: this.nodesOf(a, g),
      ...(g.description ? { description: g.description } : {}),
      kind: "composition",
      groups: g.groups.map((x) => ({ name: x.name, flow: x.flow, location: { uri, range: x.range } })),
    };
  }

  private nodesOf(a: FlowAnalysis, g: CompositionGraph) {
    const groups = new Map(g.nodes.map((n) => [n.id, n.group]));
    return toFlowNodes({ nodes: g.nodes } as unknown as WorkflowInfo, this.statuses(a, g)).map((n) => ({ ...n, ...(groups.get(n.id) ? { group: groups.get(n.id)! } : {}) }));
  }

  /** The composition a target names (`rel/file.flows.yaml#NAME`, relative to a folder's store root). */
  find(target: string, analyses: FlowAnalysis[]): { analysis: FlowAnalysis; graph: CompositionGraph } | undefined {
    const hash = target.lastIndexOf("#");
    if (hash < 0 || !isCompositionFile(target.slice(0, hash))) return undefined;
    for (const a of analyses) {
      const file = path.resolve(a.storeRoot, target.slice(0, hash));
      const found = this.graphsOf(file);
      const graph = found?.graphs.find((g) => g.name === target.slice(hash + 1));
      if (found && graph && found.analysis === a) return { analysis: a, graph };
    }
    return undefined;
  }

  graph(target: string, analyses: FlowAnalysis[]): GraphResult | null {
    const found = this.find(target, analyses);
    if (!found) return null;
    const { analysis: a, graph: g } = found;
    return {
      target: g.target,
      name: g.name,
      nodes: this.nodesOf(a, g),
      edges: g.edges.map((e) => ({
        from: e.from,
        to: e.to,
        output: e.output,
        input: e.input,
        ...(e.mapType ? { mapType: e.mapType } : {}),
        ...(e.outputRange ? { outputRange: { uri: pathToUri(e.outputRange.file), range: e.outputRange.range } } : {}),
        ...(e.inputRange ? { inputRange: { uri: pathToUri(e.inputRange.file), range: e.inputRange.range } } : {}),
      })),
    };
  }

  /** The composition targets of a folder a store change touches (their own or a composing workflow's). */
  storeChanged(folder: { path: string; analysis: FlowAnalysis }, change: StatusChange): string[] {
    const targets: string[] = [];
    for (const file of this.host.guard("compositions", [] as string[], () => compositionFiles(folder.path))) {
      const found = this.graphsOf(file);
      if (!found || found.analysis !== folder.analysis) continue;
      for (const g of found.graphs) {
        const flows = g.resolved.flatMap((r) => (r.workflow ? [found.analysis.targetOf(r.workflow)] : []));
        if (change.has(g.target) || flows.some((t) => change.has(t))) targets.push(g.target);
      }
    }
    return targets;
  }
}
