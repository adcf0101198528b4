/**
 * A composition test workspace: flows/pipelines/ingest.ts (load → clean → score, save-report
 * returning a file(), inspect reading it), flows/pipelines/train.ts (fit) and
 * flows/nightly.flows.yaml mapping clean.rows (raw), save-report.report (file) and score.metrics.f1
 * (db) into train. Tasks append their node id to counter.log.
 */
import { makeWorkspace, type Workspace } from "./workspace.ts";

export const INGEST = `import * as fs from "node:fs";
import { file, task, workflow, type FlowFile } from "flowsmith";
import { z } from "zod";

const mark = (id: string) => fs.appendFileSync("counter.log", id + "\\n");

export const load = task(async ({ n }: { n: number }, ctx) => {
  mark(ctx.node);
  return { rows: Array.from({ length: n }, (_, i) => ({ v: i % 4 === 0 ? null : i })) };
});
export const clean = task(async ({ rows }: { rows: { v: number | null }[] }, ctx) => {
  mark(ctx.node);
  return { rows: rows.filter((r): r is { v: number } => r.v !== null) };
});
export const score = task(async ({ rows }: { rows: { v: number }[] }, ctx) => {
  mark(ctx.node);
  return { metrics: { f1: 0.75, count: rows.length, nested: [{ k: 7 }] } };
});
export const saveReport = task({ name: "save-report" }, async ({ rows }: { rows: { v: number }[] }, ctx) => {
  mark(ctx.node);
  fs.mkdirSync("out", { recursive: true });
  fs.writeFileSync("out/report.txt", "rows=" + rows.length + "\\n");
  return { report: file("out/report.txt") };
});
/** A downstream input of a file: a FlowFile with a readable path in the store. */
export const inspect = task(async ({ report }: { report: FlowFile }, ctx) => {
  mark(ctx.node);
  let writable = true;
  try { fs.accessSync(report.path, fs.constants.W_OK); } catch { writable = false; }
  return { name: report.name, size: report.size, text: fs.readFileSync(report.path, "utf8"), path: report.path,
           mode: (fs.statSync(report.path).mode & 0o777).toString(8), isFlowFile: report.constructor.name, writable };
});
export const ingest = workflow({ params: z.object({ n: z.number().int(), tag: z.string().default("x") }) }, ({ n }) => {
  const l = load({ n });
  const c = clean({ rows: l.rows });
  const s = score({ rows: c.rows });
  const r = saveReport({ rows: c.rows });
  const i = inspect({ report: r.report });
  return { rows: c.rows, metrics: s.metrics, report: r.report, inspected: i.text };
});
`;

export const TRAIN = `import * as fs from "node:fs";
import { task, workflow } from "flowsmith";
import { z } from "zod";

const mark = (id: string) => fs.appendFileSync("counter.log", id + "\\n");

export const fit = task(async ({ rows, epochs, report, best }: { rows: { v: number }[]; epochs: number; report: string; best: number }, ctx) => {
  mark(ctx.node);
  return { model: { epochs, n: rows.length, sum: rows.reduce((s, r) => s + r.v, 0), report, text: fs.readFileSync(report, "utf8"), best } };
});
export const train = workflow(
  { params: z.object({ rows: z.array(z.object({ v: z.number() })), epochs: z.number().int().default(2), report: z.string(), best: z.number() }) },
  ({ rows, epochs, report, best }) => ({ model: fit({ rows, epochs, report, best }).model }),
);
`;

// train is listed first: order in the file does not matter.
export const NIGHTLY = `name: nightly
composing_flows:
  - name: train
    flow: pipelines/train.ts#train
    parameters: { epochs: 3 }
    mapped_parameters:
      rows: { parent_flow_name: ingest, parent_task_name: clean, output: rows }
      report: { parent_flow_name: ingest, parent_task_name: save-report, output: report, map_type: file }
      best: { parent_flow_name: ingest, parent_task_name: score, output: metrics, map_type: db, attribute_index: [f1] }
  - name: ingest
    flow: pipelines/ingest.ts#ingest
    parameters: { n: 8 }
`;

export const TARGET = "flows/nightly.flows.yaml#nightly";

export function compositionWorkspace(t: { after(fn: () => void): void }): Workspace {
  const ws = makeWorkspace(t);
  ws.write("flows/pipelines/ingest.ts", INGEST);
  ws.write("flows/pipelines/train.ts", TRAIN);
  ws.write("flows/nightly.flows.yaml", NIGHTLY);
  return ws;
}

