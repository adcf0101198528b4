/** Pure text helpers shared by the views, the status bar and the run log (no vscode import). */
import * as path from "node:path";

/** "3 ms", "1.2 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(ms: number | undefined): string | undefined {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return undefined;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) {
    const s = totalSeconds % 60;
    return `${Math.floor(totalSeconds / 60)} min${s ? ` ${s} s` : ""}`;
  }
  const minutes = Math.floor(totalSeconds / 60);
  const m = minutes % 60;
  return `${Math.floor(minutes / 60)} h${m ? ` ${m} min` : ""}`;
}

/** "just now", "2 min ago", "3 h ago", "4 days ago" — from an ISO timestamp. */
export function formatAge(iso: string | undefined, now = Date.now()): string | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return "just now";
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  return d === 1 ? "yesterday" : `${d} days ago`;
}

/** "3 ms · 2 min ago" (either part may be missing). */
export function timingDescription(durationMs: number | undefined, finishedAt: string | undefined, now = Date.now()): string {
  return [formatDuration(durationMs), formatAge(finishedAt, now)].filter(Boolean).join(" · ");
}

/** `pipeline/flow.ts#pipeline` → `pipeline`; `a.ts#wf:node` → `wf:node`. */
export function targetLabel(target: string): string {
  const hash = target.lastIndexOf("#");
  return hash >= 0 ? target.slice(hash + 1) : target;
}

/** `pipeline/flow.ts#pipeline` → `pipeline/flow.ts`. */
export function targetFile(target: string): string {
  const hash = target.lastIndexOf("#");
  return hash >= 0 ? target.slice(0, hash) : target;
}

/**
 * Whether a target's flow file lies in one of `folders` (`root`: what the target is relative to).
 * Without a root or folders to compare with, everything counts as inside.
 */
export function inFolders(target: string, root: string | undefined, folders: readonly string[]): boolean {
  if (!root || !folders.length) return true;
  const file = path.resolve(root, targetFile(target));
  return folders.some((f) => {
    const rel = path.relative(f, file);
    return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
  });
}

export function percent(fraction: number | undefined): string | undefined {
  if (fraction === undefined || !Number.isFinite(fraction)) return undefined;
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}

export function firstLine(text: string | undefined, max = 200): string | undefined {
  if (!text) return undefined;
  const line = text.split(/\r?\n/).find((l) => l.trim()) ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
