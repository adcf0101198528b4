/**
 * A composition file's text, parsed (runtime/src/composition/document.ts) with a line index: kept
 * per file until its text changes, so diagnostics, completion, hover and lenses on one text parse
 * it once.
 */
import { parseCompositionFile, type CompositionFile } from "../../../runtime/src/composition/document.js";
import { LineIndex } from "./text.js";

export interface ParsedComposition {
  file: string;
  text: string;
  parsed: CompositionFile;
  lines: LineIndex;
}

/** Larger documents are not analysed (one clear diagnostic says so). */
export const MAX_COMPOSITION_CHARS = 2 * 1048576;

const cache = new Map<string, ParsedComposition>();
const KEEP = 200;

export function parseComposition(file: string, text: string): ParsedComposition {
  const kept = cache.get(file);
  if (kept && kept.text === text) return kept;
  const parsed: CompositionFile =
    text.length > MAX_COMPOSITION_CHARS
      ? { text, compositions: [], problems: [{ code: "FS013", message: `this file is ${(text.length / 1048576).toFixed(1)} MB; Flowsmith reads compositions up to ${MAX_COMPOSITION_CHARS / 1048576} MB`, span: { start: 0, end: 0 } }] }
      : parseCompositionFile(text);
  const result = { file, text, parsed, lines: new LineIndex(text) };
  cache.delete(file);
  cache.set(file, result);
  if (cache.size > KEEP) cache.delete(cache.keys().next().value!);
  return result;
}
