/**
 * Completion in a composition (DESIGN "Editor features"): after `flow:` the workspace's workflows
 * as `FILE#workflow` relative to the YAML; after `parent_flow_name:` the composition's other flows;
 * after `parent_task_name:` that flow's node ids; after `output:` that node's outputs with their
 * types; under `parameters:`/`mapped_parameters:` the flow's params (required first, with types);
 * after `map_type:` raw, file, db.
 */
import { CompletionItemKind, type CompletionItem, type CompletionList, type Position } from "vscode-languageserver/node";
import type { FlowAnalysis, WorkflowInfo } from "../analysis/index.js";
import { nodeOutputs, relativeRef, splitFlowRef, type ParsedComposition } from "../compositions/index.js";
import { cursorContext, type FlowItem } from "../compositions/cursor.js";
import type { Compositions } from "./compositionService.js";

/** At most this many flow files are offered after `flow:` (each is analysed). */
const MAX_FLOW_FILES = 300;

const MAP_TYPES: { name: string; doc: string }[] = [
  { name: "raw", doc: "the output's value becomes the param (the default)" },
  { name: "file", doc: "the output is a file the task returned with file(path); the param receives a readable path" },
  { name: "db", doc: "the output is recorded in the results database; the param receives the value at attribute_index" },
];

/** The keys a composition, a composing flow and a mapped parameter take (runtime/src/composition/document.ts). */
const KEYS: Record<"composition" | "flow" | "mapping", { name: string; doc: string }[]> = {
  composition: [
    { name: "name", doc: "the composition's name: its target is FILE#NAME" },
    { name: "description", doc: "what it does (shown in hovers and the Flows view)" },
    { name: "composing_flows", doc: "the workflows it runs: - name: …, flow: FILE#workflow" },
  ],
  flow: [
    { name: "name", doc: "its id here: its nodes are NAME/NODE" },
    { name: "flow", doc: "FILE#workflow, the file relative to this composition" },
    { name: "parameters", doc: "constant params: { param: value }" },
    { name: "mapped_parameters", doc: "params from other flows' node outputs" },
    { name: "description", doc: "what it does here" },
  ],
  mapping: [
    { name: "parent_flow_name", doc: "the composing flow the value comes from" },
    { name: "parent_task_name", doc: "the node of that flow" },
    { name: "output", doc: "the node's output" },
    { name: "map_type", doc: "raw (default), file or db" },
    { name: "attribute_index", doc: "a field or index path into the output: [f1] or [0, score]" },
  ],
};

function workflowOf(a: FlowAnalysis, file: string, flowRef: string | undefined): WorkflowInfo | undefined {
  const ref = flowRef ? splitFlowRef(file, flowRef) : undefined;
  if (!ref || !/\.(ts|tsx|mts|cts)$/.test(ref.file) || a.project.readText(ref.file) === undefined) return undefined;
  return a.analyzeFile(ref.file).workflows.find((w) => w.exported && w.name === ref.name);
}

export function compositionCompletion(c: Compositions, file: string, pos: Position): CompletionList | null {
  const a = c.graphsOf(file)?.analysis;
  const doc: ParsedComposition | undefined = c.docOf(file);
  if (!a || !doc) return null;
  const ctx = cursorContext(doc.text, doc.lines.offset(pos));
  if (!ctx) return null;
  const range = doc.lines.range(ctx.replace);
  const item = (label: string, kind: CompletionItemKind, detail: string, documentation?: string, sortText?: string, insert?: string): CompletionItem => ({
    label,
    kind,
    detail,
    ...(documentation ? { documentation: { kind: "markdown", value: documentation } } : {}),
    ...(sortText ? { sortText } : {}),
    textEdit: { range, newText: insert ?? label },
    filterText: label,
  });
  if (ctx.kind === "key") {
    const keys = KEYS[ctx.of].filter((k) => !ctx.present.includes(k.name) || k.name === ctx.prefix);
    return { isIncomplete: false, items: keys.map((k, i) => item(k.name, CompletionItemKind.Property, k.doc, undefined, String(i).padStart(2, "0"), `${k.name}: `)) };
  }
  const flowNamed = (name: string | undefined): FlowItem | undefined => ctx.items.find((x) => x.name === name);
  if (ctx.kind === "paramKey") {
    const wf = workflowOf(a, file, ctx.item?.flow);
    if (!wf) return null;
    const items = [...wf.params]
      .sort((x, y) => Number(y.required && y.default === undefined) - Number(x.required && x.default === undefined))
      .map((p, i) => {
        const required = p.required && p.default === undefined;
        const detail = `${p.type}${required ? " · required" : p.default !== undefined ? ` = ${JSON.stringify(p.default)}` : ""}`;
        return item(p.name, CompletionItemKind.Field, detail, p.description, `${required ? 0 : 1}${String(i).padStart(4, "0")}`, ctx.prefix === p.name ? p.name : `${p.name}: `);
      });
    return { isIncomplete: false, items };
  }
  switch (ctx.key) {
    case "flow": {
      const items: CompletionItem[] = [];
      for (const f of a.flowFiles().slice(0, MAX_FLOW_FILES)) {
        for (const wf of a.analyzeFile(f).workflows) {
          if (!wf.exported) continue;
          const label = `${relativeRef(file, f)}#${wf.name}`;
          const params = wf.params.map((p) => `${p.name}: ${p.type}`).join(", ");
          items.push(item(label, CompletionItemKind.Module, `workflow · ${wf.nodes.length} node${wf.nodes.length === 1 ? "" : "s"}${params ? ` · (${params})` : ""}`, wf.description));
        }
      }
      return { isIncomplete: false, items };
    }
    case "parent_flow_name": {
      const self = ctx.item?.name;
      const items = ctx.items.filter((x) => x.name && x.name !== self).map((x) => item(x.name!, CompletionItemKind.Module, x.flow ?? ""));
      return { isIncomplete: false, items };
    }
    case "parent_task_name": {
      const wf = workflowOf(a, file, flowNamed(ctx.fields.parent_flow_name)?.flow);
      if (!wf) return null;
      return { isIncomplete: false, items: wf.nodes.map((n) => item(n.id, CompletionItemKind.Function, `node · task ${n.task}`, `\`${n.task}${a.signatureOf(n.taskFile, n.task)}\``)) };
    }
    case "output": {
      const wf = workflowOf(a, file, flowNamed(ctx.fields.parent_flow_name)?.flow);
      const node = wf?.nodes.find((n) => n.id === ctx.fields.parent_task_name);
      const outputs = node ? nodeOutputs(a, node) : undefined;
      if (!outputs) return null;
      return { isIncomplete: false, items: outputs.map((o) => item(o.name, CompletionItemKind.Field, o.text, o.isFile ? "a file (FlowFile): map it with `map_type: file`" : undefined)) };
    }
    case "map_type":
      return { isIncomplete: false, items: MAP_TYPES.map((m) => item(m.name, CompletionItemKind.EnumMember, m.doc)) };
    default:
      return null;
  }
}
