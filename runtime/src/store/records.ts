// Transitional: the store's record shapes live in the contract (@flowsmith/contract). Importers move there.
export { STORE_FORMAT } from "@flowsmith/contract";
export type { NodeRecord, NodeState, NodeStatus, OutputMeta, RunRecord, RunStatus, RunSummary } from "@flowsmith/contract";
