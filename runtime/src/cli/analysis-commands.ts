/** Registers the analysis-backed commands (check, graph) once the language server analysis lands. */
export {};
