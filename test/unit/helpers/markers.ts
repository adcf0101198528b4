/**
 * Inline range and cursor markers for analysis and language-server tests, in the style of
 * vuejs/language-tools: write the source with markers, get back the clean text and the marked
 * ranges as zero-based LSP positions (line / UTF-16 character).
 *
 *   clean({ [|rowz|]: data.rows })            one expected range
 *   clean([|FS002:{ [|FS001:rowz|]: 1 }|])    labelled and nested ranges
 *   [|@in:rows|]: [|@out:data.rows|]          free labels start with @
 *   train({ rows: cle/*|*\/aned.rows })       a cursor (for hovers)
 *
 * A range opens with `[|` and closes with the next unmatched `|]` (ranges nest). A label is an
 * `FSnnn:` diagnostic code or an `@name:` word right after `[|`; anything else is source text, so
 * `[|rows: 1|]` marks `rows: 1` unlabelled. The cursor marker is `/*|*\/` (a bare `|` would clash with
 * `||` and union types); `parseMarkers(src, { bareCursor: true })` also accepts a lone `|`.
 */

import type { Position, Range } from "@flowsmith/contract";

export type { Position, Range };

export interface MarkedRange {
  /** `FS001` for `[|FS001:…|]`, `in` for `[|@in:…|]`, undefined when unlabelled. */
  label?: string;
  range: Range;
  /** Offsets in the clean text. */
  start: number;
  end: number;
  /** The clean text the range covers. */
  text: string;
}

export interface Marked {
  /** The source with every marker removed. */
  text: string;
  /** Ranges in the order their `[|` appears. */
  ranges: MarkedRange[];
  /** Cursor positions in order. */
  cursors: Position[];
  /** Cursor offsets in the clean text. */
  cursorOffsets: number[];
  /** The ranges with a label (the first one when a label repeats is at index 0). */
  labelled(label: string): MarkedRange[];
  /** The one range with this label (throws when there is none or several). */
  only(label: string): MarkedRange;
}

export interface MarkerOptions {
  /** Treat a lone `|` (not part of `||`, `[|` or `|]`) as a cursor too. */
  bareCursor?: boolean;
}

const LABEL = /^(FS\d{3}|@[A-Za-z_][\w.-]*):/;
const CURSOR = "/*|*/";

export function parseMarkers(source: string, options: MarkerOptions = {}): Marked {
  let text = "";
  const ranges: (Omit<MarkedRange, "range" | "text"> & { end: number })[] = [];
  const open: number[] = []; // indexes into `ranges`
  const cursorOffsets: number[] = [];
  let i = 0;
  while (i < source.length) {
    if (source.startsWith("[|", i)) {
      i += 2;
      const m = LABEL.exec(source.slice(i, i + 64));
      let label: string | undefined;
      if (m) {
        label = m[1]!.startsWith("@") ? m[1]!.slice(1) : m[1]!;
        i += m[0].length;
      }
      open.push(ranges.length);
      ranges.push({ ...(label ? { label } : {}), start: text.length, end: -1 });
      continue;
    }
    if (source.startsWith("|]", i) && open.length > 0) {
      ranges[open.pop()!]!.end = text.length;
      i += 2;
      continue;
    }
    if (source.startsWith(CURSOR, i)) {
      cursorOffsets.push(text.length);
      i += CURSOR.length;
      continue;
    }
    if (options.bareCursor && source[i] === "|" && source[i - 1] !== "|" && source[i + 1] !== "|") {
      cursorOffsets.push(text.length);
      i += 1;
      continue;
    }
    text += source[i];
    i += 1;
  }
  if (open.length > 0) {
    const r = ranges[open[open.length - 1]!]!;
    throw new Error(`marker [|${r.label ? `${r.label}:` : ""} at offset ${r.start} is never closed with |]`);
  }
  const lineStarts = lineStartsOf(text);
  const done: MarkedRange[] = ranges.map((r) => ({
    ...(r.label ? { label: r.label } : {}),
    start: r.start,
    end: r.end,
    text: text.slice(r.start, r.end),
    range: { start: positionAt(lineStarts, r.start), end: positionAt(lineStarts, r.end) },
  }));
  return {
    text,
    ranges: done,
    cursors: cursorOffsets.map((o) => positionAt(lineStarts, o)),
    cursorOffsets,
    labelled: (label) => done.filter((r) => r.label === label),
    only(label) {
      const found = done.filter((r) => r.label === label);
      if (found.length !== 1) throw new Error(`expected exactly one range labelled ${label}, found ${found.length}`);
      return found[0]!;
    },
  };
}

/** Offsets where lines start, breaking on \r\n, \n and \r like LSP. */
export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (c === 10 /* \n */) {
      starts.push(i + 1);
    }
  }
  return starts;
}

export function positionAt(lineStarts: number[], offset: number): Position {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - lineStarts[lo]! };
}

/** `3:14-3:18`, for readable assertion messages. */
export function formatRange(r: Range): string {
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

/** A diagnostic-like thing reduced to what range tests compare: `FS001@3:14-3:18`. */
export function codeAt(d: { code?: string | number; range: Range }): string {
  return `${String(d.code)}@${formatRange(d.range)}`;
}

/** What the labelled ranges of a marked source expect, in the same form, sorted. */
export function expectedCodes(marked: Marked, code?: string): string[] {
  return marked.ranges
    .filter((r) => r.label && /^FS\d{3}$/.test(r.label) && (code === undefined || r.label === code))
    .map((r) => `${r.label}@${formatRange(r.range)}`)
    .sort();
}
