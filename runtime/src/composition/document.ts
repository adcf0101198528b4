/**
 * A `*.flows.yaml` composition as written (DESIGN "Compositions"): parsed with positions, its
 * structure checked (FS013 not a composition / bad map_type, FS006 a non-JSON value, FS007 two
 * composing flows with one name, FS008 a cycle of mappings). Pure: no file system, no flows loaded;
 * the engine (which loads the named workflows) and the language server (which analyses them) both
 * start here, so the CLI and the editor read a composition the same way.
 */
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode, type Pair, type YAMLMap } from "yaml";
import { hint } from "../util/errors.js";

/** Offsets into the text, end exclusive. */
export interface Span {
  start: number;
  end: number;
}

export interface Located<T> {
  value: T;
  span: Span;
}

export type MapType = "raw" | "file" | "db";
export const MAP_TYPES: readonly MapType[] = ["raw", "file", "db"];

/** `parameters: { key: value }`: a constant param. */
export interface ParameterEntry {
  key: string;
  keySpan: Span;
  value: unknown;
  valueSpan: Span;
}

/** `mapped_parameters: { param: { parent_flow_name, parent_task_name, output, map_type?, attribute_index? } }`. */
export interface MappedParameter {
  param: string;
  keySpan: Span;
  /** The whole mapping's value. */
  span: Span;
  parentFlow?: Located<string>;
  parentTask?: Located<string>;
  output?: Located<string>;
  /** `raw` when absent. */
  mapType: MapType;
  mapTypeSpan?: Span;
  attributeIndex?: Located<(string | number)[]>;
}

export interface ComposingFlow {
  /** Its id in the composition: its nodes are `NAME/NODE`. */
  name?: Located<string>;
  /** `FILE#workflow`, FILE relative to the composition's file. */
  flow?: Located<string>;
  /** The whole list entry. */
  span: Span;
  parameters: ParameterEntry[];
  parametersSpan?: Span;
  mapped: MappedParameter[];
}

export interface CompositionProblem {
  code: "FS006" | "FS007" | "FS008" | "FS013";
  message: string;
  span: Span;
}

export interface Composition {
  name?: Located<string>;
  /** The whole YAML document. */
  span: Span;
  flows: ComposingFlow[];
  /** What is wrong with the document itself (not with the workflows it names). */
  problems: CompositionProblem[];
}

export interface CompositionFile {
  text: string;
  /** One per YAML document (`---` separates several compositions in one file). */
  compositions: Composition[];
  /** Problems outside any one composition: YAML syntax errors. */
  problems: CompositionProblem[];
}

/** Is this file a composition by its name? */
export function isCompositionFile(file: string): boolean {
  return /\.flows\.ya?ml$/i.test(file);
}

/** Zero-based line and UTF-16 column of an offset. */
export function lineColumn(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: end - lineStart };
}

const TOP_KEYS = ["name", "description", "composing_flows"];
const FLOW_KEYS = ["name", "flow", "parameters", "mapped_parameters", "description"];
const MAPPING_KEYS = ["parent_flow_name", "parent_task_name", "output", "map_type", "attribute_index"];

/** Parse a composition file's text. Never throws: whatever is wrong is a problem with a span. */
export function parseCompositionFile(text: string): CompositionFile {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: CompositionProblem[] = [];
  const compositions: Composition[] = [];
  const list = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) {
    problems.push({ code: "FS013", message: "not a composition: the file holds no YAML document", span: { start: 0, end: 0 } });
  }
  for (const doc of list) {
    const span = rangeSpan(doc.range, text);
    if (doc.errors.length) {
      for (const e of doc.errors) {
        problems.push({ code: "FS013", message: `not a composition: YAML ${e.message.split("\n")[0]}`, span: { start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) } });
      }
      continue;
    }
    if (doc.contents === null && list.length > 1) continue; // an empty document between `---`s
    compositions.push(readComposition(doc.contents as YamlNode | null, span));
  }
  if (list.length === 0 || (compositions.length === 0 && problems.length === 0)) {
    problems.push({ code: "FS013", message: "not a composition: the file is empty; a composition has a name and composing_flows", span: { start: 0, end: Math.min(text.length, 1) } });
  }
  return { text, compositions, problems };
}

function readComposition(root: YamlNode | null, docSpan: Span): Composition {
  const problems: CompositionProblem[] = [];
  const composition: Composition = { span: docSpan, flows: [], problems };
  if (!isMap(root)) {
    problems.push({ code: "FS013", message: "not a composition: expected a mapping with name and composing_flows", span: root ? nodeSpan(root, docSpan) : docSpan });
    return composition;
  }
  unknownKeys(root, TOP_KEYS, "a composition", problems);
  const name = root.items.find((p) => keyOf(p) === "name");
  composition.name = readString(name, "the composition's name", problems);
  if (!name) problems.push({ code: "FS013", message: "not a composition: it has no name (name: NAME, its target is FILE#NAME)", span: keySpanOf(root.items[0]) ?? docSpan });
  const flowsPair = root.items.find((p) => keyOf(p) === "composing_flows");
  if (!flowsPair) {
    problems.push({ code: "FS013", message: "not a composition: it has no composing_flows list", span: composition.name?.span ?? docSpan });
    return composition;
  }
  const seq = flowsPair.value as YamlNode | null;
  if (!isSeq(seq)) {
    problems.push({ code: "FS013", message: "composing_flows must be a list of flows (- name: …, flow: FILE#workflow)", span: pairValueSpan(flowsPair) });
    return composition;
  }
  for (const item of seq.items as YamlNode[]) composition.flows.push(readFlow(item, problems));
  const seen = new Map<string, ComposingFlow>();
  for (const flow of composition.flows) {
    if (!flow.name) continue;
    if (seen.has(flow.name.value)) {
      problems.push({ code: "FS007", message: `two composing flows are named "${flow.name.value}"; their nodes would share ids`, span: flow.name.span });
    } else seen.set(flow.name.value, flow);
  }
  problems.push(...compositionCycles(composition));
  return composition;
}

function readFlow(item: YamlNode, problems: CompositionProblem[]): ComposingFlow {
  const span = nodeSpan(item);
  const flow: ComposingFlow = { span, parameters: [], mapped: [] };
  if (!isMap(item)) {
    problems.push({ code: "FS013", message: "a composing flow must be a mapping (name: …, flow: FILE#workflow)", span });
    return flow;
  }
  unknownKeys(item, FLOW_KEYS, "a composing flow", problems);
  const namePair = item.items.find((p) => keyOf(p) === "name");
  flow.name = readString(namePair, "a composing flow's name", problems);
  if (flow.name && !/^[A-Za-z_][\w.-]*$/.test(flow.name.value)) {
    problems.push({ code: "FS013", message: `composing flow name "${flow.name.value}" must start with a letter or _ and use only letters, digits, _ . -`, span: flow.name.span });
  }
  if (!namePair) problems.push({ code: "FS013", message: "a composing flow needs a name (its nodes' ids are NAME/NODE)", span: { start: span.start, end: span.start + 1 } });
  const flowPair = item.items.find((p) => keyOf(p) === "flow");
  flow.flow = readString(flowPair, "flow", problems);
  if (!flowPair) problems.push({ code: "FS013", message: "a composing flow needs flow: FILE#workflow", span: flow.name?.span ?? { start: span.start, end: span.start + 1 } });
  else if (flow.flow && !/^[^#]+#[^#]+$/.test(flow.flow.value)) {
    problems.push({ code: "FS013", message: `flow "${flow.flow.value}" must be FILE#workflow (the file relative to this composition)`, span: flow.flow.span });
  }
  const paramsPair = item.items.find((p) => keyOf(p) === "parameters");
  if (paramsPair) {
    flow.parametersSpan = keySpanOf(paramsPair);
    const value = paramsPair.value as YamlNode | null;
    if (isMap(value)) {
      for (const p of value.items) {
        const key = keyOf(p);
        if (key === undefined) continue;
        const valueNode = p.value as YamlNode | null;
        const entry: ParameterEntry = { key, keySpan: keySpanOf(p)!, value: valueNode ? valueNode.toJSON() : null, valueSpan: pairValueSpan(p) };
        const bad = nonJson(valueNode);
        if (bad) problems.push({ code: "FS006", message: `param "${key}": ${bad}; params must be JSON values`, span: entry.valueSpan });
        flow.parameters.push(entry);
      }
    } else if (value !== null) {
      problems.push({ code: "FS013", message: "parameters must be a mapping of param: value", span: pairValueSpan(paramsPair) });
    }
  }
  const mappedPair = item.items.find((p) => keyOf(p) === "mapped_parameters");
  if (mappedPair) {
    const value = mappedPair.value as YamlNode | null;
    if (isMap(value)) {
      for (const p of value.items) {
        const param = keyOf(p);
        if (param === undefined) continue;
        flow.mapped.push(readMapping(p, param, problems));
      }
    } else if (value !== null) {
      problems.push({ code: "FS013", message: "mapped_parameters must be a mapping of param: { parent_flow_name, parent_task_name, output }", span: pairValueSpan(mappedPair) });
    }
  }
  return flow;
}

function readMapping(pair: Pair, param: string, problems: CompositionProblem[]): MappedParameter {
  const keySpan = keySpanOf(pair)!;
  const span = pairValueSpan(pair);
  const mapping: MappedParameter = { param, keySpan, span, mapType: "raw" };
  const value = pair.value as YamlNode | null;
  if (!isMap(value)) {
    problems.push({ code: "FS013", message: `mapped parameter "${param}" must be a mapping { parent_flow_name, parent_task_name, output }`, span: value ? span : keySpan });
    return mapping;
  }
  unknownKeys(value, MAPPING_KEYS, "a mapped parameter", problems);
  const field = (key: string) => value.items.find((p) => keyOf(p) === key);
  mapping.parentFlow = readString(field("parent_flow_name"), "parent_flow_name", problems);
  mapping.parentTask = readString(field("parent_task_name"), "parent_task_name", problems);
  mapping.output = readString(field("output"), "output", problems);
  for (const [key, got] of [["parent_flow_name", mapping.parentFlow], ["parent_task_name", mapping.parentTask], ["output", mapping.output]] as const) {
    if (!field(key)) problems.push({ code: "FS013", message: `mapped parameter "${param}" needs ${key}`, span: keySpan });
    void got;
  }
  const mapTypePair = field("map_type");
  if (mapTypePair) {
    const mt = readString(mapTypePair, "map_type", problems);
    if (mt) {
      mapping.mapTypeSpan = mt.span;
      if ((MAP_TYPES as readonly string[]).includes(mt.value)) mapping.mapType = mt.value as MapType;
      else problems.push({ code: "FS013", message: `map_type "${mt.value}" is not raw, file or db${hint(mt.value, MAP_TYPES)}`, span: mt.span });
    }
  }
  const indexPair = field("attribute_index");
  if (indexPair) {
    const node = indexPair.value as YamlNode | null;
    const items = isSeq(node) ? (node.items as YamlNode[]) : node ? [node] : [];
    const path: (string | number)[] = [];
    let ok = items.length > 0;
    for (const it of items) {
      const v = isScalar(it) ? it.value : undefined;
      if (typeof v === "string" || (typeof v === "number" && Number.isInteger(v) && v >= 0)) path.push(v);
      else ok = false;
    }
    if (ok) mapping.attributeIndex = { value: path, span: pairValueSpan(indexPair) };
    else problems.push({ code: "FS013", message: "attribute_index must be a field name, an index, or a list of them ([f1] or [0, score])", span: pairValueSpan(indexPair) });
  }
  return mapping;
}

/**
 * Cycles of mappings between composing flows (FS008): a flow whose params come, through one or
 * more mappings, from its own outputs. Reported at each mapping on the cycle.
 */
export function compositionCycles(composition: Composition): CompositionProblem[] {
  const names = new Set(composition.flows.flatMap((f) => (f.name ? [f.name.value] : [])));
  const edges = new Map<string, { to: string; mapping: MappedParameter }[]>();
  for (const flow of composition.flows) {
    if (!flow.name) continue;
    for (const m of flow.mapped) {
      if (!m.parentFlow || !names.has(m.parentFlow.value)) continue;
      const list = edges.get(m.parentFlow.value) ?? [];
      list.push({ to: flow.name.value, mapping: m });
      edges.set(m.parentFlow.value, list);
    }
  }
  const problems: CompositionProblem[] = [];
  const reported = new Set<MappedParameter>();
  for (const start of names) {
    // Paths from `start` back to `start`.
    const stack: { at: string; path: { to: string; mapping: MappedParameter }[] }[] = [{ at: start, path: [] }];
    const seen = new Set<string>();
    while (stack.length) {
      const { at, path } = stack.pop()!;
      for (const e of edges.get(at) ?? []) {
        if (e.to === start) {
          const loop = [...path, e];
          const label = [start, ...loop.map((x) => x.to)].join(" → ");
          for (const step of loop) {
            if (reported.has(step.mapping)) continue;
            reported.add(step.mapping);
            problems.push({ code: "FS008", message: `cycle of mapped parameters: ${label}`, span: step.mapping.parentFlow!.span });
          }
        } else if (!seen.has(e.to)) {
          seen.add(e.to);
          stack.push({ at: e.to, path: [...path, e] });
        }
      }
    }
  }
  return problems;
}

/** The composing flows in an order where every flow comes after the flows it maps from (file order otherwise). */
export function flowOrder(composition: Composition): ComposingFlow[] {
  const byName = new Map(composition.flows.flatMap((f) => (f.name ? [[f.name.value, f] as const] : [])));
  const out: ComposingFlow[] = [];
  const state = new Map<ComposingFlow, "visiting" | "done">();
  const visit = (flow: ComposingFlow) => {
    if (state.has(flow)) return;
    state.set(flow, "visiting");
    for (const m of flow.mapped) {
      const parent = m.parentFlow && byName.get(m.parentFlow.value);
      if (parent && parent !== flow) visit(parent);
    }
    state.set(flow, "done");
    out.push(flow);
  };
  for (const flow of composition.flows) visit(flow);
  return out;
}

// ── YAML helpers ──────────────────────────────────────────────────────────────────────────────

function keyOf(pair: Pair | undefined): string | undefined {
  const key = pair?.key as YamlNode | null | undefined;
  if (isScalar(key) && (typeof key.value === "string" || typeof key.value === "number")) return String(key.value);
  return undefined;
}

function rangeSpan(range: [number, number, number] | null | undefined, text?: string): Span {
  if (!range) return { start: 0, end: text?.length ?? 0 };
  return { start: range[0], end: Math.max(range[1], range[0]) };
}

function nodeSpan(node: YamlNode, fallback?: Span): Span {
  return node.range ? rangeSpan(node.range) : (fallback ?? { start: 0, end: 0 });
}

function keySpanOf(pair: Pair | undefined): Span | undefined {
  const key = pair?.key as YamlNode | null | undefined;
  return key && key.range ? rangeSpan(key.range) : undefined;
}

/** The pair's value span; the key's when the value is empty. */
function pairValueSpan(pair: Pair): Span {
  const value = pair.value as YamlNode | null;
  if (value && value.range && value.range[1] > value.range[0]) return rangeSpan(value.range);
  return keySpanOf(pair) ?? { start: 0, end: 0 };
}

function readString(pair: Pair | undefined, what: string, problems: CompositionProblem[]): Located<string> | undefined {
  if (!pair) return undefined;
  const value = pair.value as YamlNode | null;
  if (isScalar(value) && (typeof value.value === "string" || typeof value.value === "number") && String(value.value).length > 0) {
    return { value: String(value.value), span: rangeSpan(value.range) };
  }
  problems.push({ code: "FS013", message: `${what} must be a non-empty string`, span: pairValueSpan(pair) });
  return undefined;
}

function unknownKeys(map: YAMLMap, allowed: string[], what: string, problems: CompositionProblem[]): void {
  for (const pair of map.items) {
    const key = keyOf(pair);
    if (key === undefined || allowed.includes(key)) continue;
    problems.push({ code: "FS013", message: `${what} has no key "${key}"${hint(key, allowed)}; it takes ${allowed.join(", ")}`, span: keySpanOf(pair)! });
  }
}

/** Why a YAML value is not JSON, or undefined when it is. */
function nonJson(node: YamlNode | null): string | undefined {
  if (node === null) return undefined;
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === "number" && !Number.isFinite(v)) return `${String(v)} is not a JSON number`;
    if (typeof v === "bigint") return "a bigint is not JSON";
    if (v instanceof Uint8Array) return "binary data is not JSON";
    if (v instanceof Date) return "a timestamp is not JSON (quote it as a string)";
    return undefined;
  }
  if (isSeq(node)) {
    for (const it of node.items as YamlNode[]) {
      const bad = nonJson(it);
      if (bad) return bad;
    }
    return undefined;
  }
  if (isMap(node)) {
    if (node.tag && node.tag !== "tag:yaml.org,2002:map") return `a ${node.tag} is not JSON`;
    for (const p of node.items) {
      if (keyOf(p) === undefined) return "an object key that is not a string is not JSON";
      const bad = nonJson(p.value as YamlNode | null);
      if (bad) return bad;
    }
    return undefined;
  }
  return "an alias to another value is not supported here";
}
