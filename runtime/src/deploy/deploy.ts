/**
 * `flowsmith deploy` (Malevich's prepare): bundle a prepared flow (bundle.ts) into a content-addressed
 * artifact in the store (artifacts.ts) and register it by name in the cluster's Redis (registry.ts).
 * The code fingerprints are computed from the source here and kept in the manifest, so a deployment's
 * cache keys are those of the source it was deployed from.
 */
import { formatAge, formatDuration } from "@flowsmith/contract";
import type { PreparedFlow } from "../engine/prepare.js";
import { FlowsmithError } from "../util/errors.js";
import { MANIFEST_FORMAT, readArtifact, writeArtifact, type DeploymentManifest } from "./artifacts.js";
import { bundleFlow } from "./bundle.js";
import { paramsText, summarizeParams } from "./params.js";
import type { DeploymentRegistry } from "./registry.js";
import { checkDeploymentName } from "./state.js";

declare const FLOWSMITH_VERSION: string;

/** 24 h: how long a deployment may go unused before it is suspended, unless --suspend-after says otherwise. */
export const DEFAULT_SUSPEND_AFTER_MS = 24 * 3600_000;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3600_000, d: 86400_000 };

/** `500ms`, `30s`, `10m`, `24h`, `7d`; `0` or `never`: never suspended. */
export function parseDuration(text: string, flag: string): number {
  const t = text.trim().toLowerCase();
  if (t === "never" || t === "0") return 0;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)$/.exec(t);
  if (!m) throw new FlowsmithError(`${flag} "${text}" is not a duration: a number with ms, s, m, h or d (24h, 30m, 500ms), or never`);
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}

export function suspensionText(ms: number): string {
  return ms > 0 ? (formatDuration(ms) ?? `${ms} ms`) : "never";
}

export interface DeployOptions {
  /** The cluster's registry (from dist/deployments.js), opened and closed by the caller. */
  registry: DeploymentRegistry;
  name?: string;
  suspendAfterMs?: number;
  externals?: string[];
  /** Lines for the user. */
  say(line: string): void;
}

function sameFingerprints(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

export async function deployPrepared(prepared: PreparedFlow, options: DeployOptions): Promise<{ name: string; hash: string; changed: boolean }> {
  const name = checkDeploymentName(options.name ?? prepared.name);
  if (prepared.spec.node !== undefined) throw new FlowsmithError(`deploy takes a workflow, not a node: flowsmith deploy ${prepared.shown}#${prepared.name}`);
  const suspendAfterMs = options.suspendAfterMs ?? DEFAULT_SUSPEND_AFTER_MS;
  const externals = [...new Set(options.externals ?? [])].sort();
  const { registry } = options;
  await registry.suspendIdle();
  const bundle = await bundleFlow(prepared.root, prepared.flows, externals);
  const fingerprints = Object.fromEntries([...prepared.fingerprints].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const before = await registry.get(name);
  const beforeArtifact = before?.hash === bundle.hash ? readArtifact(prepared.store, bundle.hash) : undefined;
  const sameCode =
    !!before && before.hash === bundle.hash && before.target === prepared.target && beforeArtifact?.ok === true && beforeArtifact.manifest.workflow === prepared.name && sameFingerprints(beforeArtifact.manifest.fingerprints, fingerprints);
  if (sameCode) {
    if (before.suspendAfterMs !== suspendAfterMs) await registry.setSuspendAfter(name, suspendAfterMs);
    options.say(`deployment ${name} is up to date: ${prepared.target} has not changed since it was deployed ${formatAge(before.deployedAt) ?? ""} (${bundle.hash.slice(0, 12)}); nothing to do`);
    return { name, hash: bundle.hash, changed: false };
  }
  const manifest: DeploymentManifest = {
    format: MANIFEST_FORMAT,
    hash: bundle.hash,
    workflow: prepared.name,
    target: prepared.target,
    fingerprints,
    params: summarizeParams(prepared.flow),
    externals,
    createdAt: new Date().toISOString(),
    runtime: typeof FLOWSMITH_VERSION === "string" ? FLOWSMITH_VERSION : "dev",
  };
  const { file } = writeArtifact(prepared.store, bundle.code, manifest);
  await registry.register(
    { name, hash: bundle.hash, target: prepared.target, workflow: prepared.name, params: manifest.params, deployedAt: manifest.createdAt, suspendAfterMs, store: prepared.store.dir },
    false,
  );
  const kb = Math.max(1, Math.round(Buffer.byteLength(bundle.code) / 1024));
  options.say(
    `deployed ${name}: ${prepared.target} as ${bundle.hash.slice(0, 12)} (${kb} KB, ${paramsText(manifest.params)})` +
      (before ? `, replacing ${before.hash.slice(0, 12)} deployed ${formatAge(before.deployedAt) ?? "before"}` : ""),
  );
  options.say(`  artifact: ${file}`);
  options.say(`  run it: flowsmith run deploy:${name} --cluster ${registry.address.url} [--param key=value]...`);
  options.say(
    suspendAfterMs > 0
      ? `  note: a deployment unused for ${suspensionText(suspendAfterMs)} is suspended (workers drop its code); its next run re-activates it (--suspend-after to change)`
      : `  note: never suspended (--suspend-after never)`,
  );
  return { name, hash: bundle.hash, changed: true };
}
