/**
 * A composition's errors in the CLI: one line at the offending key, as a compiler prints them
 * (`nightly.flows.yaml:12:7: FS011 composing flow "ingest" has no node "clen" (did you mean "clean"?)`),
 * exit 2. The positions are document.ts's spans.
 */
import { FlowsmithError } from "../util/errors.js";
import { lineColumn, type Span } from "./document.js";

/** Where a span starts, as `FILE:LINE:COLUMN` (1-based). */
export function where(shown: string, text: string, span: Span): string {
  const { line, character } = lineColumn(text, span.start);
  return `${shown}:${line + 1}:${character + 1}`;
}

export class CompositionText {
  constructor(
    /** The file as the user wrote it. */
    readonly shown: string,
    readonly text: string,
  ) {}

  /** The one-line error at `span`: `FILE:L:C: CODE message`. */
  error(span: Span, code: string, message: string): FlowsmithError {
    return new FlowsmithError(`${where(this.shown, this.text, span)}: ${code} ${message}`);
  }
}
