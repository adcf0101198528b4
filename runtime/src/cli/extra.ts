/**
 * Commands contributed by the static analysis (`check`, `graph`, analysis-backed `list`) register
 * here; the runtime's own commands never depend on them.
 */
import type { Command } from "commander";

export const extraCommands: ((program: Command) => void)[] = [];
