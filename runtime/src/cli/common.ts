/** Small helpers shared by commands. */
import { prepare, type PreparedFlow } from "../engine/prepare.js";
import { isCompositionTarget, prepareComposition } from "../composition/prepare.js";
import { Store } from "../store/store.js";

export function prepareTarget(target: string, opts: { store?: string }): PreparedFlow {
  // A composition (`FILE.flows.yaml#NAME`) is prepared as one workflow of its flows' nodes.
  if (isCompositionTarget(target)) return prepareComposition(target, { store: opts.store });
  return prepare(target, { store: opts.store });
}

export function openStore(opts: { store?: string }): Store {
  return Store.forWorkspace(process.cwd(), opts.store);
}

/** Corrupt records met while reading: reported on stderr, never fatal. */
export function reportProblems(store: Store): void {
  for (const p of store.problems) process.stderr.write(`flowsmith: warning: ${p}\n`);
}

export function paramsLine(params: Record<string, unknown>): string | undefined {
  const entries = Object.entries(params);
  if (!entries.length) return undefined;
  return `params: ${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}`;
}
