/**
 * Which settings a flow file is typed with (runtime/src/analysis/tsconfig.ts, as the analysis uses it): a tsconfig that
 * cannot be read is reported on every flow file it governs (never a silent "no problems"), and
 * mending it takes effect when the server hears of the change; a flow folder with its own
 * tsconfig is typed by that one, not the root's; a solution config's references are followed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FlowAnalysis } from "../../server/src/analysis/index.ts";
import { makeWorkspace } from "./helpers/workspace.ts";

const FLOW = `import { task, workflow } from "flowsmith";
export const a = task(async ({ n }: { n: number }) => ({ s: "x" }));
export const b = task(async ({ m }: { m: number }) => ({ t: m }));
export const w = workflow(() => {
  const x = a({ n: 1 });
  const y = b({ m: x.s });
  return { t: y.t };
});
`;

test("a tsconfig that cannot be read: a warning on its flow files, gone once it is mended", (t) => {
  const ws = makeWorkspace(t);
  ws.write("tsconfig.json", `{ "compilerOptions": { "module": "NodeNext", `);
  ws.write("src/flow.ts", FLOW);
  const analysis = new FlowAnalysis(ws.dir);
  const file = ws.path("src/flow.ts");
  const first = analysis.diagnostics(file);
  const warning = first.find((d) => d.code === "FS000");
  assert.equal(warning?.severity, "warning");
  assert.match(warning!.message, /tsconfig\.json could not be read .*default settings/);
  assert.ok(first.some((d) => d.code === "FS003"), "the flow is still analysed");
  ws.write("tsconfig.json", `{ "compilerOptions": { "module": "NodeNext", "strict": true } }`);
  analysis.fileChanged(ws.path("tsconfig.json"));
  const after = analysis.diagnostics(file);
  assert.deepEqual(after.map((d) => d.code), ["FS003"]);
});

test("a flow folder with its own tsconfig is typed by it; a solution config's references are followed", (t) => {
  const ws = makeWorkspace(t);
  // The root is a solution config; its reference has strict off, so `undefined` fits `number` there.
  ws.write("tsconfig.json", JSON.stringify({ files: [], references: [{ path: "./app" }] }));
  ws.write("app/tsconfig.json", JSON.stringify({ compilerOptions: { strict: false, module: "ESNext", moduleResolution: "Bundler", composite: true }, include: ["**/*.ts"] }));
  ws.write("flows/tsconfig.json", JSON.stringify({ compilerOptions: { strict: true, module: "ESNext", moduleResolution: "Bundler" } }));
  const flow = `import { task, workflow } from "flowsmith";
export const a = task(async ({ n }: { n: number }) => ({ v: n > 1 ? n : undefined }));
export const b = task(async ({ m }: { m: number }) => ({ t: m }));
export const w = workflow(() => {
  const x = a({ n: 1 });
  const y = b({ m: x.v });
  return { t: y.t };
});
`;
  ws.write("app/flow.ts", flow);
  ws.write("flows/flow.ts", flow);
  const analysis = new FlowAnalysis(ws.dir);
  assert.equal(analysis.project.configOf(ws.path("app/flow.ts")).file, ws.path("app/tsconfig.json"), "found through the solution's references");
  assert.equal(analysis.project.configOf(ws.path("flows/flow.ts")).file, ws.path("flows/tsconfig.json"));
  const strict = analysis.diagnostics(ws.path("flows/flow.ts")).map((d) => d.code);
  const loose = analysis.diagnostics(ws.path("app/flow.ts")).map((d) => d.code);
  assert.ok(strict.includes("FS003"), `strict: number | undefined does not fit number (${strict.join(", ")})`);
  assert.ok(!loose.includes("FS003"), `strict off: TypeScript itself accepts it (${loose.join(", ")})`);
});
