/**
 * What a composition's names point at in the workspace: each composing flow's `flow: FILE#workflow`
 * (relative to the YAML file) resolved to the workflow the analysis has, or the one reason it
 * cannot be (no such file, the file does not parse, no such exported workflow) with a did-you-mean.
 * Pure: the analysis answers; nothing here knows about LSP.
 */
import * as path from "node:path";
import type { FlowAnalysis } from "../analysis/index.js";
import type { WorkflowInfo } from "../analysis/model.js";
import { didYouMean } from "../../../runtime/src/util/errors.js";
import type { ComposingFlow, Composition, Span } from "../../../runtime/src/composition/document.js";

export interface FlowProblem {
  code: "FS011" | "FS013";
  message: string;
  span: Span;
  /** The did-you-mean replacement for the value at `span` (a code action offers it). */
  suggestion?: string;
}

export interface ResolvedFlow {
  flow: ComposingFlow;
  /** Absolute path of the flow file named (when `flow:` is FILE#workflow). */
  file?: string;
  workflowName?: string;
  workflow?: WorkflowInfo;
  problem?: FlowProblem;
}

/** `pipelines/ingest.ts#ingest` relative to the composition's directory. */
export function splitFlowRef(compositionFile: string, value: string): { file: string; name: string; relFile: string } | undefined {
  const hash = value.lastIndexOf("#");
  if (hash <= 0 || hash === value.length - 1) return undefined;
  const relFile = value.slice(0, hash);
  return { file: path.resolve(path.dirname(compositionFile), relFile), name: value.slice(hash + 1), relFile };
}

/** A path as a composition writes it: relative to its directory, with `/`. */
export function relativeRef(compositionFile: string, file: string): string {
  return path.relative(path.dirname(compositionFile), file).split(path.sep).join("/");
}

/** Resolve every composing flow of a composition (per call: the analysis caches the files). */
export function resolveFlows(analysis: FlowAnalysis, compositionFile: string, composition: Composition): ResolvedFlow[] {
  return composition.flows.map((flow) => resolveFlow(analysis, compositionFile, flow));
}

export function resolveFlow(analysis: FlowAnalysis, compositionFile: string, flow: ComposingFlow): ResolvedFlow {
  const out: ResolvedFlow = { flow };
  if (!flow.flow) return out;
  const ref = splitFlowRef(compositionFile, flow.flow.value);
  if (!ref) return out; // FS013 from the document: not FILE#workflow
  out.file = ref.file;
  out.workflowName = ref.name;
  const span = flow.flow.span;
  const text = analysis.project.readText(ref.file);
  if (text === undefined || !/\.(ts|tsx|mts|cts)$/.test(ref.file)) {
    const candidates = analysis.flowFiles().map((f) => relativeRef(compositionFile, f));
    const guess = didYouMean(ref.relFile, candidates);
    const why = text === undefined ? `there is no flow file ${ref.relFile} (relative to this composition)` : `${ref.relFile} is not a TypeScript flow file`;
    out.problem = { code: "FS011", message: `${why}${guess ? ` (did you mean "${guess}"?)` : ""}`, span, ...(guess ? { suggestion: `${guess}#${ref.name}` } : {}) };
    return out;
  }
  const analysed = analysis.analyzeFile(ref.file);
  const broken = analysed.diagnostics.find((d) => d.severity === "error" && d.code === "FS000");
  const exported = analysed.workflows.filter((w) => w.exported);
  if (broken) {
    // What the parser had to guess is no workflow to check a composition against.
    out.problem = { code: "FS011", message: `flow file ${ref.relFile} could not be read: line ${broken.range.start.line + 1}: ${broken.message}`, span };
    return out;
  }
  const wf = exported.find((w) => w.name === ref.name);
  if (wf) {
    out.workflow = wf;
    return out;
  }
  const names = exported.map((w) => w.name);
  const guess = didYouMean(ref.name, names);
  out.problem = {
    code: "FS011",
    message: `${ref.relFile} has no exported workflow "${ref.name}"${guess ? ` (did you mean "${guess}"?)` : ""}${names.length ? `; it exports ${names.join(", ")}` : "; it exports no workflow"}`,
    span,
    ...(guess ? { suggestion: `${ref.relFile}#${guess}` } : {}),
  };
  return out;
}
