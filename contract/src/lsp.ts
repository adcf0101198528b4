/**
 * Flowsmith's custom LSP messages: one namespace each, a method literal and a type (DESIGN.md fixes
 * the method names). Imported by the language server and the extension; the runtime never needs it.
 */
import { NotificationType, RequestType } from "vscode-languageserver-protocol";
import type { DidChangeStatusParams, FlowsParams, FlowsResult, GraphParams, GraphResult } from "./protocol.js";

/** Sent by the client (Flows view, code lenses) to list every workflow with its nodes and statuses. */
export namespace FlowsRequest {
  export const method = "flowsmith/flows" as const;
  export const type = new RequestType<FlowsParams, FlowsResult, void>(method);
}

/** Sent by the client (graph webview) for one workflow's nodes, edges, statuses and locations. */
export namespace GraphRequest {
  export const method = "flowsmith/graph" as const;
  export const type = new RequestType<GraphParams, GraphResult | null, void>(method);
}

/** Sent by the server when a node's status changes (store written or code edited). */
export namespace DidChangeStatus {
  export const method = "flowsmith/didChangeStatus" as const;
  export const type = new NotificationType<DidChangeStatusParams>(method);
}
