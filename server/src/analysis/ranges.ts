/** Offsets to zero-based line/character ranges, the way LSP counts (UTF-16 code units). */
import type { Node, SourceFile } from "ts-morph";
import type { Range } from "./model.js";

export function rangeOf(node: Node, sf: SourceFile = node.getSourceFile()): Range {
  return offsetsToRange(sf, node.getStart(), node.getEnd());
}

export function offsetsToRange(sf: SourceFile, start: number, end: number): Range {
  const a = sf.compilerNode.getLineAndCharacterOfPosition(start);
  const b = sf.compilerNode.getLineAndCharacterOfPosition(end);
  return { start: { line: a.line, character: a.character }, end: { line: b.line, character: b.character } };
}
