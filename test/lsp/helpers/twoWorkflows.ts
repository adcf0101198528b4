/**
 * The workspace rename, find references and inlay hints are tested on: a NodeNext ESM package
 * (`"type": "module"`, imports with `.js`) whose tasks live in tasks.ts and are used by workflows
 * in two other files — daily.ts (the task get-data called twice) and jobs/weekly.ts (an aliased
 * node, a sub-flow with a `name` option, and a workflow calling it).
 */
import { makeWorkspace, type Workspace } from "../../unit/helpers/workspace.ts";

export const TASKS = `import { task } from "flowsmith";

export interface Row {
  x: number;
  y: number;
}

export const getData = task({ name: "get-data", description: "Rows" }, async ({ count }: { count: number }) => ({
  rows: Array.from({ length: count }, (_, i): Row => ({ x: i, y: 2 * i })),
}));

export const clean = task(async ({ rows }: { rows: Row[] }) => ({ rows: rows.filter((r) => r.x >= 0) }));

export const total = task({ name: "total" }, async ({ rows }: { rows: Row[] }) => ({ sum: rows.length }));

export const unused = task({ name: "unused" }, async ({ n }: { n: number }) => ({ n }));
`;

export const DAILY = `import { workflow } from "flowsmith";
import { z } from "zod";
import { clean, getData } from "./tasks.js";

export const daily = workflow({ params: z.object({ count: z.number().int().default(3) }) }, ({ count }) => {
  const data = getData({ count });
  const more = getData({ count: 2 });
  const cleaned = clean({ rows: data.rows });
  return { rows: cleaned.rows, more: more.rows };
});
`;

export const WEEKLY = `import { workflow } from "flowsmith";
import { clean, getData, total } from "../tasks.js";

export const prep = workflow({ name: "prep" }, () => {
  const d = getData({ count: 4 });
  return { rows: d.rows };
});

export const weekly = workflow(() => {
  const data = getData({ count: 7 });
  const t = total({ rows: data.rows }, { as: "sum-up" });
  const p = prep();
  const c = clean({ rows: p.rows });
  return { sum: t.sum, rows: c.rows };
});
`;

export function twoWorkflows(): Workspace {
  const ws = makeWorkspace();
  ws.write("package.json", `${JSON.stringify({ name: "ws", private: true, type: "module" })}\n`);
  ws.write("tsconfig.json", `${JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, noEmit: true } })}\n`);
  ws.write("tasks.ts", TASKS);
  ws.write("daily.ts", DAILY);
  ws.write("jobs/weekly.ts", WEEKLY);
  return ws;
}

/** Line and character of the `nth` (0-based) occurrence of `needle` in `text`, plus `offset` characters. */
export function positionOf(text: string, needle: string, offset = 0, nth = 0): { line: number; character: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" (#${nth}) not in the text`);
  }
  const before = text.slice(0, at + offset).split("\n");
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

type Range = { start: { line: number; character: number }; end: { line: number; character: number } };

/** The text a range covers. */
export function textAt(text: string, range: Range): string {
  const lines = text.split("\n");
  const offset = (p: Range["start"]) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(offset(range.start), offset(range.end));
}

/** Apply LSP text edits (non-overlapping) to a text. */
export function applyEdits(text: string, edits: { range: Range; newText: string }[]): string {
  const lines = text.split("\n");
  const offset = (p: Range["start"]) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}
