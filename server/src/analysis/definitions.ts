/**
 * The definitions of each flow file — its `task()` and `workflow()` calls with the engine's names,
 * today's fingerprints and the params each workflow declares — indexed by the call, so a callee in
 * any file resolves to the definition it names. One index per file's tree: an edit gives a new tree.
 */
import { ts } from "@ts-morph/common";
import type { TaskFingerprint } from "../../../runtime/src/analysis/fingerprint.js";
import { definitionName, definitionOfCallee, definitionsIn, type Definition } from "./discover.js";
import type { TaskInfo } from "./model.js";
import { readParams } from "./params.js";
import type { FlowProject } from "./project.js";
import { rangeOf } from "./ranges.js";
import { ancestorOfKind, isStringLike, propertyNamed, safe } from "./syntax.js";
import { taskInputProps, taskOutputType, typeText } from "./types.js";

/** A task definition as the walk needs it. */
export interface TaskDef {
  kind: "task";
  name: string;
  call: ts.CallExpression;
  fn?: ts.ArrowFunction | ts.FunctionExpression;
  fingerprint: string;
  file: string;
}

/** A workflow definition as the walk needs it. */
export interface WorkflowDef {
  kind: "workflow";
  /** The export name (what targets address). */
  name: string;
  /** What node ids use inside a caller: the `name` option, else the export name (as the engine). */
  idName: string;
  call: ts.CallExpression;
  fn?: ts.ArrowFunction | ts.FunctionExpression;
  options?: ts.ObjectLiteralExpression;
  file: string;
  params: { name: string; required: boolean }[];
}

export interface FileDefinitions {
  /** The tree it was made from (an index is only good for that tree: its nodes are the keys). */
  sourceFile: ts.SourceFile;
  defs: Map<ts.Node, TaskDef | WorkflowDef>;
  byName: Map<string, TaskDef | WorkflowDef>;
  /** In source order. */
  ordered: { def: Definition; resolved: TaskDef | WorkflowDef }[];
}

export class DefinitionIndex {
  private readonly files = new Map<string, FileDefinitions>();

  /** `project` and `fingerprints` are asked for when a file is first indexed. */
  constructor(
    private readonly project: () => FlowProject,
    private readonly fingerprints: (file: string) => TaskFingerprint[],
  ) {}

  /** The definitions of a flow file, with the engine's names and today's fingerprints. */
  of(sf: ts.SourceFile, checker: ts.TypeChecker): FileDefinitions {
    const file = sf.fileName;
    // By tree, not by text: the same text in another program (or re-parsed) has other nodes.
    const cached = this.files.get(file);
    if (cached && cached.sourceFile === sf) return cached;
    const fingerprints = safe(() => this.fingerprints(file)) ?? [];
    const index: FileDefinitions = { sourceFile: sf, defs: new Map(), byName: new Map(), ordered: [] };
    for (const def of safe(() => definitionsIn(this.project(), checker, sf)) ?? []) {
      const name = definitionName(def) ?? (def.kind === "task" ? "(unnamed task)" : "(unnamed workflow)");
      let resolved: TaskDef | WorkflowDef;
      if (def.kind === "task") {
        const start = def.call.getStart(sf);
        const fp = fingerprints.find((f) => f.file === file && f.start === start);
        resolved = { kind: "task", name: fp?.name ?? name, call: def.call, ...(def.fn ? { fn: def.fn } : {}), fingerprint: fp?.fingerprint ?? "", file };
      } else {
        const params = readParams(checker, def.options, file, []);
        resolved = {
          kind: "workflow",
          name,
          idName: def.nameOption ?? name,
          call: def.call,
          ...(def.fn ? { fn: def.fn } : {}),
          ...(def.options ? { options: def.options } : {}),
          file,
          params: params.map((p) => ({ name: p.name, required: p.required })),
        };
      }
      index.defs.set(def.call, resolved);
      if (!index.byName.has(resolved.name)) index.byName.set(resolved.name, resolved);
      index.ordered.push({ def, resolved });
    }
    this.files.set(file, index);
    return index;
  }

  /** The task or workflow a callee names, in whichever flow file defines it. */
  resolve(callee: ts.Node, checker: ts.TypeChecker): TaskDef | WorkflowDef | undefined {
    const target = definitionOfCallee(checker, callee);
    if (!target) return undefined;
    const sf = target.call.getSourceFile();
    return this.of(sf, checker).defs.get(target.call);
  }

  /** `(input: { rows: Row[] }) => { model: Model }` for a task of a flow file: asked for by hovers and `list`. */
  signatureOf(file: string, taskName: string): string {
    const typed = this.project().typed(file);
    if (!typed) return "";
    const { sourceFile: sf, checker } = typed;
    const def = this.of(sf, checker).ordered.find((o) => o.resolved.kind === "task" && o.resolved.name === taskName)?.def;
    if (!def?.fn) return "";
    const props = safe(() => taskInputProps(checker, def.fn!));
    const out = safe(() => taskOutputType(checker, def.fn!));
    const input = props ? `{ ${[...props.values()].map((p) => `${p.name}${p.optional ? "?" : ""}: ${typeText(checker, p.type)}`).join("; ")} }` : "unknown";
    return `(input: ${input}) => ${out ? typeText(checker, out) : "unknown"}`;
  }

  forget(file: string): void {
    this.files.delete(file);
  }

  clear(): void {
    this.files.clear();
  }
}

export function taskInfo(def: Definition, resolved: TaskDef): TaskInfo {
  const description = optionString(def.options, "description");
  return {
    name: resolved.name,
    file: resolved.file,
    range: rangeOf(def.call),
    nameRange: nameRangeOf(def),
    declRange: declRangeOf(def),
    fingerprint: resolved.fingerprint,
    ...(description ? { description } : {}),
    ...(def.exportName ? { exportName: def.exportName } : {}),
  };
}

/** Where lenses and symbols show a definition: its variable's name, else the callee. */
export function nameRangeOf(def: Definition) {
  const parent = def.call.parent;
  if (parent && ts.isVariableDeclaration(parent)) return rangeOf(parent.name);
  return rangeOf(def.call.expression);
}

/** The whole declaration (`export const x = task(...)`), which contains the name: LSP symbols need that. */
export function declRangeOf(def: Definition) {
  const stmt = ancestorOfKind(def.call, ts.isVariableStatement);
  return rangeOf(stmt && stmt.parent === def.call.getSourceFile() ? stmt : def.call);
}

export function optionString(options: ts.Node | undefined, key: string): string | undefined {
  if (!options || !ts.isObjectLiteralExpression(options)) return undefined;
  const p = propertyNamed(options, key);
  if (!p || !ts.isPropertyAssignment(p)) return undefined;
  return isStringLike(p.initializer) ? p.initializer.text : undefined;
}
