/**
 * The store at `.flowsmith/`, as the engine, the CLI and the language server use it: a thin facade
 * over its parts, each with one job —
 *   layout.ts    where everything lives (the only module naming paths in the store)
 *   objects.ts   outputs (and the format of 0.1.0), shardListing.ts the lookups of a cold run
 *   states.ts    node states, as journals per target
 *   runs.ts      run records and stop requests; runLog.ts a run's log for the editor
 *   registry.ts  the runs computing now, and temp files of dead ones swept
 *   locks.ts     locks per cache key between runs sharing the store
 *   writer.ts    a run's writer thread (writerWorker.ts); watch.ts status changes as they happen
 *   location.ts  which store a workspace uses
 */
import { StoreLayout, isRunId } from "./layout.js";
import { KeyLocks } from "./locks.js";
import { findWorkspaceRoot, resolveStoreDir } from "./location.js";
import { Outputs, type OutputMetaInput, type PreparedOutput } from "./objects.js";
import type { NodeState, OutputMeta, RunRecord } from "@flowsmith/contract";
import { RunRegistry } from "./registry.js";
import { readRunLog, type RunLogRead } from "./runLog.js";
import { RunRecords } from "./runs.js";
import { StateJournals } from "./states.js";
import { StoreWatcher, type StatusChange, type StoreWatcherOptions } from "./watch.js";
import type { StoreWriter } from "./writer.js";

export { isRunId, newRunId, shortHash } from "./layout.js";
export { findWorkspaceRoot, resolveStoreDir } from "./location.js";
export type { OutputMetaInput, PreparedOutput } from "./objects.js";
export type { RunLog, RunLogRead } from "./runLog.js";
export type { StatusChange, StoreWatcherOptions } from "./watch.js";
export { StoreWatcher } from "./watch.js";

export class Store {
  /** Problems met while reading (corrupt records); reported by the CLI, never thrown. */
  readonly problems: string[] = [];
  private readonly layout: StoreLayout;
  private readonly outputs: Outputs;
  private readonly runs: RunRecords;
  private readonly registry: RunRegistry;
  private readonly locks: KeyLocks;

  constructor(readonly dir: string) {
    this.layout = new StoreLayout(dir);
    const problem = (message: string) => this.problem(message);
    this.outputs = new Outputs(this.layout, problem);
    this.runs = new RunRecords(this.layout, problem);
    this.registry = new RunRegistry(this.layout);
    this.locks = new KeyLocks(this.layout);
  }

  /** The store a workspace uses: `explicit` (`--store`), FLOWSMITH_STORE or `.flowsmith/` in its root. */
  static forWorkspace(start: string, explicit?: string): Store {
    return new Store(resolveStoreDir(findWorkspaceRoot(start), explicit));
  }

  /** Caches that only save work (code fingerprints by flow file): anything in it may be deleted. */
  get cacheDir(): string {
    return this.layout.cacheDir;
  }

  // ---- outputs (objects.ts) ------------------------------------------------------------------

  /** Mark a store this version creates (before its first output). */
  markFormat(): void {
    this.outputs.markFormat();
  }

  /** A run alone in the store is about to look up `count` keys (see shardListing.ts). */
  expectLookups(count: number): void {
    this.outputs.listings.expect(count);
  }

  /** Another run shares the store: listings may go stale, look every key up. */
  stopListing(): void {
    this.outputs.listings.stop();
  }

  /** The meta of a complete output, or undefined when missing, partial or corrupt. */
  readMeta(key: string): OutputMeta | undefined {
    return this.outputs.readMeta(key);
  }

  /** readMeta, with a small output's data text (given back to readOutput, it saves a read). */
  readMetaWithData(key: string): { meta: OutputMeta; data?: string } | undefined {
    return this.outputs.readMetaWithData(key);
  }

  hasOutput(key: string): boolean {
    return this.outputs.hasOutput(key);
  }

  /** The output value, verified against its recorded hash (a corrupt one is discarded). */
  readOutput(key: string, read?: { meta: OutputMeta; data?: string }): { meta: OutputMeta; value: unknown } | undefined {
    return this.outputs.readOutput(key, read);
  }

  /** An output as it will be stored: its text, meta and the value as it reads back (no writes). */
  prepareOutput(key: string, value: unknown, meta: OutputMetaInput, root = "$"): PreparedOutput {
    return this.outputs.prepareOutput(key, value, meta, root);
  }

  /** Write an output durably through the run's writer; a crash before the rename leaves only a temp file. */
  commitOutput(output: PreparedOutput, writer: StoreWriter, then?: { journal: string; line: string }): Promise<void> {
    return this.outputs.commitOutput(output, writer, then);
  }

  /** prepareOutput + the same writes, synchronously (tools and tests). */
  writeOutput(key: string, value: unknown, meta: OutputMetaInput): OutputMeta {
    return this.outputs.writeOutput(key, value, meta);
  }

  deleteOutput(key: string): boolean {
    return this.outputs.deleteOutput(key);
  }

  /** Temp files of processes that are gone (a run killed mid-write), removed (registry.ts). */
  sweepTemp(): void {
    this.registry.sweepTemp();
  }

  // ---- node states (states.ts) ---------------------------------------------------------------

  private get journals(): StateJournals {
    return (this._journals ??= new StateJournals(this.layout.statesDir));
  }
  private _journals: StateJournals | undefined;

  /** The last state of every node of a target; unreadable entries are reported. */
  readTargetStates(target: string): Map<string, NodeState> {
    const { states, problems } = this.journals.read(target, this.layout.targetHash(target));
    for (const p of problems) this.problem(p);
    return states;
  }

  readNodeState(target: string, node: string): NodeState | undefined {
    return this.readTargetStates(target).get(node);
  }

  writeNodeStates(states: NodeState[]): void {
    const byTarget = new Map<string, NodeState[]>();
    for (const st of states) {
      const list = byTarget.get(st.target);
      if (list) list.push(st);
      else byTarget.set(st.target, [st]);
    }
    for (const [target, list] of byTarget) this.journals.write(this.layout.targetHash(target), list);
  }

  writeNodeState(state: NodeState): void {
    this.writeNodeStates([state]);
  }

  deleteNodeStates(target: string, nodes: string[]): void {
    this.journals.delete(this.layout.targetHash(target), nodes);
  }

  deleteNodeState(target: string, node: string): void {
    this.deleteNodeStates(target, [node]);
  }

  /** The journal a run appends its nodes' states of one target to. */
  stateJournalPath(target: string, runId: string): string {
    if (!isRunId(runId)) throw new Error(`invalid run id ${JSON.stringify(runId)}`);
    return this.journals.runJournalPath(this.layout.targetHash(target), runId);
  }

  /**
   * Fold a target's finished journals into one (`done`: the run that just ended, whose journal is
   * finished). `lazy`: only once they add up (see StateJournals.compact).
   */
  compactStates(target: string, done?: string, lazy = false): void {
    const live = new Set(this.liveRuns());
    if (done) live.delete(done);
    this.journals.compact(target, this.layout.targetHash(target), (runId) => live.has(runId), lazy);
  }

  /**
   * A watcher of this store's statuses: it reports which targets' statuses may have changed
   * (call start(), then dispose()). See watch.ts.
   */
  watcher(onChange: (change: StatusChange) => void, options?: StoreWatcherOptions): StoreWatcher {
    return new StoreWatcher(this.dir, onChange, options);
  }

  // ---- runs (runs.ts, runLog.ts) -------------------------------------------------------------

  runDir(runId: string): string {
    return this.layout.run(runId);
  }

  writeRun(run: RunRecord): void {
    this.runs.write(run);
  }

  readRun(runId: string): RunRecord | undefined {
    return this.runs.read(runId);
  }

  /** All runs, newest first. Corrupt records are reported and skipped. */
  listRuns(): RunRecord[] {
    return this.runs.list();
  }

  /** The directory of a run's node logs. */
  logDir(runId: string): string {
    return this.layout.runLogs(runId);
  }

  logPath(runId: string, fileName: string): string {
    return this.layout.runLog(runId, fileName);
  }

  /** A run's record with its nodes' log lines, or a one-line problem (runLog.ts). */
  readRunLog(runId: string): RunLogRead {
    return readRunLog(this.dir, runId);
  }

  /** Ask a run to stop: the runner polls for this file (and also gets SIGTERM when on this host). */
  requestStop(runId: string): void {
    this.runs.requestStop(runId);
  }

  stopRequested(runId: string): boolean {
    return this.runs.stopRequested(runId);
  }

  // ---- live runs and locks (registry.ts, locks.ts) -------------------------------------------

  /**
   * Say a run is computing in this store: other runs then take a lock per cache key. `sharing`: it
   * locks what it computes (again with true once it has started to).
   */
  registerRun(runId: string, sharing = false): void {
    this.markFormat();
    this.registry.register(runId, sharing);
  }

  /** Whether a run locks what it computes, or is gone (registry.ts). */
  runSharingOrGone(runId: string): boolean {
    return this.registry.sharingOrGone(runId);
  }

  unregisterRun(runId: string): void {
    this.registry.unregister(runId);
  }

  /** The other runs computing in this store now. */
  otherLiveRuns(runId: string): string[] {
    return this.liveRuns().filter((id) => id !== runId);
  }

  /** The runs computing in this store now. Registrations of dead processes are removed. */
  liveRuns(): string[] {
    return this.registry.live();
  }

  /** Take the lock for computing one cache key, so two runs never compute the same node at once. */
  tryLock(key: string, runId: string): boolean {
    return this.locks.tryLock(key, runId);
  }

  /** Remove locks of dead processes; whether a live process still holds one. */
  sweepLocks(): boolean {
    return this.locks.sweep();
  }

  unlock(key: string): void {
    this.locks.unlock(key);
  }

  // ---- deployments (layout.ts; written by deploy/artifacts.ts) -------------------------------

  /** A deployment's bundle (`js`) or manifest (`json`), by the sha256 of the bundle's text. */
  deploymentArtifact(hash: string, kind: "js" | "json"): string {
    return this.layout.deploymentArtifact(hash, kind);
  }

  // ---- reporting -----------------------------------------------------------------------------

  private problem(message: string): void {
    if (!this.problems.includes(message)) this.problems.push(message);
  }
}
