/** Options several commands take, defined once. */
import { Option } from "commander";

/** For repeatable options (`--param a=1 --param b=2`). */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

export const storeOption = () => new Option("--store <dir>", "store directory (default: .flowsmith in the workspace root; env FLOWSMITH_STORE)");
