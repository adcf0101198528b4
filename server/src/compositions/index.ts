/**
 * Compositions (`*.flows.yaml`, DESIGN "Compositions") in the analysis: pure, no LSP. The server's
 * adapter (editor/composition*.ts) and the CLI's check/list/graph use these.
 */
export { structureDiagnostics, compositionDiagnostics, typedDiagnostics, type CompositionDiagnostic } from "./check.js";
export { compositionGraph, compositionGraphs, compositionStatuses, compositionTarget, type CompositionGraph, type CompositionNode, type CompositionEdge } from "./graph.js";
export { parseComposition, type ParsedComposition } from "./parsed.js";
export { resolveFlow, resolveFlows, splitFlowRef, relativeRef, type ResolvedFlow } from "./resolve.js";
export { nodeOutputs, outputType, jsonKind } from "./types.js";
export { compositionFiles, discoverCompositionFiles, readCompositionText } from "./discover.js";
export { LineIndex, inSpan } from "./text.js";
export { isCompositionFile } from "../../../runtime/src/composition/document.js";
