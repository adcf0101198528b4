/**
 * Where a cursor is in a composition's text, for completion: after which key's colon (a value being
 * written) or at a key being written under `parameters:`/`mapped_parameters:`, with the sibling
 * fields of the mapping and the composing flow it is in. Read from the lines, not the YAML tree: a
 * document being typed is often not YAML yet. Block and flow style (`{ a: b, c: | }`) both count.
 */
import type { Span } from "../../../runtime/src/composition/document.js";

/** The composing flow list item around the cursor. */
export interface FlowItem {
  name?: string;
  flow?: string;
}

export type CursorContext =
  | { kind: "value"; key: string; prefix: string; replace: Span; fields: Record<string, string>; item?: FlowItem; items: FlowItem[] }
  | { kind: "paramKey"; section: "parameters" | "mapped_parameters"; prefix: string; replace: Span; item?: FlowItem; items: FlowItem[] }
  /** A key of the composition, of a composing flow or of a mapped parameter; `present`: those written already. */
  | { kind: "key"; of: "composition" | "flow" | "mapping"; prefix: string; replace: Span; present: string[] };

const indentOf = (line: string): number => line.length - line.trimStart().length;
const blank = (line: string): boolean => /^\s*(#.*)?$/.test(line);
const unquote = (v: string): string => v.trim().replace(/\s+#.*$/, "").replace(/^(["'])(.*)\1$/, "$2").replace(/^["']/, "");

export function cursorContext(text: string, offset: number): CursorContext | undefined {
  const lines = text.split("\n");
  const starts: number[] = [];
  let at = 0;
  for (const l of lines) {
    starts.push(at);
    at += l.length + 1;
  }
  let li = 0;
  while (li + 1 < lines.length && starts[li + 1]! <= offset) li++;
  const line = lines[li]!;
  const col = Math.min(offset - starts[li]!, line.length);
  const before = line.slice(0, col);
  const after = line.slice(col);
  const items = flowItems(lines);
  const item = itemAt(lines, li, items);
  const tokenEnd = col + (/^[^\s,{}\]]*/.exec(after)?.[0].length ?? 0);
  // Flow style: the segment after the last `{` or `,`.
  const open = Math.max(before.lastIndexOf("{"), before.lastIndexOf(","));
  const segment = open >= 0 ? before.slice(open + 1) : before;
  const valueMatch = /^\s*(?:-\s+)?([\w.-]+):\s*(["']?)([^,{}]*)$/.exec(segment);
  if (valueMatch && (open >= 0 || /^\s*(?:-\s+)?[\w.-]+:/.test(before))) {
    const prefix = valueMatch[3]!;
    const start = col - prefix.length - valueMatch[2]!.length;
    return { kind: "value", key: valueMatch[1]!, prefix: unquote(prefix), replace: { start: starts[li]! + start, end: starts[li]! + tokenEnd }, fields: fieldsAround(lines, li), ...(item ? { item } : {}), items: items.map((x) => x.item) };
  }
  const keyMatch = /^(\s*(?:-\s+)?)([\w.-]*)$/.exec(segment);
  if (!keyMatch) return undefined;
  const prefix = keyMatch[2]!;
  const replace = { start: starts[li]! + col - prefix.length, end: starts[li]! + col + (/^[\w.-]*/.exec(after)?.[0].length ?? 0) };
  // `parameters: { so| }` on one line, or a key under a `parameters:` line.
  let section: string | undefined;
  /** The line holding the mapping the key is written in (the block parent), and its own parent's key. */
  let parentLine: string | undefined;
  let grandparent: string | undefined;
  const parentOf = (from: number, ind: number): number => {
    for (let k = from - 1; k >= 0; k--) if (!blank(lines[k]!) && indentOf(lines[k]!) < ind) return k;
    return -1;
  };
  const keyOf = (l: string | undefined) => (l === undefined ? undefined : /^\s*(?:-\s+)?([\w]+):\s*(#.*)?$/.exec(l)?.[1]);
  const dashed = /^\s*-\s/.test(line);
  if (open >= 0) {
    section = /([\w]+):\s*\{[^{}]*$/.exec(before)?.[1];
    const p = parentOf(li, indentOf(line) + 1);
    grandparent = p >= 0 ? keyOf(lines[p]) : undefined;
  } else {
    const p = parentOf(li, dashed ? indentOf(line) : indentOf(line));
    parentLine = p >= 0 ? lines[p] : undefined;
    section = keyOf(parentLine);
    const gp = p >= 0 ? parentOf(p, indentOf(lines[p]!)) : -1;
    grandparent = gp >= 0 ? keyOf(lines[gp]) : undefined;
  }
  const present = (fields: Record<string, string>) => [...new Set([...Object.keys(fields), ...keysAround(lines, li)])];
  if (section !== "parameters" && section !== "mapped_parameters") {
    if (open < 0 && indentOf(line) === 0 && !dashed) return { kind: "key", of: "composition", prefix, replace, present: lines.flatMap((l) => /^([\w]+):/.exec(l)?.[1] ?? []) };
    if (open < 0 && (dashed || (parentLine !== undefined && /^\s*-\s/.test(parentLine)) || section === "composing_flows")) {
      return { kind: "key", of: "flow", prefix, replace, present: present(fieldsAround(lines, li)) };
    }
    if (grandparent === "mapped_parameters") return { kind: "key", of: "mapping", prefix, replace, present: present(fieldsAround(lines, li)) };
    return undefined;
  }
  return { kind: "paramKey", section, prefix, replace, ...(item ? { item } : {}), items: items.map((x) => x.item) };
}

/** `key: value` pairs of the mapping the cursor line is in (same indentation, contiguous), and of its own line's `{ … }`. */
function fieldsAround(lines: string[], li: number): Record<string, string> {
  const out: Record<string, string> = {};
  const line = lines[li]!;
  const keyCol = /^(\s*(?:-\s+)?)/.exec(line)![1]!.length;
  const take = (l: string) => {
    const m = /^\s*(?:-\s+)?([\w.-]+):\s*(.*)$/.exec(l);
    if (m && m[2] && !m[2].startsWith("{")) out[m[1]!] ??= unquote(m[2]);
  };
  for (const m of line.matchAll(/([\w.-]+):\s*([^\s,{}]+)/g)) out[m[1]!] ??= unquote(m[2]!);
  for (const dir of [-1, 1]) {
    for (let k = li + dir; k >= 0 && k < lines.length; k += dir) {
      const l = lines[k]!;
      if (blank(l)) continue;
      const col = /^(\s*(?:-\s+)?)/.exec(l)![1]!.length;
      if (col < keyCol || (dir > 0 && /^\s*-\s/.test(l) && col <= keyCol)) break;
      if (col === keyCol) take(l);
      if (dir < 0 && /^\s*-\s/.test(l) && col === keyCol) break; // the list item's first line
    }
  }
  return out;
}

/** The keys written beside the cursor line's (same key column, up to the mapping's edges), whatever their values. */
function keysAround(lines: string[], li: number): string[] {
  const keyCol = /^(\s*(?:-\s+)?)/.exec(lines[li]!)![1]!.length;
  const out: string[] = [];
  for (const dir of [-1, 1]) {
    for (let k = li + dir; k >= 0 && k < lines.length; k += dir) {
      const l = lines[k]!;
      if (blank(l)) continue;
      const col = /^(\s*(?:-\s+)?)/.exec(l)![1]!.length;
      if (col < keyCol || (dir > 0 && /^\s*-\s/.test(l) && col <= keyCol)) break;
      const m = col === keyCol ? /^\s*(?:-\s+)?([\w.-]+):/.exec(l) : null;
      if (m) out.push(m[1]!);
      if (dir < 0 && /^\s*-\s/.test(l) && col === keyCol) break;
    }
  }
  return out;
}

/** The composing_flows list items: their line, dash column, name and flow. */
function flowItems(lines: string[]): { line: number; end: number; item: FlowItem }[] {
  const head = lines.findIndex((l) => /^composing_flows:\s*(#.*)?$/.test(l));
  if (head < 0) return [];
  const out: { line: number; end: number; item: FlowItem }[] = [];
  let dash = -1;
  for (let k = head + 1; k < lines.length; k++) {
    const l = lines[k]!;
    if (blank(l)) continue;
    const ind = indentOf(l);
    if (ind === 0 && !/^-\s/.test(l)) break; // the next top-level key
    if (/^\s*-(\s|$)/.test(l) && (dash < 0 || ind === dash)) {
      dash = ind;
      if (out.length) out[out.length - 1]!.end = k;
      out.push({ line: k, end: lines.length, item: {} });
    }
    const cur = out[out.length - 1];
    if (!cur) continue;
    const keyCol = dash + 2;
    const m = /^(\s*(?:-\s+)?)(name|flow):\s*(.+)$/.exec(l);
    if (m && m[1]!.length === keyCol && !/^\{/.test(m[3]!)) cur.item[m[2] as "name" | "flow"] ??= unquote(m[3]!);
    for (const f of l.matchAll(/[{,]\s*(name|flow):\s*([^\s,{}]+)/g)) cur.item[f[1] as "name" | "flow"] ??= unquote(f[2]!);
  }
  return out;
}

function itemAt(lines: string[], li: number, items: { line: number; end: number; item: FlowItem }[]): FlowItem | undefined {
  void lines;
  return items.find((x) => li >= x.line && li < x.end)?.item;
}
