// Transitional: run events live in the contract (@flowsmith/contract). Importers move there.
export type { EventSink, RunEvent } from "@flowsmith/contract";
