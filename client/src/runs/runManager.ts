/**
 * Runs started from the editor: one `flowsmith run TARGET --events ndjson` child process each. The
 * NDJSON events keep a LiveRun up to date, which the Runs view, the Flows view, the graph, the status
 * bar and the progress notification all read. Stopping goes through `flowsmith stop RUN_ID`, so the
 * engine marks the running nodes stopped and writes its record like any other stop.
 */
import type { ChildProcess } from "node:child_process";
import * as vscode from "vscode";
import { NdjsonSplitter } from "../util/ndjson";
import { execCli, spawnCli, cliComplaint, type CliEnv } from "./cli";
import { isRunEvent, type RunEvent, type RunStatus } from "@flowsmith/contract";
import { applyRunEvent, finishRun, newLiveRun, type LiveRun, type RunRequest } from "./liveRun";
import { paramArgs } from "./params";
import { formatRunEvent, formatStderr, clock } from "./runLogFormat";
import { concurrency } from "../config";

export type { LiveNode, LiveRun, LiveRunStatus, RunRequest } from "./liveRun";

export class RunManager implements vscode.Disposable {
  private readonly runs: LiveRun[] = [];
  private readonly children = new Map<number, ChildProcess>();
  private nextKey = 1;
  private readonly changed = new vscode.EventEmitter<LiveRun>();
  /** Fires on every event of every run (throttle in listeners that render). */
  readonly onDidChange = this.changed.event;
  private readonly finished = new vscode.EventEmitter<LiveRun>();
  readonly onDidFinish = this.finished.event;

  constructor(private readonly env: CliEnv, private readonly output: vscode.OutputChannel) {}

  /** Runs of this session, newest first (finished ones too, the last 20). */
  all(): readonly LiveRun[] {
    return this.runs;
  }

  active(): LiveRun[] {
    return this.runs.filter((r) => r.status === "starting" || r.status === "running");
  }

  byRunId(runId: string): LiveRun | undefined {
    return this.runs.find((r) => r.runId === runId);
  }

  start(request: RunRequest): LiveRun {
    const args = ["run", request.node ? `${request.target}:${request.node}` : request.target, "--events", "ndjson",
      "--concurrency", String(concurrency()), ...paramArgs(request.params ?? {})];
    if (request.force === "node") args.push("--force");
    if (request.force === "all") args.push("--force-all");
    if (request.checked) args.push("--no-check");
    if (request.cluster) args.push("--cluster", request.cluster);

    let settle!: (run: LiveRun) => void;
    const done = new Promise<LiveRun>((r) => (settle = r));
    const run = newLiveRun(this.nextKey++, request, done);
    this.runs.unshift(run);
    this.runs.splice(20);
    this.write(run, [`${clock()} flowsmith ${args.join(" ")}`]);

    let child: ChildProcess;
    try {
      child = spawnCli(this.env, args, request.root);
    } catch (e) {
      this.finish(run, "failed", e instanceof Error ? e.message : String(e));
      settle(run);
      return run;
    }
    this.children.set(run.key, child);
    let stderr = "";
    const events = new NdjsonSplitter(
      (value) => { if (isRunEvent(value)) this.apply(run, value); },
      (text) => this.write(run, [`${clock()} ${text}`]),
    );
    const errors = new NdjsonSplitter(() => {}, (line) => {
      stderr += `${line}\n`;
      this.write(run, [formatStderr(line)]);
    });
    child.stdout?.on("data", (d: Buffer) => events.push(d));
    child.stderr?.on("data", (d: Buffer) => errors.push(d));
    child.on("error", (e) => {
      this.children.delete(run.key);
      this.finish(run, "failed", `Could not start the flowsmith CLI: ${e.message}`);
      settle(run);
    });
    child.on("close", (code) => {
      events.end();
      errors.end();
      this.children.delete(run.key);
      run.exitCode = code;
      if (run.status === "starting" || run.status === "running") {
        // No run-finished event: bad input (exit 2), a crash, or a kill.
        const complaint = stderr.trim() ? cliComplaint({ code, stdout: "", stderr }) : `the CLI exited with code ${code}`;
        this.finish(run, run.stopRequested ? "stopped" : "failed", complaint);
      }
      settle(run);
    });
    this.changed.fire(run);
    return run;
  }

  /** Stops a run through `flowsmith stop`; a run that has not printed its id yet is killed. */
  /** `root`: where a run not started here lives, when it is not the first folder. */
  async stop(runIdOrRun: string | LiveRun, root?: string): Promise<void> {
    const run = typeof runIdOrRun === "string" ? this.byRunId(runIdOrRun) : runIdOrRun;
    const runId = typeof runIdOrRun === "string" ? runIdOrRun : runIdOrRun.runId;
    if (run) run.stopRequested = true;
    if (!runId) {
      if (run) this.children.get(run.key)?.kill();
      return;
    }
    const result = await execCli(this.env, ["stop", runId], undefined, run?.request.root ?? root);
    if (result.code !== 0) {
      const child = run && this.children.get(run.key);
      if (child) child.kill(); // the stop command failed but we own the process: end it anyway
      else throw new Error(cliComplaint(result));
    }
  }

  private apply(run: LiveRun, event: RunEvent): void {
    this.write(run, formatRunEvent(event, new Date(), run.variants));
    const shown = applyRunEvent(run, event);
    if (event.type === "run-finished") this.finish(run, event.status);
    else if (shown) this.changed.fire(run);
  }

  private finish(run: LiveRun, status: RunStatus, error?: string): void {
    if (!finishRun(run, status, error)) return;
    if (error && !run.log.some((l) => l.includes(error))) this.write(run, [formatStderr(error)]);
    this.changed.fire(run);
    this.finished.fire(run);
  }

  private write(run: LiveRun, lines: string[]): void {
    for (const line of lines) {
      run.log.push(line);
      this.output.appendLine(line);
    }
  }

  dispose(): void {
    // Runs go on when the window closes (they are independent processes with their own records).
    this.changed.dispose();
    this.finished.dispose();
  }
}
