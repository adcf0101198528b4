/**
 * Deployment artifacts in the store (layout.ts: `deployments/<sha256>.js` and `.json`): the bundle,
 * named by the hash of its text, and a small manifest saying what it is. Both are written atomically
 * and durably; reading checks the bundle against its hash, so a truncated or altered artifact is
 * reported, never run.
 */
import * as fs from "node:fs";
import { readJson, writeFileAtomic } from "../store/files.js";
import { sha256 } from "../store/hash.js";
import type { Store } from "../store/store.js";

export const MANIFEST_FORMAT = 1;

/** One param of the workflow, as `deployments` shows it: `epochs: number = 3`, `url: string`. */
export type ParamSummary = Record<string, string>;

export interface DeploymentManifest {
  format: number;
  /** The sha256 of the bundle's text. */
  hash: string;
  /** The workflow's export name in the bundle (as in the source). */
  workflow: string;
  /** The source target it was bundled from (`path/flow.ts#workflow`, relative to the workspace root). */
  target: string;
  /** The code fingerprints of its tasks, computed from the source when deploying: cache keys agree with runs of the source. */
  fingerprints: Record<string, string>;
  params: ParamSummary;
  /** Packages left out of the bundle (required where the worker runs). */
  externals: string[];
  createdAt: string;
  /** The flowsmith version that bundled it. */
  runtime: string;
}

/** Write the bundle (unless the same bytes are there) and its manifest. */
export function writeArtifact(store: Store, code: string, manifest: DeploymentManifest): { file: string; existed: boolean } {
  store.markFormat();
  const file = store.deploymentArtifact(manifest.hash, "js");
  const existed = readVerified(file, manifest.hash) !== undefined;
  if (!existed) writeFileAtomic(file, code, true);
  writeFileAtomic(store.deploymentArtifact(manifest.hash, "json"), `${JSON.stringify(manifest, null, 2)}\n`, true);
  return { file, existed };
}

function readVerified(file: string, hash: string): string | undefined {
  try {
    const text = fs.readFileSync(file, "utf8");
    return sha256(text) === hash ? text : undefined;
  } catch {
    return undefined;
  }
}

export type ArtifactRead = { ok: true; file: string; manifest: DeploymentManifest } | { ok: false; problem: string };

/** The artifact of `hash`, checked: a missing, truncated or altered bundle or manifest is a problem (one phrase). */
export function readArtifact(store: Store, hash: string): ArtifactRead {
  const file = store.deploymentArtifact(hash, "js");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, problem: code === "ENOENT" ? `its artifact is missing from the store (${file})` : `its artifact cannot be read (${file}: ${code})` };
  }
  if (sha256(text) !== hash) return { ok: false, problem: `its artifact is corrupt: ${file} does not hash to ${hash.slice(0, 12)} (changed or truncated since it was deployed)` };
  const read = readJson<DeploymentManifest>(store.deploymentArtifact(hash, "json"));
  if (!read.ok) return { ok: false, problem: read.missing ? `its manifest is missing from the store (${store.deploymentArtifact(hash, "json")})` : `its manifest is corrupt (${read.problem})` };
  const m = read.value;
  if (!m || typeof m !== "object" || m.hash !== hash || typeof m.workflow !== "string" || typeof m.fingerprints !== "object" || m.fingerprints === null) {
    return { ok: false, problem: `its manifest is corrupt (${store.deploymentArtifact(hash, "json")} does not describe ${hash.slice(0, 12)})` };
  }
  return { ok: true, file, manifest: m };
}
