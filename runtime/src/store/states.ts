/**
 * Node states: the last thing that happened to each node of a workflow target, for the editor,
 * `preview` and `stop`. Kept per target in `state/<hash of target>/` as journals — files of JSON
 * lines, each `{"at": ms, "state": {…}}` or a tombstone `{"at": ms, "node": id, "deleted": true}`;
 * the entry with the latest `at` wins. A run appends to its own journal (`<run id>.jsonl`, through
 * its store writer), so a 10,000-node run appends lines instead of creating 10,000 files; other writers (stop,
 * reset) add a small journal written whole (temp file + rename). When a run ends it folds the
 * finished journals of its target into one. A torn last line (a crash mid-append) is skipped.
 * Per-node files of stores made before 0.1.1 (`<hash of node>.json`) are still read, as oldest.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureDir, readText, writeFileAtomic } from "./files.js";
import type { NodeState } from "@flowsmith/contract";

const NODE_STATUSES = new Set<unknown>(["pending", "complete", "stale", "running", "failed", "stopped", "skipped"]);
const KEY = /^[0-9a-f]{16,64}$/;
const LEGACY = /^[0-9a-f]{16}\.json$/;
const RUN_JOURNAL = /^(\d{8}-\d{6}-[0-9a-f]{6})\.jsonl$/;
const JOURNAL = /\.jsonl$/;

/** A run folds its target's journals once there are this many, or fewer making this many bytes. */
const LAZY_FOLD_JOURNALS = 8;
const LAZY_FOLD_BYTES = 1 << 20;

type Entry = { at: number; state: NodeState } | { at: number; node: string; deleted: true };

/** A wall-clock time in ms with sub-millisecond precision, so entries of one process stay ordered. */
function stamp(): number {
  return performance.timeOrigin + performance.now();
}

interface StateRead {
  states: Map<string, NodeState>;
  problems: string[];
}

export class StateJournals {
  constructor(private readonly root: string) {}

  dirOf(targetHash: string): string {
    if (!/^[0-9a-f]{16}$/.test(targetHash)) throw new Error(`invalid target hash ${targetHash}`);
    return path.join(this.root, targetHash);
  }

  /** Every node's latest state, with what could not be read (reported, never thrown). */
  read(target: string, targetHash: string): StateRead {
    const { entries, problems } = this.entries(target, targetHash);
    const states = new Map<string, NodeState>();
    for (const [node, e] of entries) if ("state" in e) states.set(node, e.state);
    return { states, problems };
  }

  /** The journal one run appends its nodes' states of this target to (see writer.ts). */
  runJournalPath(targetHash: string, runId: string): string {
    return path.join(this.dirOf(targetHash), `${runId}.jsonl`);
  }

  /** States written by one-off commands (stop's repairs): a small journal, written whole. */
  write(targetHash: string, states: NodeState[]): void {
    if (states.length) this.writeJournal(targetHash, states.map((state) => line({ at: stamp(), state })));
  }

  /** Forget nodes' states (reset): tombstones newer than anything written before. */
  delete(targetHash: string, nodes: string[]): void {
    if (nodes.length) this.writeJournal(targetHash, nodes.map((node) => line({ at: stamp(), node, deleted: true })));
  }

  /**
   * Fold the journals of a target that nobody appends to any more into one, then delete them.
   * `live` tells whether a run journal may still be appended to (its run is going on). Safe with
   * readers and other compactions at once: the folded journal is in place before anything is
   * deleted, and replaying an entry twice changes nothing. `lazy` (the end of a run) folds only
   * once journals add up (LAZY_FOLD_*): folding reads and rewrites every state of the target,
   * which on a big workflow costs more than readers save by it after one small run.
   */
  compact(target: string, targetHash: string, live: (runId: string) => boolean, lazy = false): void {
    const dir = this.dirOf(targetHash);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    // Counted before anything is read: folding reads and rewrites every state of the target.
    const foldable = names.filter((name) => {
      const run = RUN_JOURNAL.exec(name)?.[1];
      return run ? !live(run) : JOURNAL.test(name) || LEGACY.test(name);
    });
    if (foldable.length < 2) return;
    if (lazy && foldable.length < LAZY_FOLD_JOURNALS) {
      let bytes = 0;
      for (const name of foldable) bytes += fs.statSync(path.join(dir, name), { throwIfNoEntry: false })?.size ?? 0;
      if (bytes < LAZY_FOLD_BYTES) return;
    }
    const folded: string[] = [];
    let skippedLive = false;
    const merged = new Map<string, Entry>();
    for (const name of names) {
      const run = RUN_JOURNAL.exec(name)?.[1];
      if (run && live(run)) {
        skippedLive = true;
        continue;
      }
      if (!JOURNAL.test(name) && !LEGACY.test(name)) continue;
      const read = this.readFile(dir, name, target);
      if (!read) continue;
      folded.push(name);
      for (const e of read.entries) keepLatest(merged, e);
    }
    if (folded.length < 2) return;
    // Tombstones can go once nothing older that they hide is left unfolded.
    const lines = [...merged.values()].filter((e) => skippedLive || !("deleted" in e)).map(line);
    if (lines.length) this.writeJournal(targetHash, lines);
    for (const name of folded) fs.rmSync(path.join(dir, name), { force: true });
  }

  private writeJournal(targetHash: string, lines: string[]): void {
    const dir = this.dirOf(targetHash);
    ensureDir(dir);
    const name = `x-${Math.floor(stamp())}-${process.pid}-${(journalCounter++).toString(36)}.jsonl`;
    writeFileAtomic(path.join(dir, name), lines.join(""), false);
  }

  private entries(target: string, targetHash: string): { entries: Map<string, Entry>; problems: string[] } {
    const dir = this.dirOf(targetHash);
    const entries = new Map<string, Entry>();
    const problems: string[] = [];
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return { entries, problems };
    }
    for (const name of names) {
      if (!JOURNAL.test(name) && !LEGACY.test(name)) continue; // temp files being written
      const read = this.readFile(dir, name, target);
      if (!read) continue;
      problems.push(...read.problems);
      for (const e of read.entries) keepLatest(entries, e);
    }
    return { entries, problems };
  }

  /** One journal or legacy file's valid entries for `target`; undefined when it is gone. */
  private readFile(dir: string, name: string, target: string): { entries: Entry[]; problems: string[] } | undefined {
    let text: string;
    try {
      text = readText(path.join(dir, name));
    } catch {
      return undefined; // folded and deleted since the listing
    }
    const entries: Entry[] = [];
    const problems: string[] = [];
    if (LEGACY.test(name)) {
      const state = parse(text);
      if (isState(state, target)) entries.push({ at: 0, state });
      else problems.push(`state file ${name} of ${target} is malformed; treated as missing`);
      return { entries, problems };
    }
    const lines = text.split("\n");
    let bad = 0;
    const badNodes = new Set<string>();
    for (const [i, raw] of lines.entries()) {
      if (!raw) continue;
      const e = parse(raw) as Partial<{ at: number; state: unknown; node: unknown; deleted: unknown }> | undefined;
      const ok = e && typeof e === "object" && typeof e.at === "number" && Number.isFinite(e.at);
      if (ok && isState(e.state, target)) entries.push({ at: e.at!, state: e.state });
      else if (ok && e.deleted === true && typeof e.node === "string") entries.push({ at: e.at!, node: e.node, deleted: true });
      else if (i < lines.length - 1) {
        // (A torn last line, without its newline, is a crash mid-append: expected, not a problem.)
        bad++;
        const node = (e as { state?: { node?: unknown } } | undefined)?.state?.node;
        if (typeof node === "string") badNodes.add(node);
      }
    }
    if (bad) {
      const which = badNodes.size ? ` (the state of ${[...badNodes].join(", ")})` : "";
      problems.push(`state journal ${name} of ${target}: ${bad} malformed line${bad === 1 ? "" : "s"}${which} skipped; treated as missing`);
    }
    return { entries, problems };
  }
}

let journalCounter = 0;

function keepLatest(into: Map<string, Entry>, e: Entry): void {
  const node = "state" in e ? e.state.node : e.node;
  const had = into.get(node);
  if (!had || had.at <= e.at) into.set(node, e);
}

function line(e: Entry): string {
  return `${JSON.stringify(e)}\n`;
}

/** A journal line recording a node's state, stamped now. */
export function stateLine(state: NodeState): string {
  return line({ at: stamp(), state });
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isState(st: unknown, target: string): st is NodeState {
  if (typeof st !== "object" || st === null || Array.isArray(st)) return false;
  const s = st as Record<string, unknown>;
  return (
    typeof s.node === "string" &&
    s.target === target &&
    NODE_STATUSES.has(s.status) &&
    typeof s.fingerprint === "string" &&
    (s.cacheKey === undefined || KEY.test(String(s.cacheKey)))
  );
}
