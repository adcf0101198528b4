/**
 * The contract between Flowsmith's parts (runtime, language server, extension): what crosses a
 * boundary, in one vocabulary. Plain data and pure functions only — no Node, vscode or LSP imports
 * (the LSP message types are in `@flowsmith/contract/lsp`).
 */
export * from "./status.js";
export * from "./records.js";
export * from "./events.js";
export * from "./protocol.js";
export * from "./commands.js";
export * from "./target.js";
export * from "./format.js";
export * from "./variants.js";
export * from "./cluster.js";
