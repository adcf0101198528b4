/**
 * What the extension shows of a cluster, from `flowsmith workers --cluster URL --format json`. No
 * vscode import: unit-tested as plain code.
 */
import type { WorkerInfo } from "@flowsmith/contract";

/** Where runs started with Run go. `cluster` only when a cluster is configured. */
export type RunDestination = "local" | "cluster";

export type ClusterState =
  | { kind: "none" }
  | { kind: "checking"; url: string }
  | { kind: "live"; url: string; workers: WorkerInfo[] }
  | { kind: "unreachable"; url: string; error: string };

/** The workers a `workers --format json` output lists; a line naming what is wrong otherwise. */
export function parseWorkers(stdout: string): WorkerInfo[] | string {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    return "the CLI did not print JSON for `workers --format json`";
  }
  if (!Array.isArray(value)) return "`workers --format json` did not print a list";
  return value.filter((w): w is WorkerInfo => typeof w === "object" && w !== null && typeof (w as WorkerInfo).id === "string")
    .map((w) => ({ ...w, running: Array.isArray(w.running) ? w.running : [] }));
}

/** The status bar's words: where Run sends a run, and how many workers are there to take it. */
export function destinationText(destination: RunDestination, state: ClusterState): { text: string; tooltip: string } {
  if (destination === "local" || state.kind === "none") {
    const more = state.kind === "none" ? "" : ` — click to send runs to the cluster at ${state.url}`;
    return { text: "$(vm) Flowsmith: local", tooltip: `Runs execute on this machine${more}` };
  }
  if (state.kind === "checking") return { text: "$(sync~spin) Flowsmith: cluster", tooltip: `Runs go to the cluster at ${state.url}; looking for its workers…` };
  if (state.kind === "unreachable") {
    return { text: "$(warning) Flowsmith: cluster unreachable", tooltip: `Runs go to the cluster at ${state.url}, which cannot be reached: ${state.error}. Click to choose where runs go.` };
  }
  const n = state.workers.length;
  const busy = state.workers.reduce((s, w) => s + w.running.length, 0);
  return {
    text: `$(cloud) Flowsmith: cluster · ${n} worker${n === 1 ? "" : "s"}`,
    tooltip: `Runs go to the cluster at ${state.url}: ${n} live worker${n === 1 ? "" : "s"}, ${busy} node${busy === 1 ? "" : "s"} running. Click to choose where runs go.`,
  };
}

/** A worker's line in the Workers view: `host · pid 123`, `2/4 running`. */
export function workerDescription(w: WorkerInfo): { label: string; description: string } {
  return { label: `${w.host} · pid ${w.pid}`, description: `${w.running.length}/${w.concurrency} running` };
}
