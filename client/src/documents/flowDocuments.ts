/**
 * Read-only documents made from the CLI and the store:
 *   flowsmith-results:/RUN_ID/NODE.json?…   `flowsmith results RUN_ID [--node NODE]` (JSON)
 *   flowsmith-preview:/NAME.flowsmith-log?… `flowsmith preview TARGET` (luigi-style tree)
 *   flowsmith-log:/RUN_ID.flowsmith-log?…   a run's log: live lines, or the store's per-node log files
 * The `.flowsmith-log` extension gives these documents the run-log language.
 */
import * as vscode from "vscode";
import { readRunLog } from "../../../runtime/src/store/runLog";
import { execCli, cliComplaint, type CliEnv } from "../runs/cli";
import type { RunManager } from "../runs/runManager";
import { formatDuration, type RunRecord, variantLabel, variantNames } from "@flowsmith/contract";
import { paramArgs, type ParamValues } from "../runs/params";

export const RESULTS_SCHEME = "flowsmith-results";
export const PREVIEW_SCHEME = "flowsmith-preview";
export const LOG_SCHEME = "flowsmith-log";

interface Query {
  runId?: string;
  node?: string;
  target?: string;
  params?: ParamValues;
  live?: number;
  root?: string;
}

function encode(q: Query): string {
  return new URLSearchParams({ q: JSON.stringify(q) }).toString();
}

function decode(uri: vscode.Uri): Query {
  try {
    return JSON.parse(new URLSearchParams(uri.query).get("q") ?? "{}") as Query;
  } catch {
    return {};
  }
}

const safe = (s: string) => s.replace(/[^\w.@-]+/g, "_");

/** `root` in each: the workspace root of a run or target outside the first folder. */
export function resultsUri(runId: string, node?: string, root?: string): vscode.Uri {
  return vscode.Uri.from({ scheme: RESULTS_SCHEME, path: `/${runId}/${safe(node ?? "outputs")}.json`, query: encode({ runId, node, root }) });
}

export function previewUri(target: string, node: string | undefined, params: ParamValues, root?: string): vscode.Uri {
  const name = safe(`${target.slice(target.lastIndexOf("#") + 1)}${node ? `-${node}` : ""}`);
  return vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${name} preview.flowsmith-log`, query: encode({ target, node, params, root }) });
}

export function logUri(runId: string | undefined, live?: number, root?: string): vscode.Uri {
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${runId ?? `run-${live}`}.flowsmith-log`, query: encode({ runId, live, root }) });
}

export interface StoreLocator {
  /** Absolute store directory of a root (the server's, the setting's, or ROOT/.flowsmith). */
  storeDir(root?: string): string | undefined;
}

export class FlowDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly open = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly env: CliEnv, private readonly runs: RunManager, private readonly store: StoreLocator) {
    // Keep a live run's log document growing while it is open.
    let timer: NodeJS.Timeout | undefined;
    this.disposables.push(
      runs.onDidChange(() => {
        if (timer) return;
        timer = setTimeout(() => {
          timer = undefined;
          for (const s of this.open) this.changed.fire(vscode.Uri.parse(s));
        }, 250);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.open.delete(d.uri.toString())),
    );
  }

  register(): vscode.Disposable {
    return vscode.Disposable.from(
      vscode.workspace.registerTextDocumentContentProvider(RESULTS_SCHEME, this),
      vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, this),
      vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, this),
    );
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const q = decode(uri);
    if (uri.scheme === RESULTS_SCHEME) {
      const result = await execCli(this.env, ["results", q.runId ?? "", ...(q.node ? ["--node", q.node] : [])], token, q.root);
      if (result.code !== 0) return `// ${cliComplaint(result)}\n`;
      return result.stdout;
    }
    if (uri.scheme === PREVIEW_SCHEME) {
      const target = q.node ? `${q.target}:${q.node}` : q.target ?? "";
      const result = await execCli(this.env, ["preview", target, ...paramArgs(q.params ?? {})], token, q.root);
      return result.code === 0 ? result.stdout : `error: ${cliComplaint(result)}\n`;
    }
    const live = q.live !== undefined ? this.runs.all().find((r) => r.key === q.live) : q.runId ? this.runs.byRunId(q.runId) : undefined;
    if (live) {
      this.open.add(uri.toString());
      return `${live.log.join("\n")}\n`;
    }
    return q.runId ? this.storedLog(q.runId, q.root) : "no such run\n";
  }

  /** A finished run's log, rebuilt from run.json and the per-node log files. */
  private storedLog(runId: string, root?: string): string {
    const dir = this.store.storeDir(root);
    if (!dir) return `error: no store directory known for run ${runId}\n`;
    const read = readRunLog(dir, runId);
    if (!read.ok) return `error: ${read.problem}\n`;
    const record: RunRecord = read.log.run;
    const lines = [`RUN ${record.id} ${record.node ? `${record.target}:${record.node}` : record.target} ${record.status.toUpperCase()}`
      + ` ${formatDuration(record.durationMs) ?? ""}${record.interrupted ? " (interrupted)" : ""}`];
    const params = record.paramSets[0];
    if (params && Object.keys(params).length) lines.push(`params ${Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}`);
    lines.push(`started ${record.startedAt}${record.finishedAt ? `, finished ${record.finishedAt}` : ""}`, "");
    const variants = variantNames(record.paramSets);
    for (const node of record.nodes) {
      const tag = `[${variantLabel(node.id, node.variant, variants)}]`;
      const head = [tag, node.status.toUpperCase()];
      if (node.cached) head.push("(cached)");
      const d = formatDuration(node.durationMs);
      if (d) head.push(d);
      if (node.error) head.push(`error: ${node.error.split(/\r?\n/)[0]}`);
      lines.push(head.join(" "));
      for (const l of read.log.nodeLines(node)) lines.push(`${tag} ${l}`);
    }
    if (record.error) lines.push("", `error: ${record.error}`);
    return `${lines.join("\n")}\n`;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}
