/** What a position in a parsed composition names (hover, go to definition): a flow, a node, an output, a param. */
import type { ComposingFlow, Composition, MappedParameter, Span } from "../../../runtime/src/composition/document.js";
import type { ParsedComposition } from "./parsed.js";
import { inSpan } from "./text.js";

export type Pointed =
  | { kind: "compositionName"; span: Span }
  | { kind: "flowName"; flow: ComposingFlow; span: Span }
  | { kind: "flowRef"; flow: ComposingFlow; span: Span }
  | { kind: "param"; flow: ComposingFlow; name: string; span: Span }
  | { kind: "parentFlow" | "parentTask" | "output"; flow: ComposingFlow; mapping: MappedParameter; span: Span };

export function pointedAt(doc: ParsedComposition, offset: number): { composition: Composition; pointed: Pointed } | undefined {
  for (const composition of doc.parsed.compositions) {
    if (offset < composition.span.start || offset > composition.span.end) continue;
    if (composition.name && inSpan(composition.name.span, offset)) return { composition, pointed: { kind: "compositionName", span: composition.name.span } };
    for (const flow of composition.flows) {
      if (!inSpan(flow.span, offset)) continue;
      if (flow.name && inSpan(flow.name.span, offset)) return { composition, pointed: { kind: "flowName", flow, span: flow.name.span } };
      if (flow.flow && inSpan(flow.flow.span, offset)) return { composition, pointed: { kind: "flowRef", flow, span: flow.flow.span } };
      for (const p of flow.parameters) if (inSpan(p.keySpan, offset)) return { composition, pointed: { kind: "param", flow, name: p.key, span: p.keySpan } };
      for (const m of flow.mapped) {
        if (inSpan(m.keySpan, offset)) return { composition, pointed: { kind: "param", flow, name: m.param, span: m.keySpan } };
        for (const [kind, located] of [["parentFlow", m.parentFlow], ["parentTask", m.parentTask], ["output", m.output]] as const) {
          if (located && inSpan(located.span, offset)) return { composition, pointed: { kind, flow, mapping: m, span: located.span } };
        }
      }
    }
  }
  return undefined;
}
