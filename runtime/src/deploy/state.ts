/** A deployment as the cluster's registry holds it (registry.ts), and the rules read from it without Redis. */
import { FlowsmithError } from "../util/errors.js";
import type { ParamSummary } from "./artifacts.js";

export type DeploymentState = "active" | "suspended";

export interface Deployment {
  name: string;
  hash: string;
  /** The source target it was bundled from. */
  target: string;
  workflow: string;
  params: ParamSummary;
  deployedAt: string;
  suspendAfterMs: number;
  lastRunAt?: string;
  runs: number;
  state: DeploymentState;
  suspendedAt?: string;
  /** The store the artifact was written to (for messages: workers and runners must share it). */
  store: string;
}

const NAME = /^[A-Za-z0-9_][\w.-]{0,99}$/;

export function checkDeploymentName(name: string): string {
  if (!NAME.test(name)) throw new FlowsmithError(`"${name}" is not a deployment name: letters, digits, _ . - (at most 100, not starting with . or -)`);
  return name;
}

/** When a deployment was last used (deployed or run), in ms. */
export function lastUsed(d: Deployment): number {
  return Math.max(Date.parse(d.deployedAt) || 0, d.lastRunAt ? Date.parse(d.lastRunAt) || 0 : 0);
}

/** Unused for its suspension delay (0: never suspended). */
export function isIdle(d: Deployment, now = Date.now()): boolean {
  return d.suspendAfterMs > 0 && now - lastUsed(d) >= d.suspendAfterMs;
}
