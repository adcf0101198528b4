/** Everything a command needs about a target before it does anything: files, store, fingerprints. */
import * as path from "node:path";
import { loadFlowFile, type LoadedFlows } from "../loader/load.js";
import type { WorkflowImpl } from "../sdk/workflow.js";
import { findWorkspaceRoot, resolveStoreDir, Store } from "../store/store.js";
import { taskFingerprints } from "./keys.js";
import { canonicalTarget, parseTarget, pickWorkflow, type TargetSpec } from "./target.js";

export interface PreparedFlow {
  root: string;
  store: Store;
  flows: LoadedFlows;
  spec: TargetSpec;
  /** The workflow's export name. */
  name: string;
  flow: WorkflowImpl;
  /** Canonical `relative/file.ts#workflow`, the key of records in the store. */
  target: string;
  /** The file as the user wrote it, for messages. */
  shown: string;
  fingerprints: Map<string, string>;
}

export function prepare(targetText: string, options: { cwd?: string; store?: string } = {}): PreparedFlow {
  const cwd = options.cwd ?? process.cwd();
  const spec = parseTarget(targetText);
  const file = path.resolve(cwd, spec.file);
  const root = findWorkspaceRoot(cwd);
  const store = new Store(resolveStoreDir(root, options.store));
  const flows = loadFlowFile(file, store.cacheDir);
  const { name, flow } = pickWorkflow(flows, spec, spec.file);
  return {
    root,
    store,
    flows,
    spec,
    name,
    flow,
    target: canonicalTarget(root, file, name),
    shown: spec.file,
    fingerprints: taskFingerprints(flows, store.cacheDir),
  };
}
