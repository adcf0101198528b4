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
