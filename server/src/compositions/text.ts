/**
 * Offsets ↔ line/character for a composition's text, with the line starts computed once (a
 * fuzzed or pasted document may be megabytes; runtime's lineColumn walks from the start each time).
 */
import type { Position, Range } from "../analysis/model.js";
import type { Span } from "../../../runtime/src/composition/document.js";

export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  position(offset: number): Position {
    const at = Math.min(Math.max(offset, 0), this.text.length);
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: at - this.starts[lo]! };
  }

  offset(pos: Position): number {
    const line = Math.min(Math.max(pos.line, 0), this.starts.length - 1);
    const start = this.starts[line]!;
    const end = line + 1 < this.starts.length ? this.starts[line + 1]! - 1 : this.text.length;
    return Math.min(start + Math.max(pos.character, 0), end);
  }

  range(span: Span): Range {
    return { start: this.position(span.start), end: this.position(Math.max(span.end, span.start)) };
  }
}

/** Is `offset` inside `span` (its end included: a cursor right after a word)? */
export function inSpan(span: Span | undefined, offset: number): boolean {
  return !!span && offset >= span.start && offset <= span.end;
}
