/**
 * Text from flow files and the store (node ids, targets, run ids) goes into Markdown tooltips:
 * escape it, so an alias like `![x](https://…)` stays text and never fetches or links anything.
 */

/** Escape Markdown (and theme-icon `$(…)`) syntax in plain text. */
export function mdText(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>$~&]/g, "\\$&");
}

/** A code span that holds any text: the fence is longer than the longest backtick run inside. */
export function mdCode(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}
