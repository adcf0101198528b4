/** Offsets to zero-based line/character ranges, the way LSP counts (UTF-16 code units). */
import type { ts } from "@ts-morph/common";
import type { Range } from "./model.js";

export function rangeOf(node: ts.Node, sf: ts.SourceFile = node.getSourceFile()): Range {
  return offsetsToRange(sf, node.getStart(sf), node.getEnd());
}

export function offsetsToRange(sf: ts.SourceFile, start: number, end: number): Range {
  const a = sf.getLineAndCharacterOfPosition(start);
  const b = sf.getLineAndCharacterOfPosition(end);
  return { start: { line: a.line, character: a.character }, end: { line: b.line, character: b.character } };
}
