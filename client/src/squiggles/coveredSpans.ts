/**
 * The spans of a flow file that Flowsmith's diagnostics cover, as the TypeScript server plugin
 * reads them (plain offsets and a fingerprint of the text), and how they follow an edit until the
 * language server publishes again. No vscode import: tested on its own.
 */
import { COVERED_TS_CODES, fingerprint, type CoveredFile, type CoveredSpan } from "flowsmith-ts-plugin/covered";

/** A Flowsmith diagnostic measured in a document's text. */
export interface FlowProblem {
  /** The diagnostic's code as sent ("FS001", or "FS001 …"). */
  code: string;
  start: number;
  end: number;
}

/** One edit, in offsets of the text before it (VS Code's rangeOffset, rangeLength and text). */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** The FS code a diagnostic's code starts with, when it is one the plugin maps. */
export function coveredCode(code: string): string | undefined {
  const fs = /^FS\d{3}/.exec(code.trim())?.[0];
  return fs && fs in COVERED_TS_CODES ? fs : undefined;
}

/** What the plugin gets for a file, or nothing when no Flowsmith diagnostic maps to TypeScript's. */
export function coveredFile(text: string, problems: readonly FlowProblem[]): CoveredFile | undefined {
  const spans: CoveredSpan[] = [];
  for (const p of problems) {
    const code = coveredCode(p.code);
    if (code && p.start >= 0 && p.end >= p.start && p.end <= text.length) spans.push({ start: p.start, end: p.end, code });
  }
  return spans.length ? { fingerprint: fingerprint(text), spans } : undefined;
}

/**
 * The spans after `edits` (applied in the order given, each in offsets of the text it applies to)
 * made `newText`: spans before or after an edit move with it; a span an edit touches is dropped
 * (its Flowsmith diagnostic may no longer hold). Undefined when nothing is left.
 */
export function afterEdits(file: CoveredFile, edits: readonly TextEdit[], newText: string): CoveredFile | undefined {
  let spans = file.spans;
  for (const e of edits) {
    const delta = e.text.length - (e.end - e.start);
    spans = spans.flatMap((s) => {
      if (s.end < e.start) return [s];
      if (s.start > e.end) return [{ ...s, start: s.start + delta, end: s.end + delta }];
      return [];
    });
  }
  return spans.length ? { fingerprint: fingerprint(newText), spans } : undefined;
}
