/**
 * Real workspace shapes (issue 18, item 2), each built in a temp directory outside the repository
 * and checked end to end: the real language server over stdio (dist/server.js) and the built CLI
 * (runtime/dist/cli.js, spawned without a shell, cwd the workspace root). In every shape:
 *  - `flowsmith/flows` lists every workflow with its node ids, asked right after `initialized` and
 *    after the first scan;
 *  - a broken flow file gets its Flowsmith diagnostics (source "flowsmith", FS001/FS002/FS003);
 *  - `textDocument/codeLens` gives a Run lens on every exported workflow;
 *  - `flowsmith check` agrees (exit 1, the same codes on the same lines) and
 *    `flowsmith list --format json` lists the same workflows with the same nodes;
 *  - `flowsmith run TARGET` (target relative to the flows result's `root`) completes every node,
 *    its outputs are in the store (`flowsmith results`), and the editor then shows them complete.
 *
 * Shapes: an npm-workspaces monorepo with project references (two variants of the core package's
 * "types"), `paths` aliases (with and without baseUrl), flows in a subfolder with their own
 * tsconfig, a repository with thousands of non-flow files and a big node_modules, and a pnpm
 * layout (a hard-linked copy in node_modules/.pnpm, and a symlink).
 *
 * Needs `npm run build` (dist/server.js and runtime/dist/cli.js).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test, type TestContext } from "node:test";
import { CLI, REPO } from "../unit/helpers/workspace.ts";
import { LspClient, SERVER, type Diagnostic } from "./client.ts";

if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` before the tests`);

// ---------------------------------------------------------------------------------------------
// Building workspaces
// ---------------------------------------------------------------------------------------------

/** A workspace in a temp directory (its realpath, as editors report it). */
class Tree {
  readonly dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-shape-")));

  path(rel: string): string {
    return path.join(this.dir, rel);
  }

  write(rel: string, content: string | object): void {
    const file = this.path(rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof content === "string" ? content : `${JSON.stringify(content, null, 2)}\n`);
  }

  read(rel: string): string {
    return fs.readFileSync(this.path(rel), "utf8");
  }

  /** A symlink at `rel` whose target is written as given (relative to the link's folder, or absolute). */
  link(rel: string, target: string): void {
    const file = this.path(rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.symlinkSync(target, file, "dir");
  }

  /** The flowsmith package and zod as a hoisted npm install has them: symlinks in the root node_modules. */
  linkNpmPackages(): void {
    this.link("node_modules/flowsmith", path.join(REPO, "runtime"));
    this.link("node_modules/zod", path.join(REPO, "node_modules/zod"));
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const TS_BASE = { target: "ES2022", strict: true, skipLibCheck: true, noEmit: true, types: [] as string[] };
const NODENEXT = { ...TS_BASE, module: "NodeNext", moduleResolution: "NodeNext" };
const BUNDLER = { ...TS_BASE, module: "ESNext", moduleResolution: "Bundler" };

/** Three tasks; `label` gives a string, so passing it where numbers go is FS003. */
const TASKS = `import { task } from "flowsmith";

export const fetchRows = task(async ({ n }: { n: number }) => ({ rows: Array.from({ length: n }, (_, i) => i + 1) }));

export const sumRows = task(async ({ rows }: { rows: number[] }) => ({ sum: rows.reduce((a, b) => a + b, 0) }));

export const label = task(async ({ sum }: { sum: number }) => ({ text: \`sum=\${sum}\` }));
`;

/** A good workflow named `name`, its tasks imported from `from`: fetchRows → sumRows → label. */
const GOOD_FLOW = (name: string, from: string) => `import { workflow } from "flowsmith";
import { z } from "zod";
import { fetchRows, label, sumRows } from "${from}";

export const ${name} = workflow({ params: z.object({ n: z.number().int().default(4) }) }, ({ n }) => {
  const rows = fetchRows({ n });
  const total = sumRows({ rows: rows.rows });
  const text = label({ sum: total.sum });
  return { sum: total.sum, text: text.text };
});
`;
/** What GOOD_FLOW's workflow returns with its default params. */
const GOOD_OUTPUTS = { sum: 10, text: "sum=10" };
const GOOD_NODES = ["fetchRows", "sumRows", "label"];

/** A broken workflow: an unknown input and a missing one (FS001, FS002), a list where a number goes (FS003). */
const BROKEN_FLOW = (from: string) => `import { workflow } from "flowsmith";
import { fetchRows, label, sumRows } from "${from}";

export const broken = workflow(() => {
  const rows = fetchRows({ n: 3 });
  const total = sumRows({ rowz: rows.rows });
  const text = label({ sum: rows.rows });
  return { total: total.sum, text: text.text };
});
`;
const BROKEN_CODES = ["FS001", "FS002", "FS003"];

// ---------------------------------------------------------------------------------------------
// The CLI
// ---------------------------------------------------------------------------------------------

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The built CLI in `cwd`, without a shell. */
function cli(cwd: string, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const k of ["NODE_OPTIONS", "NODE_TEST_CONTEXT", "FLOWSMITH_STORE", "FLOWSMITH_DEBUG", "FLOWSMITH_TEST_CLI"]) delete env[k];
  const begin = Date.now();
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { cwd, env, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024 }, (_error, stdout, stderr) => {
      resolve({ code: child.exitCode, stdout: String(stdout), stderr: String(stderr), ms: Date.now() - begin });
    });
  });
}

function assertExit(res: CliResult, code: number, what: string): void {
  assert.equal(res.code, code, `${what}: expected exit ${code}, got ${res.code}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`);
}

// ---------------------------------------------------------------------------------------------
// One shape, checked end to end
// ---------------------------------------------------------------------------------------------

interface FlowsResult {
  root: string;
  store: string;
  flows: { target: string; uri: string; nodes: { id: string; status: string }[] }[];
}

interface Expected {
  /** Every workflow the workspace has (target relative to the root → its node ids, in order). */
  flows: Record<string, string[]>;
  /** A flow file with mistakes (relative to the root) and the Flowsmith codes it gets. */
  broken: { file: string; codes: string[] };
  /** Workflows to run, with the outputs they return. */
  runs: { target: string; outputs: unknown }[];
  /** What the server's "analysed N flow files" line says. */
  flowFiles?: number;
  /** More checks with the server still up. */
  also?: (client: LspClient, tree: Tree) => Promise<void>;
}

const byTarget = (result: FlowsResult): Record<string, string[]> =>
  Object.fromEntries(result.flows.map((f) => [f.target, f.nodes.map((n) => n.id)]).sort(([a], [b]) => String(a).localeCompare(String(b))));

const sorted = (o: Record<string, string[]>): Record<string, string[]> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

async function checkShape(t: TestContext, tree: Tree, expected: Expected): Promise<void> {
  const timings: string[] = [];
  const began = Date.now();
  // The CLI's check and list go on while the server starts and scans (they only read).
  const checking = cli(tree.dir, ["check", "--format", "json"]);
  const listing = cli(tree.dir, ["list", "--format", "json"]);
  const client = await LspClient.start(tree.dir);
  try {
    // The Flows view's first request, right after initialized (before the first scan).
    const first = await client.request<FlowsResult>("flowsmith/flows", {});
    timings.push(`first flows answer ${Date.now() - began} ms`);
    const scanLine = await client.waitFor(
      () => `the first scan's log line (logs: ${client.logs.join(" | ")}; stderr: ${client.stderr})`,
      () => client.logs.find((l) => /analysed \d+ flow files/.test(l)),
      90_000,
    );
    timings.push(`scan: "${scanLine}" (${Date.now() - began} ms after start)`);
    if (expected.flowFiles !== undefined) {
      assert.match(scanLine, new RegExp(`analysed ${expected.flowFiles} flow files`), "only flow files are analysed");
    }
    const flows = await client.request<FlowsResult>("flowsmith/flows", {});
    assert.equal(flows.root, tree.dir, "the server's workspace root");
    assert.deepEqual(byTarget(flows), sorted(expected.flows), "every workflow is listed with its nodes (after the scan)");
    assert.deepEqual(byTarget(first), sorted(expected.flows), "every workflow is listed with its nodes (asked before the scan)");

    // A Run lens on every exported workflow of every flow file.
    const files = [...new Set(Object.keys(expected.flows).map((target) => target.slice(0, target.indexOf("#"))))];
    for (const file of files) {
      const lenses = await client.request<{ command: { title: string; arguments: { target: string }[] } }[]>("textDocument/codeLens", {
        textDocument: { uri: client.uri(path.join(flows.root, file)) },
      });
      const runs = lenses.filter((l) => l.command.title === "$(play) Run").map((l) => l.command.arguments[0]?.target);
      const want = Object.keys(expected.flows).filter((target) => target.startsWith(`${file}#`));
      assert.deepEqual(runs.sort(), want.sort(), `Run lenses of ${file}: ${lenses.map((l) => l.command.title).join(" | ")}`);
    }

    // The broken flow's diagnostics, as the editor shows them.
    const brokenFile = tree.path(expected.broken.file);
    client.open(brokenFile, tree.read(expected.broken.file));
    const diagnostics: Diagnostic[] = await client.diagnosticsOf(brokenFile);
    const ours = diagnostics.filter((d) => d.source === "flowsmith");
    assert.deepEqual(ours.map((d) => d.code).sort(), [...expected.broken.codes].sort(), `diagnostics of ${expected.broken.file}: ${JSON.stringify(diagnostics)}`);
    assert.ok(diagnostics.every((d) => !/^FS/.test(String(d.code)) || d.source === "flowsmith"), "every FS code has source flowsmith");

    // The CLI agrees: check (exit 1, same codes on the same lines) and list.
    const [check, list] = await Promise.all([checking, listing]);
    timings.push(`flowsmith check ${check.ms} ms, flowsmith list ${list.ms} ms (side by side, while the server scanned)`);
    assertExit(check, 1, "flowsmith check");
    const problems = JSON.parse(check.stdout) as { file: string; line: number; severity: string; code: string }[];
    const errors = problems.filter((p) => p.severity === "error");
    assert.deepEqual([...new Set(errors.map((p) => p.file))], [expected.broken.file], `check: errors only in the broken file: ${check.stdout}`);
    const cliBroken = problems.filter((p) => p.file === expected.broken.file).map((p) => `${p.line}:${p.code}`).sort();
    const lspBroken = ours.map((d) => `${d.range.start.line + 1}:${d.code}`).sort();
    assert.deepEqual(cliBroken, lspBroken, "check and the editor give the same diagnostics");
    assertExit(list, 0, "flowsmith list");
    const listed = (JSON.parse(list.stdout) as { workflows: { target: string; nodeIds: string[] }[] }[]).flatMap((e) => e.workflows);
    assert.deepEqual(sorted(Object.fromEntries(listed.map((w) => [w.target, w.nodeIds]))), sorted(expected.flows), "list --format json lists the same workflows");

    // Run, from the root the server reports, with the target it gives.
    for (const want of expected.runs) {
      const wf = flows.flows.find((f) => f.target === want.target);
      assert.ok(wf, `${want.target} is listed`);
      const run = await cli(flows.root, ["run", want.target, "--events", "ndjson"]);
      timings.push(`flowsmith run ${want.target} ${run.ms} ms`);
      assertExit(run, 0, `flowsmith run ${want.target}`);
      const events = run.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; runId: string; node?: string; status?: string; nodes?: { id: string }[] });
      const started = events.find((e) => e.type === "run-started");
      assert.deepEqual(started?.nodes?.map((n) => n.id), wf.nodes.map((n) => n.id), "the engine runs the nodes the editor shows");
      const finished = Object.fromEntries(events.filter((e) => e.type === "node-finished").map((e) => [e.node, e.status]));
      assert.deepEqual(finished, Object.fromEntries(wf.nodes.map((n) => [n.id, "complete"])), "every node completes");
      assert.equal(events.find((e) => e.type === "run-finished")?.status, "complete");
      const results = await cli(flows.root, ["results", started!.runId]);
      assertExit(results, 0, "flowsmith results");
      assert.deepEqual(JSON.parse(results.stdout), want.outputs, "the workflow's outputs are in the store");
      // The editor sees the run: the workflow's nodes are complete (not stale, not pending).
      const deadline = Date.now() + 20_000;
      let statuses: Record<string, string> = {};
      for (;;) {
        const now = await client.request<FlowsResult>("flowsmith/flows", {});
        statuses = Object.fromEntries(now.flows.find((f) => f.target === want.target)!.nodes.map((n) => [n.id, n.status]));
        if (Object.values(statuses).every((s) => s === "complete") || Date.now() > deadline) break;
        const seen = client.statusNotifications.length;
        await client.waitFor("a status notification", () => client.statusNotifications.length > seen, Math.max(1, Math.min(1000, deadline - Date.now()))).catch(() => undefined);
      }
      assert.deepEqual(statuses, Object.fromEntries(wf.nodes.map((n) => [n.id, "complete"])), `the editor shows ${want.target} complete after the run`);
    }
    await expected.also?.(client, tree);
    timings.push(`shape checked in ${Date.now() - began} ms`);
  } finally {
    for (const line of timings) t.diagnostic(line);
    await client.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// 1. npm-workspaces monorepo with project references
// ---------------------------------------------------------------------------------------------

/**
 * packages/core (NodeNext ESM, composite; its package.json points at an unbuilt dist/), packages/
 * pipelines (flows importing `@mono/core`), packages/other (Bundler, a local task module and
 * `@mono/core` too); a solution tsconfig.json at the root; node_modules linked as npm links them.
 */
function monorepo(coreTypesAtSource: boolean): Tree {
  const tree = new Tree();
  tree.write("package.json", { name: "mono", private: true, workspaces: ["packages/*"] });
  tree.write("tsconfig.json", { files: [], references: [{ path: "packages/core" }, { path: "packages/pipelines" }, { path: "packages/other" }] });
  tree.linkNpmPackages();
  for (const name of ["core", "pipelines", "other"]) tree.link(`node_modules/@mono/${name}`, `../../packages/${name}`);

  // Each package's tsconfig extends a shared base (NodeNext), as most monorepos do; other/ overrides it with Bundler.
  const { noEmit: _noEmit, ...base } = NODENEXT;
  tree.write("tsconfig.base.json", { compilerOptions: { ...base, composite: true } });
  const composite = (options: object) => ({ extends: "../../tsconfig.base.json", compilerOptions: { ...options, rootDir: "src", outDir: "dist" } });
  tree.write("packages/core/package.json", {
    name: "@mono/core",
    version: "1.0.0",
    type: "module",
    ...(coreTypesAtSource
      ? { main: "./dist/index.js", types: "./src/index.ts" }
      : { types: "./dist/index.d.ts", exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } } }),
    dependencies: { flowsmith: "^0.1.0" },
  });
  tree.write("packages/core/tsconfig.json", { ...composite({}), include: ["src"] });
  tree.write("packages/core/src/index.ts", `export * from "./tasks.js";\n`);
  tree.write("packages/core/src/tasks.ts", TASKS);
  tree.write(
    "packages/core/src/selftest.ts",
    `import { workflow } from "flowsmith";
import { fetchRows } from "./tasks.js";

export const selftest = workflow(() => {
  const rows = fetchRows({ n: 2 });
  return { rows: rows.rows };
});
`,
  );

  tree.write("packages/pipelines/package.json", { name: "@mono/pipelines", version: "1.0.0", type: "module", dependencies: { "@mono/core": "*", flowsmith: "^0.1.0", zod: "^4.0.0" } });
  tree.write("packages/pipelines/tsconfig.json", { ...composite({}), include: ["src"], references: [{ path: "../core" }] });
  tree.write("packages/pipelines/src/daily.ts", GOOD_FLOW("daily", "@mono/core"));
  tree.write("packages/pipelines/src/broken.ts", BROKEN_FLOW("@mono/core"));

  tree.write("packages/other/package.json", { name: "@mono/other", version: "1.0.0", dependencies: { "@mono/core": "*", flowsmith: "^0.1.0" } });
  tree.write("packages/other/tsconfig.json", { ...composite({ module: "ESNext", moduleResolution: "Bundler" }), include: ["src"], references: [{ path: "../core" }] });
  tree.write(
    "packages/other/src/steps.ts",
    `import { task } from "flowsmith";

export const double = task(async ({ xs }: { xs: number[] }) => ({ xs: xs.map((x) => x * 2) }));
`,
  );
  tree.write(
    "packages/other/src/report.ts",
    `import { workflow } from "flowsmith";
import { fetchRows, sumRows } from "@mono/core";
import { double } from "./steps";

export const report = workflow(() => {
  const rows = fetchRows({ n: 3 });
  const doubled = double({ xs: rows.rows });
  const total = sumRows({ rows: doubled.xs });
  return { sum: total.sum };
});
`,
  );
  return tree;
}

const MONOREPO: Expected = {
  flows: {
    "packages/core/src/selftest.ts#selftest": ["fetchRows"],
    "packages/pipelines/src/daily.ts#daily": GOOD_NODES,
    "packages/pipelines/src/broken.ts#broken": GOOD_NODES,
    "packages/other/src/report.ts#report": ["fetchRows", "double", "sumRows"],
  },
  broken: { file: "packages/pipelines/src/broken.ts", codes: BROKEN_CODES },
  runs: [
    { target: "packages/pipelines/src/daily.ts#daily", outputs: GOOD_OUTPUTS },
    { target: "packages/other/src/report.ts#report", outputs: { sum: 12 } },
  ],
  // Editing a task in packages/core re-publishes the flow in packages/pipelines that uses it.
  also: async (client, tree) => {
    const daily = tree.path("packages/pipelines/src/daily.ts");
    const tasks = tree.path("packages/core/src/tasks.ts");
    client.open(daily, tree.read("packages/pipelines/src/daily.ts"));
    assert.deepEqual((await client.diagnosticsOf(daily)).filter((d) => d.severity === 1), [], "daily.ts has no errors");
    client.open(tasks, tree.read("packages/core/src/tasks.ts"));
    await client.diagnosticsOf(tasks);
    client.change(tasks, tree.read("packages/core/src/tasks.ts").replace("({ rows }: { rows: number[] }) => ({ sum: rows.reduce", "({ values }: { values: number[] }) => ({ sum: values.reduce"));
    const after = await client.waitFor(
      () => `daily.ts re-published after sumRows's input was renamed in packages/core (last: ${JSON.stringify(client.diagnostics.get(client.uri(daily)))})`,
      () => {
        const now = client.diagnostics.get(client.uri(daily));
        return now?.some((d) => d.severity === 1) ? now : undefined;
      },
    );
    assert.deepEqual(after.filter((d) => d.source === "flowsmith" && d.severity === 1).map((d) => d.code).sort(), ["FS001", "FS002"], JSON.stringify(after));
  },
};

test("npm-workspaces monorepo: project references, @mono/core's types at an unbuilt dist/", { timeout: 120_000 }, async (t) => {
  const tree = monorepo(false);
  t.after(() => tree.cleanup());
  await checkShape(t, tree, MONOREPO);
});

test("npm-workspaces monorepo: @mono/core's types at its sources (src/index.ts)", { timeout: 120_000 }, async (t) => {
  const tree = monorepo(true);
  t.after(() => tree.cleanup());
  await checkShape(t, tree, MONOREPO);
});

// ---------------------------------------------------------------------------------------------
// 2. `paths` aliases
// ---------------------------------------------------------------------------------------------

/** `@tasks/*` mapped to src/tasks/*: relative to the tsconfig (no baseUrl), or to a baseUrl (deprecated in TypeScript 6). */
function pathsAliases(withBaseUrl: boolean): Tree {
  const tree = new Tree();
  tree.write("package.json", { name: "aliases", private: true, type: "module" });
  tree.linkNpmPackages();
  tree.write("tsconfig.json", {
    compilerOptions: { ...BUNDLER, ...(withBaseUrl ? { baseUrl: "./src", paths: { "@tasks/*": ["tasks/*"] } } : { paths: { "@tasks/*": ["./src/tasks/*"] } }) },
    include: ["src"],
  });
  tree.write("src/tasks/clean.ts", TASKS);
  tree.write("src/flows/nightly.ts", GOOD_FLOW("nightly", "@tasks/clean"));
  tree.write("src/flows/broken.ts", BROKEN_FLOW("@tasks/clean"));
  return tree;
}

const PATHS: Expected = {
  flows: { "src/flows/nightly.ts#nightly": GOOD_NODES, "src/flows/broken.ts#broken": GOOD_NODES },
  broken: { file: "src/flows/broken.ts", codes: BROKEN_CODES },
  runs: [{ target: "src/flows/nightly.ts#nightly", outputs: GOOD_OUTPUTS }],
};

test("paths aliases: @tasks/* relative to the tsconfig (no baseUrl)", { timeout: 120_000 }, async (t) => {
  const tree = pathsAliases(false);
  t.after(() => tree.cleanup());
  await checkShape(t, tree, PATHS);
});

test("paths aliases: @tasks/* relative to a baseUrl", { timeout: 120_000 }, async (t) => {
  const tree = pathsAliases(true);
  t.after(() => tree.cleanup());
  await checkShape(t, tree, PATHS);
});

// ---------------------------------------------------------------------------------------------
// 3. Flows in a subfolder with their own tsconfig
// ---------------------------------------------------------------------------------------------

test("flows in a subfolder with their own NodeNext tsconfig and ESM package.json, under a Bundler root", { timeout: 120_000 }, async (t) => {
  const tree = new Tree();
  t.after(() => tree.cleanup());
  tree.write("package.json", { name: "app", private: true });
  tree.linkNpmPackages();
  tree.write("tsconfig.json", { compilerOptions: BUNDLER, include: ["src"] });
  tree.write("src/app.ts", `export const greeting = (name: string): string => \`hello \${name}\`;\n`);
  // A flow of the root project too, typed with its Bundler settings (an extensionless import).
  tree.write("src/jobs/steps.ts", TASKS);
  tree.write("src/jobs/quick.ts", GOOD_FLOW("quick", "./steps"));
  // The flows/ folder: its own NodeNext project, an ES module package (imports end in .js).
  tree.write("flows/package.json", { type: "module" });
  tree.write("flows/tsconfig.json", { compilerOptions: NODENEXT });
  tree.write("flows/tasks.ts", TASKS);
  tree.write("flows/etl.ts", GOOD_FLOW("etl", "./tasks.js"));
  tree.write("flows/broken.ts", BROKEN_FLOW("./tasks.js"));
  await checkShape(t, tree, {
    flows: { "src/jobs/quick.ts#quick": GOOD_NODES, "flows/etl.ts#etl": GOOD_NODES, "flows/broken.ts#broken": GOOD_NODES },
    broken: { file: "flows/broken.ts", codes: BROKEN_CODES },
    runs: [
      { target: "flows/etl.ts#etl", outputs: GOOD_OUTPUTS },
      { target: "src/jobs/quick.ts#quick", outputs: GOOD_OUTPUTS },
    ],
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Thousands of non-flow files and a big node_modules
// ---------------------------------------------------------------------------------------------

const LIB_FILES = 3000;
const PACKAGES = 2000;

test(`a big repository: ${LIB_FILES} non-flow modules, ${PACKAGES} packages in node_modules, 5 flow files`, { timeout: 120_000 }, async (t) => {
  const tree = new Tree();
  t.after(() => tree.cleanup());
  const generating = Date.now();
  tree.write("package.json", { name: "big", private: true, type: "module" });
  tree.linkNpmPackages();
  // No `types`: TypeScript takes in every @types package, as in a real repository.
  tree.write("tsconfig.json", { compilerOptions: { ...NODENEXT, types: undefined }, include: ["src", "flows"] });
  for (let i = 0; i < LIB_FILES; i++) {
    const dir = `src/lib/m${i % 30}/d${Math.floor(i / 300)}`;
    const next = i + 1 < LIB_FILES && (i + 1) % 10 !== 0 ? `import { value${i + 1} } from "../../m${(i + 1) % 30}/d${Math.floor((i + 1) / 300)}/f${i + 1}.js";\n` : "";
    tree.write(`${dir}/f${i}.ts`, `${next}import { pkg${i % PACKAGES} } from "pkg-${i % PACKAGES}";\nexport const value${i} = (x: number): number => x + ${i} + pkg${i % PACKAGES}.length;\nexport interface Shape${i} { id: number; name: string }\n`);
  }
  for (let i = 0; i < PACKAGES; i++) {
    tree.write(`node_modules/pkg-${i}/package.json`, { name: `pkg-${i}`, version: "1.0.0", main: "index.js", types: "index.d.ts" });
    tree.write(`node_modules/pkg-${i}/index.d.ts`, `export declare const pkg${i}: string;\nexport declare function helper${i}(x: number): number;\n`);
    tree.write(`node_modules/pkg-${i}/index.js`, `exports.pkg${i} = "pkg-${i}";\nexports.helper${i} = (x) => x + ${i};\n`);
    // Every tenth with global declarations in @types, which TypeScript takes in when `types` is not set.
    if (i % 10 === 0) {
      tree.write(`node_modules/@types/extra-${i}/package.json`, { name: `@types/extra-${i}`, version: "1.0.0", types: "index.d.ts" });
      tree.write(`node_modules/@types/extra-${i}/index.d.ts`, `declare const extra${i}: { name: string; size: number };\n`);
    }
  }
  // 5 flow files: tasks that use a library module, three workflows, a broken one.
  tree.write("flows/tasks.ts", TASKS.replace(`import { task } from "flowsmith";\n`, `import { task } from "flowsmith";\nimport { value0 } from "../src/lib/m0/d0/f0.js";\nexport const offset = value0(0);\n`));
  for (const name of ["alpha", "beta", "gamma"]) tree.write(`flows/${name}.ts`, GOOD_FLOW(name, "./tasks.js"));
  tree.write("flows/broken.ts", BROKEN_FLOW("./tasks.js"));
  t.diagnostic(`generated ${LIB_FILES} modules and ${PACKAGES} packages in ${Date.now() - generating} ms`);
  await checkShape(t, tree, {
    flows: { "flows/alpha.ts#alpha": GOOD_NODES, "flows/beta.ts#beta": GOOD_NODES, "flows/gamma.ts#gamma": GOOD_NODES, "flows/broken.ts#broken": GOOD_NODES },
    broken: { file: "flows/broken.ts", codes: BROKEN_CODES },
    runs: [{ target: "flows/beta.ts#beta", outputs: GOOD_OUTPUTS }],
    flowFiles: 5,
  });
});

// ---------------------------------------------------------------------------------------------
// 5. pnpm's node_modules layout
// ---------------------------------------------------------------------------------------------

/**
 * node_modules/.pnpm/NAME@VERSION/node_modules/NAME holds each package (pnpm hard-links it from its
 * store: a copy, here; or a symlink), with its dependencies linked next to it, and the project's
 * node_modules/NAME is a symlink into .pnpm.
 */
function pnpm(copy: boolean): Tree {
  const tree = new Tree();
  tree.write("package.json", { name: "pnpm-project", private: true, type: "module", dependencies: { flowsmith: "^0.1.0", zod: "^4.0.0" } });
  tree.write("tsconfig.json", { compilerOptions: NODENEXT });
  const zodVersion = (JSON.parse(fs.readFileSync(path.join(REPO, "node_modules/zod/package.json"), "utf8")) as { version: string }).version;
  const fsDir = "node_modules/.pnpm/flowsmith@0.1.0/node_modules/flowsmith";
  const zodDir = `node_modules/.pnpm/zod@${zodVersion}/node_modules/zod`;
  tree.link(zodDir, path.join(REPO, "node_modules/zod"));
  if (copy) {
    // What the package ships of its types: package.json and dist's declarations.
    const runtime = path.join(REPO, "runtime");
    tree.write(`${fsDir}/package.json`, fs.readFileSync(path.join(runtime, "package.json"), "utf8"));
    const copyDeclarations = (rel: string) => {
      for (const entry of fs.readdirSync(path.join(runtime, rel), { withFileTypes: true })) {
        const child = path.join(rel, entry.name);
        if (entry.isDirectory()) copyDeclarations(child);
        else if (entry.name.endsWith(".d.ts")) tree.write(`${fsDir}/${child}`, fs.readFileSync(path.join(runtime, child), "utf8"));
      }
    };
    copyDeclarations("dist");
  } else {
    tree.link(fsDir, path.join(REPO, "runtime"));
  }
  tree.link("node_modules/.pnpm/flowsmith@0.1.0/node_modules/zod", `../../zod@${zodVersion}/node_modules/zod`);
  tree.link("node_modules/flowsmith", ".pnpm/flowsmith@0.1.0/node_modules/flowsmith");
  tree.link("node_modules/zod", `.pnpm/zod@${zodVersion}/node_modules/zod`);
  tree.write("src/tasks.ts", TASKS);
  tree.write("src/flow.ts", GOOD_FLOW("pipeline", "./tasks.js"));
  tree.write("src/broken.ts", BROKEN_FLOW("./tasks.js"));
  return tree;
}

const PNPM: Expected = {
  flows: { "src/flow.ts#pipeline": GOOD_NODES, "src/broken.ts#broken": GOOD_NODES },
  broken: { file: "src/broken.ts", codes: BROKEN_CODES },
  runs: [{ target: "src/flow.ts#pipeline", outputs: GOOD_OUTPUTS }],
};

test("pnpm layout: flowsmith hard-linked (copied) into node_modules/.pnpm, symlinked from node_modules", { timeout: 120_000 }, async (t) => {
  const tree = pnpm(true);
  t.after(() => tree.cleanup());
  await checkShape(t, tree, PNPM);
});

test("pnpm layout: node_modules/.pnpm/flowsmith@0.1.0/node_modules/flowsmith a symlink to the package", { timeout: 120_000 }, async (t) => {
  const tree = pnpm(false);
  t.after(() => tree.cleanup());
  await checkShape(t, tree, PNPM);
});
