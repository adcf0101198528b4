/**
 * The flow analysis: a pure library (no LSP, no vscode) used by the language server and by the
 * `flowsmith check` / `graph` / `list` commands, so editor and CLI never disagree. It never runs
 * user code: graphs come from the syntax and the type checker, statuses from the store.
 */
import * as path from "node:path";
import { ts } from "@ts-morph/common";
import { FingerprintCache, TYPESCRIPT_VERSION, type FingerprintHost } from "../../../runtime/src/analysis/fingerprint.js";
import type { StaticStatus } from "../../../runtime/src/engine/lastRunStatus.js";
import { canonicalTarget } from "../../../runtime/src/engine/target.js";
import { findWorkspaceRoot, Store } from "../../../runtime/src/store/store.js";
import { storeStatuses, type NodeStatusInfo, type StatusSource } from "./statusSource.js";
import { sameNameTask } from "./checks/duplicateNode.js";
import { sdkExportOf } from "./discover.js";
import { DYNAMIC_FUNCTIONS, type DynamicFunction } from "./walk/model.js";
import { declRangeOf, DefinitionIndex, nameRangeOf, optionString, taskInfo } from "./definitions.js";
import { workflowGraph, type GraphHost, type WorkflowGraph } from "./graph.js";
import type { FileAnalysis, FlowDiagnostic, Position, WorkflowInfo } from "./model.js";
import { readParams } from "./params.js";
import { FlowProject, isSettingsFile } from "./project.js";
import { rangeOf } from "./ranges.js";
import { workflowSiteAt, type WorkflowSite } from "./site.js";
import { safe } from "./syntax.js";
import { withSyntaxErrors } from "./syntaxErrors.js";
import { syntaxPassDiagnostics } from "./syntaxPass.js";
import { staleDiagnosticsOf } from "./stale.js";

export * from "./model.js";

/** The SourceFile type of the fingerprint module's TypeScript (the same one in the bundled server). */
type FingerprintSourceFile = NonNullable<ReturnType<NonNullable<FingerprintHost["parsed"]>>>;
export type { StaticStatus };
export { storeStatuses, type NodeStatusInfo, type StatusSource };

/** Files larger than this are not analysed (1.5 MB of characters). */
const MAX_FILE_CHARS = 1.5 * 1048576;

export interface AnalysisOptions {
  /** Node statuses; default: the workspace's default store (`.flowsmith`, or FLOWSMITH_STORE). */
  statuses?: StatusSource;
}

export class FlowAnalysis {
  readonly project: FlowProject;
  /** Where targets are relative to and the store lives (the engine's workspace root). */
  readonly storeRoot: string;
  /** The statuses it shows, and where they come from. */
  readonly store: StatusSource;
  /** The definitions of each flow file (project and fingerprints are set by the constructor). */
  private readonly definitions = new DefinitionIndex(() => this.project, (file) => this.fingerprints.tasksIn(file));
  private readonly analyses = new Map<string, { text: string; result: FileAnalysis }>();
  /**
   * What each file's last analysis depended on, and the reverse. Kept when analyses are dropped:
   * an edit drops the analyses of the files that import the edited one, and those files must still
   * be known as its dependents afterwards, to be re-analysed and re-published.
   */
  private readonly lastDependsOn = new Map<string, Set<string>>();
  private readonly dependentsOf = new Map<string, Set<string>>();
  private readonly fingerprintHost: FingerprintHost;
  private readonly fingerprints: FingerprintCache;

  constructor(readonly root: string, options: AnalysisOptions = {}) {
    this.project = new FlowProject(root);
    this.storeRoot = findWorkspaceRoot(root);
    this.store = options.statuses ?? storeStatuses(Store.forWorkspace(this.storeRoot));
    this.fingerprintHost = { readFile: (f) => this.project.readText(f) };
    // The program has parsed the flow files already: fingerprints use those trees (when they are
    // the same TypeScript's, as in the bundled server) instead of parsing every file twice.
    if (ts.version === TYPESCRIPT_VERSION) {
      this.fingerprintHost.parsed = (f, text) => {
        const sf = this.project.parsed(f);
        return sf && sf.text === text ? (sf as unknown as FingerprintSourceFile) : undefined;
      };
    }
    this.fingerprints = new FingerprintCache(this.fingerprintHost);
  }

  // ---- documents -----------------------------------------------------------------------------

  /** An open document's text; false when it is the text already analysed (nothing changed). */
  setText(file: string, text: string): boolean {
    if (!this.project.setText(file, text)) return false;
    this.invalidate(file);
    return true;
  }

  closeText(file: string): void {
    this.project.closeText(file);
    this.invalidate(file);
    this.forgetIfGone(file);
  }

  fileChanged(file: string): void {
    this.project.refreshFromDisk(file);
    if (isSettingsFile(file)) {
      // A tsconfig or package.json: every file may be typed differently now.
      this.analyses.clear();
      this.definitions.clear();
      return;
    }
    this.invalidate(file);
    this.forgetIfGone(file);
  }

  /**
   * Analyse `file` again on the next request, with the current program (its text is unchanged:
   * nothing else is invalidated). For a file first analysed before the whole workspace was loaded.
   */
  recheck(file: string): void {
    this.analyses.delete(file);
  }

  /**
   * Files whose last analysis depended on `file` (they must be re-analysed and re-published),
   * whether or not that analysis is still cached.
   */
  dependents(file: string): string[] {
    return [...(this.dependentsOf.get(file) ?? [])]; // (never itself: an analysis does not keep its own file)
  }

  /** Store `file`'s analysis, and what it depends on in both directions (see dependentsOf). */
  private keep(file: string, text: string, result: FileAnalysis, dependsOn: Set<string>): void {
    this.analyses.set(file, { text, result });
    const before = this.lastDependsOn.get(file);
    if (before) for (const d of before) if (!dependsOn.has(d)) this.dependentsOf.get(d)?.delete(file);
    for (const d of dependsOn) {
      let set = this.dependentsOf.get(d);
      if (!set) this.dependentsOf.set(d, (set = new Set()));
      set.add(file);
    }
    this.lastDependsOn.set(file, dependsOn);
  }

  /** A file gone from the disk (and not open) depends on nothing any more. */
  private forgetIfGone(file: string): void {
    if (this.project.readText(file) !== undefined) return;
    for (const d of this.lastDependsOn.get(file) ?? []) this.dependentsOf.get(d)?.delete(file);
    this.lastDependsOn.delete(file);
  }

  private invalidate(file: string): void {
    this.fingerprints.invalidate(file);
    for (const f of [file, ...this.dependents(file)]) {
      this.analyses.delete(f);
      this.definitions.forget(f);
    }
  }

  /** The workflows of every file analysed and kept (the files the editor has open or published). */
  analysedWorkflows(): WorkflowInfo[] {
    return [...this.analyses.values()].flatMap((a) => a.result.workflows);
  }

  flowFiles(): string[] {
    return this.project.flowFiles();
  }

  /**
   * Flow files that import `file` (analysed on demand): where the tasks a file defines are used.
   * A cheap text filter on the module name comes first so only likely importers are analysed.
   */
  importersOf(file: string): string[] {
    const stem = path.basename(file).replace(/\.(ts|tsx|mts|cts)$/, "");
    const word = stem === "index" ? path.basename(path.dirname(file)) : stem;
    return this.flowFiles().filter((f) => {
      if (f === file) return false;
      if (this.analyses.has(f) && this.lastDependsOn.get(f)?.has(file)) return true;
      const text = this.project.readText(f);
      if (!text || !text.includes(word)) return false;
      this.analyzeFile(f);
      return this.analyses.has(f) && (this.lastDependsOn.get(f)?.has(file) ?? false);
    });
  }

  // ---- analysis ------------------------------------------------------------------------------

  /** Everything about one file: tasks, workflows with graphs, diagnostics. Cached until it changes. */
  analyzeFile(file: string): FileAnalysis {
    const text = this.project.readText(file);
    const cached = this.analyses.get(file);
    if (cached && cached.text === text) return cached.result;
    const empty: FileAnalysis = { file, tasks: [], workflows: [], diagnostics: [] };
    if (text !== undefined && text.length > MAX_FILE_CHARS) {
      // Generated or pasted megabytes are not flows anyone edits; analysing them would stall the
      // server for minutes. Say so once, on the first line.
      const result: FileAnalysis = {
        ...empty,
        diagnostics: [{ file, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: "information", code: "FS000", message: `this file is ${(text.length / 1048576).toFixed(1)} MB; Flowsmith analyses flow files up to ${MAX_FILE_CHARS / 1048576} MB and skips this one` }],
      };
      this.keep(file, text, result, new Set());
      return result;
    }
    try {
      return this.analyzeFileUnguarded(file, text);
    } catch (error) {
      // Pathological input (a stack overflow on absurd nesting…): keep answering, and say that this
      // file was not analysed — a check must never call a file it could not read clean.
      if (process.env.FLOWSMITH_DEBUG) console.error(error);
      const why = error instanceof RangeError && /call stack/i.test(error.message) ? "it is nested too deeply for the TypeScript parser" : `analysing it failed (${error instanceof Error ? error.message : String(error)})`;
      const result: FileAnalysis = {
        ...empty,
        diagnostics: [{ file, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: "error", code: "FS000", message: `this file could not be analysed: ${why}` }],
      };
      if (text !== undefined) this.keep(file, text, result, new Set());
      return result;
    }
  }

  private analyzeFileUnguarded(file: string, text: string | undefined): FileAnalysis {
    const empty: FileAnalysis = { file, tasks: [], workflows: [], diagnostics: [] };
    // The file's tree in its own program, and that program's checker: a walk never mixes trees.
    const typed = text === undefined ? undefined : this.project.typed(file);
    if (!typed || text === undefined) return empty;
    const { sourceFile: sf, checker } = typed;
    const dependsOn = new Set<string>();
    for (const imp of sf.statements) {
      if (!ts.isImportDeclaration(imp)) continue;
      const target = safe(() => checker.getSymbolAtLocation(imp.moduleSpecifier)?.declarations?.[0]);
      if (target && ts.isSourceFile(target)) dependsOn.add(target.fileName);
    }
    const index = this.definitions.of(sf, checker);
    const result: FileAnalysis = { file, tasks: [], workflows: [], diagnostics: [] };
    const host: GraphHost = {
      checker,
      resolve: (callee) => {
        const def = this.definitions.resolve(callee, checker);
        if (def) dependsOn.add(def.file);
        return def;
      },
      sdk: (callee) => this.dynamicFunctionOf(callee, checker),
    };
    const taskNames = new Map<string, ts.Node>();
    for (const { def, resolved } of index.ordered) {
      if (resolved.kind === "task") {
        const info = taskInfo(def, resolved);
        result.tasks.push(info);
        const other = taskNames.get(resolved.name);
        if (other) result.diagnostics.push(sameNameTask(resolved.name, def.call, other));
        taskNames.set(resolved.name, def.call);
        continue;
      }
      const diagnostics: FlowDiagnostic[] = [];
      const params = readParams(checker, def.options, file, diagnostics);
      let graph: WorkflowGraph;
      try {
        graph = workflowGraph(host, resolved);
      } catch (error) {
        // Half-typed code can surprise the walker: keep answering, report nothing for this flow.
        graph = { nodes: [], edges: [], diagnostics: [] };
        if (process.env.FLOWSMITH_DEBUG) console.error(error);
      }
      result.diagnostics.push(...diagnostics, ...graph.diagnostics.filter((d) => d.file === file));
      const description = optionString(def.options, "description");
      if (!def.exportName && !def.variable) continue;
      result.workflows.push({
        name: resolved.name,
        exported: def.exportName !== undefined,
        file,
        range: rangeOf(def.call),
        nameRange: nameRangeOf(def),
        declRange: declRangeOf(def),
        params,
        nodes: graph.nodes,
        edges: graph.edges,
        ...(description ? { description } : {}),
      });
    }
    // Syntax errors first, and nothing found in the part of the file the parser had to guess (FS000).
    result.diagnostics = withSyntaxErrors(sf, result.diagnostics);
    dependsOn.delete(file);
    this.keep(file, text, result, dependsOn);
    return result;
  }

  /** The dynamic-shape function of the SDK (map, each, when, asset) a callee names, if any. */
  private dynamicFunctionOf(callee: ts.Node, checker: ts.TypeChecker): DynamicFunction | undefined {
    return safe(() => sdkExportOf(this.project, checker, callee, DYNAMIC_FUNCTIONS)) as DynamicFunction | undefined;
  }

  /** `(input: { rows: Row[] }) => { model: Model }` for a task of a flow file: asked for by hovers and `list`. */
  signatureOf(file: string, taskName: string): string {
    return this.definitions.signatureOf(file, taskName);
  }

  /** The workflow whose body holds `position` in `file`, walked again: what completion and code actions ask about (site.ts). */
  workflowSiteAt(file: string, position: Position): WorkflowSite | undefined {
    const host = {
      typed: (f: string) => this.project.typed(f),
      definitions: (sf: ts.SourceFile, c: ts.TypeChecker) => this.definitions.of(sf, c),
      resolve: (callee: ts.Node, c: ts.TypeChecker) => this.definitions.resolve(callee, c),
      sdk: (callee: ts.Node, c: ts.TypeChecker) => this.dynamicFunctionOf(callee, c),
    };
    return workflowSiteAt(host, file, position);
  }

  // ---- workflows and statuses ----------------------------------------------------------------

  targetOf(workflow: Pick<WorkflowInfo, "file" | "name">): string {
    return canonicalTarget(this.storeRoot, workflow.file, workflow.name);
  }

  /** A workflow by its target (`relative/file.ts#name`). */
  workflow(target: string): WorkflowInfo | undefined {
    const hash = target.lastIndexOf("#");
    if (hash < 0) return undefined;
    const file = path.resolve(this.storeRoot, target.slice(0, hash));
    const name = target.slice(hash + 1);
    return this.analyzeFile(file).workflows.find((w) => w.name === name && w.exported);
  }

  statuses(workflow: WorkflowInfo): Map<string, NodeStatusInfo> {
    return this.store.statuses(this.targetOf(workflow), workflow.nodes);
  }

  /** FS012 for stale nodes of a file's workflows (informational; stale.ts). */
  staleDiagnostics(analysis: FileAnalysis): FlowDiagnostic[] {
    return staleDiagnosticsOf(analysis, (wf) => this.statuses(wf));
  }

  /**
   * The diagnostics of `file` (with `text`) that need no types, from a parse alone (syntaxPass.ts):
   * what the server publishes before the program is built. A subset of `diagnostics(file)`.
   */
  syntaxDiagnostics(file: string, text: string): FlowDiagnostic[] {
    const host = {
      readText: (f: string) => (f === file ? text : this.project.readText(f)),
      resolution: (f: string) => {
        const options = this.project.configOf(f).options;
        const kind = options.moduleResolution;
        return { nodeNext: kind === ts.ModuleResolutionKind.NodeNext || kind === ts.ModuleResolutionKind.Node16, rootDirs: (options.rootDirs?.length ?? 0) > 0 };
      },
      packageOf: (f: string) => this.project.packageOf(f),
    };
    return syntaxPassDiagnostics(host, file, text);
  }

  /** All diagnostics of a file, store-dependent ones included. */
  diagnostics(file: string): FlowDiagnostic[] {
    const analysis = this.analyzeFile(file);
    return [...this.settingsDiagnostics(analysis), ...analysis.diagnostics, ...this.staleDiagnostics(analysis)];
  }

  /**
   * A flow file whose tsconfig.json cannot be read is still analysed (with TypeScript's defaults),
   * but never silently: types may resolve differently from the user's compiler.
   */
  private settingsDiagnostics(analysis: FileAnalysis): FlowDiagnostic[] {
    if (!analysis.tasks.length && !analysis.workflows.length) return [];
    const config = this.project.configOf(analysis.file);
    if (!config.error || !config.file) return [];
    const where = path.relative(path.dirname(analysis.file), config.file) || config.file;
    return [{
      file: analysis.file,
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: "warning",
      code: "FS000",
      message: `${where} could not be read (${config.error}); this file is analysed with TypeScript's default settings`,
    }];
  }
}
