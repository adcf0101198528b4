/**
 * How durations, ages and fractions read, the same in the CLI, the lenses, the views and the run
 * log: "1.2 s", "2 min 5 s", "3 min ago".
 */

/** "3 ms", "1.2 s", "42 s", "2 min 5 s", "1 h 3 min"; undefined for no (or a nonsensical) duration. */
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

/** "just now", "2 min ago", "3 h ago", "yesterday", "4 days ago" — from an ISO timestamp. */
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

/** 0.42 → "42%", clamped to 0–100. */
export function percent(fraction: number | undefined): string | undefined {
  if (fraction === undefined || !Number.isFinite(fraction)) return undefined;
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}

/** The first non-blank line of a message (an error's), cut to `max` characters with an ellipsis. */
export function firstLine(text: string | undefined, max = 200): string | undefined {
  if (!text) return undefined;
  const line = text.split(/\r?\n/).find((l) => l.trim()) ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
