/**
 * `flowsmith run deploy:NAME[:node]`: a deployment prepared for the engine as `prepare()` prepares a
 * flow file, from its artifact in the store. Its runs are recorded under the target `deploy:NAME` (the
 * `runs` table and the run records name the deployment); its cache keys use the fingerprints kept in
 * the manifest, the source's, so a node complete from a run of the source is complete here and back.
 * Nothing is written when the deployment cannot run: one line names it and what is wrong (exit 2).
 */
import * as path from "node:path";
import { formatDuration } from "@flowsmith/contract";
import { loadFlowFile, type LoadedFlows } from "../loader/load.js";
import type { PreparedFlow } from "../engine/prepare.js";
import { pickWorkflow } from "../engine/target.js";
import { findWorkspaceRoot, resolveStoreDir, Store } from "../store/store.js";
import { FlowsmithError, errorMessage } from "../util/errors.js";
import { readArtifact } from "./artifacts.js";
import type { DeploymentRegistry } from "./registry.js";
import { isIdle, lastUsed } from "./state.js";

const PREFIX = "deploy:";

export function isDeploymentTarget(target: string): boolean {
  return target.startsWith(PREFIX);
}

/** `deploy:NAME[:node]` → its parts. */
export function parseDeploymentTarget(target: string): { name: string; node?: string } {
  const rest = target.slice(PREFIX.length);
  const colon = rest.indexOf(":");
  const name = colon < 0 ? rest : rest.slice(0, colon);
  const node = colon < 0 ? undefined : rest.slice(colon + 1);
  if (!name) throw new FlowsmithError(`target "${target}" names no deployment: deploy:NAME (flowsmith deployments lists them)`);
  if (node !== undefined && !node) throw new FlowsmithError(`target "${target}" has no node after :`);
  return { name, ...(node !== undefined ? { node } : {}) };
}

export interface DeploymentRunOptions {
  /** The cluster's registry (from dist/deployments.js): opened by the caller, closed here. */
  registry: DeploymentRegistry;
  store?: string;
  cwd?: string;
  /** Lines for the user (re-activation). */
  say(line: string): void;
}

export async function prepareDeployment(target: string, options: DeploymentRunOptions): Promise<PreparedFlow> {
  const { registry } = options;
  try {
    const { name, node } = parseDeploymentTarget(target);
    const root = findWorkspaceRoot(options.cwd ?? process.cwd());
    const store = new Store(resolveStoreDir(root, options.store));
    await registry.suspendIdle();
    const d = await registry.require(name);
    const label = `deployment ${name} (${d.hash.slice(0, 12)}, from ${d.target})`;
    const read = readArtifact(store, d.hash);
    if (!read.ok) throw new FlowsmithError(`${label} cannot run: ${read.problem}; deploy it again: flowsmith deploy ${d.target} --name ${name}`);
    let flows: LoadedFlows;
    try {
      flows = loadFlowFile(read.file, store.cacheDir);
    } catch (error) {
      // The loader names the artifact and the user's frame by paths in the store: say what the deployment's are.
      const dir = path.dirname(read.file);
      const why = errorMessage(error)
        .replace(/^.*? could not be loaded: /, "")
        .split(`${dir}${path.sep}`).join("")
        .split(`${path.relative(process.cwd(), dir)}${path.sep}`).join("");
      throw new FlowsmithError(`${label} no longer loads: ${why}`);
    }
    const shown = `deploy:${name}`;
    let picked: ReturnType<typeof pickWorkflow>;
    try {
      picked = pickWorkflow(flows, { file: read.file, workflow: read.manifest.workflow }, shown);
    } catch (error) {
      throw new FlowsmithError(`${label} no longer loads: ${errorMessage(error)}`);
    }
    if (d.state === "suspended" || isIdle(d)) {
      const idle = formatDuration(Date.now() - lastUsed(d)) ?? "a while";
      options.say(`deployment ${name} was suspended (unused for ${idle}); this run re-activates it: its code is loaded again from the store`);
    }
    await registry.touch(name);
    return {
      root,
      store,
      flows,
      spec: { file: read.file, workflow: picked.name, ...(node !== undefined ? { node } : {}) },
      name: picked.name,
      flow: picked.flow,
      target: shown,
      shown,
      fingerprints: new Map(Object.entries(read.manifest.fingerprints)),
    };
  } finally {
    await registry.close();
  }
}
