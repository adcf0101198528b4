/**
 * A composition's diagnostics (DESIGN "Compositions"), at the offending key or value, whatever the
 * order of the file: the document's own structure (FS013, FS006, FS007, FS008: no types needed,
 * published first), then what needs the workflows it names — FS011 unknown flow, composing flow,
 * node, output or param (with did-you-mean), FS002 a required param neither given nor mapped,
 * FS003 a mapped output or a constant whose type does not fit the param, FS013 a `file` mapping
 * of an output that is not a FlowFile.
 */
import type { FlowAnalysis } from "../analysis/index.js";
import type { FlowDiagnostic, ParamInfo, StaticNode } from "../analysis/model.js";
import { didYouMean } from "../../../runtime/src/util/errors.js";
import type { Composition, MappedParameter, Span } from "../../../runtime/src/composition/document.js";
import type { ParsedComposition } from "./parsed.js";
import { resolveFlows, type ResolvedFlow } from "./resolve.js";
import { outputType, type JsonKind } from "./types.js";

/** A diagnostic with the did-you-mean replacement of the text at its range, when there is one. */
export interface CompositionDiagnostic extends FlowDiagnostic {
  replacement?: string;
}

/** What needs no types: the document's structure. */
export function structureDiagnostics(doc: ParsedComposition): CompositionDiagnostic[] {
  const problems = [...doc.parsed.problems, ...doc.parsed.compositions.flatMap((c) => c.problems)];
  const out: CompositionDiagnostic[] = problems.map((p) => ({ file: doc.file, range: doc.lines.range(p.span), severity: "error", code: p.code, message: p.message }));
  // A param both given and mapped: the engine refuses it (runtime/src/composition/prepare.ts), so does the editor.
  for (const flow of doc.parsed.compositions.flatMap((c) => c.flows)) {
    const mapped = new Set(flow.mapped.map((m) => m.param));
    for (const p of flow.parameters) {
      if (mapped.has(p.key)) out.push({ file: doc.file, range: doc.lines.range(p.keySpan), severity: "error", code: "FS013", message: `param "${p.key}" of composing flow "${flow.name?.value ?? "?"}" is both given in parameters and mapped; keep one` });
    }
  }
  return out;
}

/** Everything: the structure, then the checks against the workflows named. */
export function compositionDiagnostics(analysis: FlowAnalysis, doc: ParsedComposition): CompositionDiagnostic[] {
  const out = structureDiagnostics(doc);
  for (const composition of doc.parsed.compositions) out.push(...typedDiagnostics(analysis, doc, composition));
  return out;
}

const quoteHint = (word: string, candidates: string[]): { text: string; guess?: string } => {
  const guess = didYouMean(word, candidates);
  return guess ? { text: ` (did you mean "${guess}"?)`, guess } : { text: "" };
};

const kindText: Record<JsonKind, string> = { string: "a string", number: "a number", boolean: "a boolean", json: "an object or list", null: "null" };

function fitsParam(param: ParamInfo, kind: JsonKind | undefined): boolean {
  if (kind === undefined || param.type === "json" || kind === "null") return true;
  return param.type === kind;
}

function valueKind(value: unknown): JsonKind {
  if (value === null) return "null";
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  return "json";
}

export function typedDiagnostics(analysis: FlowAnalysis, doc: ParsedComposition, composition: Composition, resolved = resolveFlows(analysis, doc.file, composition)): CompositionDiagnostic[] {
  const out: CompositionDiagnostic[] = [];
  const add = (span: Span, code: string, message: string, replacement?: string) =>
    out.push({ file: doc.file, range: doc.lines.range(span), severity: "error", code, message, ...(replacement !== undefined ? { replacement } : {}) });
  const byName = new Map<string, ResolvedFlow>();
  for (const r of resolved) if (r.flow.name && !byName.has(r.flow.name.value)) byName.set(r.flow.name.value, r);
  const flowNames = [...byName.keys()];
  for (const r of resolved) {
    if (r.problem) add(r.problem.span, r.problem.code, r.problem.message, r.problem.suggestion);
    const wf = r.workflow;
    const label = r.flow.name?.value ?? r.workflowName ?? "this flow";
    const params = new Map((wf?.params ?? []).map((p) => [p.name, p]));
    const paramNames = [...params.keys()];
    if (wf) {
      for (const entry of r.flow.parameters) {
        const param = params.get(entry.key);
        if (!param) {
          const h = quoteHint(entry.key, paramNames);
          add(entry.keySpan, "FS011", `workflow ${wf.name} has no param "${entry.key}"${h.text}${paramNames.length ? `; its params are ${paramNames.join(", ")}` : "; it takes no params"}`, h.guess);
          continue;
        }
        const kind = valueKind(entry.value);
        if (!fitsParam(param, kind)) add(entry.valueSpan, "FS003", `param "${entry.key}" of ${wf.name} is ${kindText[param.type]}, but this value is ${kindText[kind]}`);
      }
      for (const m of r.flow.mapped) {
        if (!params.has(m.param)) {
          const h = quoteHint(m.param, paramNames);
          add(m.keySpan, "FS011", `workflow ${wf.name} has no param "${m.param}"${h.text}${paramNames.length ? `; its params are ${paramNames.join(", ")}` : "; it takes no params"}`, h.guess);
        }
      }
      const given = new Set([...r.flow.parameters.map((p) => p.key), ...r.flow.mapped.map((m) => m.param)]);
      const missing = wf.params.filter((p) => p.required && p.default === undefined && !given.has(p.name));
      if (missing.length) {
        const span = r.flow.name?.span ?? r.flow.flow?.span ?? { start: r.flow.span.start, end: r.flow.span.start + 1 };
        const list = missing.map((p) => `"${p.name}" (${p.type})`).join(", ");
        add(span, "FS002", `composing flow ${label} does not give ${wf.name}'s required param${missing.length === 1 ? "" : "s"} ${list}: add ${missing.length === 1 ? "it" : "them"} under parameters or mapped_parameters (or pass --param ${label}.${missing[0]!.name}=… to run)`);
      }
    }
    for (const m of r.flow.mapped) mappingDiagnostics(analysis, m, params.get(m.param), wf?.name, byName, flowNames, add);
  }
  return out;
}

function mappingDiagnostics(
  analysis: FlowAnalysis,
  m: MappedParameter,
  param: ParamInfo | undefined,
  childName: string | undefined,
  byName: Map<string, ResolvedFlow>,
  flowNames: string[],
  add: (span: Span, code: string, message: string, replacement?: string) => void,
): void {
  if (!m.parentFlow) return;
  const parent = byName.get(m.parentFlow.value);
  if (!parent) {
    const h = quoteHint(m.parentFlow.value, flowNames);
    add(m.parentFlow.span, "FS011", `no composing flow is named "${m.parentFlow.value}"${h.text}${flowNames.length ? `; this composition has ${flowNames.join(", ")}` : ""}`, h.guess);
    return;
  }
  const pwf = parent.workflow;
  if (!pwf || !m.parentTask) return;
  const node: StaticNode | undefined = pwf.nodes.find((n) => n.id === m.parentTask!.value);
  if (!node) {
    const ids = pwf.nodes.map((n) => n.id);
    const h = quoteHint(m.parentTask.value, ids);
    add(m.parentTask.span, "FS011", `workflow ${pwf.name} (composing flow ${m.parentFlow.value}) has no node "${m.parentTask.value}"${h.text}${ids.length ? `; its nodes are ${ids.join(", ")}` : ""}`, h.guess);
    return;
  }
  if (!m.output) return;
  const looked = outputType(analysis, node, m.output.value, m.attributeIndex?.value ?? []);
  const where = `${m.parentFlow.value}/${node.id}`;
  if (looked.kind === "noOutput") {
    const h = quoteHint(m.output.value, looked.outputs);
    add(m.output.span, "FS011", `node ${where} (task ${node.task}) has no output "${m.output.value}"${h.text}${looked.outputs.length ? `; its outputs are ${looked.outputs.join(", ")}` : ""}`, h.guess);
    return;
  }
  if (looked.kind === "noField") {
    const h = quoteHint(String(looked.field), looked.fields);
    add(m.attributeIndex!.span, "FS011", `attribute_index: ${looked.type} has no ${typeof looked.field === "number" ? `element ${looked.field}` : `field "${looked.field}"`}${h.text}`);
    return;
  }
  if (looked.kind !== "value") return;
  const v = looked.value;
  const path = [m.output.value, ...(m.attributeIndex?.value ?? [])].join(".");
  if (m.mapType === "file") {
    if (!v.isFile && v.json !== undefined) {
      add(m.output.span, "FS013", `a file mapping needs an output that is a file (a FlowFile the task returns with file(path)); ${where}'s "${path}" is ${v.text}`);
      return;
    }
    if (param && v.isFile && param.type !== "string" && param.type !== "json") {
      add(m.keySpan, "FS003", `a file mapping gives param "${m.param}" a readable path (a string), but ${childName}'s "${m.param}" is ${kindText[param.type]}`);
    }
    return;
  }
  if (param && !fitsParam(param, v.json)) {
    const tip = v.isFile && param.type === "string" ? " (map_type: file gives the file's path)" : "";
    add(m.output.span, "FS003", `${where}'s output "${path}" is ${v.text}, but param "${m.param}" of ${childName} is ${kindText[param.type]}${tip}`);
  }
}
