/**
 * Flowsmith installed as a user installs it: `npm pack` of runtime/ (as built by `npm run build`),
 * installed from the tarball with zod and TypeScript into fresh projects outside this repository
 * (under the OS temp directory, no link to the repository's node_modules), then, in each project:
 * `npx flowsmith init`, `npx tsc --noEmit` against the package's declaration files, `npx flowsmith
 * check` (a good flow clean, a broken one exit 1), `npx flowsmith list`, `npx flowsmith run`.
 *
 * Projects: an ES module package ("type": "module") with the tsconfig init writes (NodeNext), and a
 * CommonJS package with its own tsconfig (module commonjs, moduleResolution node10), each with
 * TypeScript 5.x; the same two with the registry's latest TypeScript (7.x, the native port: it has
 * no node10, so the CommonJS one uses init's NodeNext tsconfig there).
 *
 * Needs the npm registry (installs use the user's npm cache, --prefer-offline).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The package directory packed; FLOWSMITH_TEST_RUNTIME points the test at another (e.g. to check that it catches a broken package). */
const RUNTIME = process.env.FLOWSMITH_TEST_RUNTIME ? path.resolve(process.env.FLOWSMITH_TEST_RUNTIME) : path.join(REPO, "runtime");
const INSTALL_TIMEOUT_MS = 150_000;
const COMMAND_TIMEOUT_MS = 60_000;

for (const built of ["dist/cli.js", "dist/index.js", "dist/analysis.js", "dist/index.d.ts"]) {
  if (!fs.existsSync(path.join(RUNTIME, built))) throw new Error(`${path.join(RUNTIME, built)} is missing: run \`npm run build\` before this test`);
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a user's shell: nothing of this repository's npm run or test runner. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === "INIT_CWD" || k.startsWith("NODE_TEST") || k.startsWith("FLOWSMITH_")) continue;
    if (k === "NODE_OPTIONS" || k === "NODE_PATH") continue;
    env[k] = v;
  }
  env.NO_COLOR = "1";
  return env;
}

function exec(cmd: string, args: string[], cwd: string, timeout = COMMAND_TIMEOUT_MS): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: userEnv(), timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (error && code === null ? `\n(${error.message})` : "") });
    });
  });
}

const show = (r: Result) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

function assertExit(r: Result, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: expected exit ${code}\n${show(r)}`);
}

/** `npx --no flowsmith ARGS`: the project's own flowsmith, never one fetched from the registry. */
const flowsmith = (cwd: string, ...args: string[]) => exec("npx", ["--no", "--", "flowsmith", ...args], cwd);
const tsc = (cwd: string, ...args: string[]) => exec("npx", ["--no", "--", "tsc", ...args], cwd);

let tmp: string;
let tarball: string;

before(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-pack-")));
  const packed = await exec("npm", ["pack", "--json", "--pack-destination", tmp], RUNTIME);
  assertExit(packed, 0, "npm pack");
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(tmp, info!.filename);
  const files = info!.files.map((f) => f.path).sort();
  for (const needed of ["package.json", "dist/cli.js", "dist/index.js", "dist/analysis.js", "dist/index.d.ts", "dist/sdk/task.d.ts", "dist/sdk/workflow.d.ts", "dist/sdk/types.d.ts"]) {
    assert.ok(files.includes(needed), `the tarball has no ${needed}: ${files.join(", ")}`);
  }
  const sources = files.filter((f) => f.startsWith("src/") || f.startsWith("out/") || (f.endsWith(".ts") && !f.endsWith(".d.ts")) || /test/.test(f));
  assert.deepEqual(sources, [], "the tarball ships sources or tests");
});

after(() => {
  if (tmp && !process.env.FLOWSMITH_KEEP_PACK_TEST) fs.rmSync(tmp, { recursive: true, force: true });
});

interface Project {
  name: string;
  esm: boolean;
  typescript: string;
  /** A tsconfig of the user's own, which init must keep. */
  tsconfig?: object;
  /** A .gitignore that exists before init (without a final newline). */
  gitignore?: string;
  devDependencies: string[];
}

const projects: Project[] = [
  { name: "esm-ts5", esm: true, typescript: "typescript@5", devDependencies: [] },
  {
    name: "cjs-ts5-node10",
    esm: false,
    typescript: "typescript@5",
    tsconfig: { compilerOptions: { target: "ES2022", module: "commonjs", moduleResolution: "node10", esModuleInterop: true, strict: true, noEmit: true } },
    gitignore: "node_modules/\ndist",
    devDependencies: [],
  },
  { name: "esm-latest", esm: true, typescript: "typescript@latest", devDependencies: ["@types/node@20"] },
  { name: "cjs-latest", esm: false, typescript: "typescript@latest", gitignore: "node_modules/\n.flowsmith/\n", devDependencies: [] },
];

/** A flow with a mapping mistake, importing the starter flow's tasks from the file next to it. */
const brokenFlow = (esm: boolean) => `import { workflow } from "flowsmith";
import { greet, shout } from "./hello${esm ? ".js" : ""}";

export const broken = workflow(() => {
  const g = greet({ name: "x" });
  const s = shout({ txt: g.greeting });
  return { loud: s.loud };
});
`;

describe("the packed flowsmith installed into fresh projects", { concurrency: 2 }, () => {
  for (const p of projects) {
    // Its steps in order (a suite's concurrency is inherited otherwise).
    describe(p.name, { concurrency: 1 }, () => {
      let dir: string;
      const file = (rel: string) => path.join(dir, rel);

      before(async () => {
        dir = path.join(tmp, p.name);
        fs.mkdirSync(dir);
        fs.writeFileSync(file("package.json"), `${JSON.stringify({ name: p.name, version: "1.0.0", private: true, ...(p.esm ? { type: "module" } : {}) }, null, 2)}\n`);
        if (p.tsconfig) fs.writeFileSync(file("tsconfig.json"), `${JSON.stringify(p.tsconfig, null, 2)}\n`);
        if (p.gitignore !== undefined) fs.writeFileSync(file(".gitignore"), p.gitignore);
        const flags = ["--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];
        const deps = await exec("npm", ["install", ...flags, tarball, "zod"], dir, INSTALL_TIMEOUT_MS);
        assertExit(deps, 0, "npm install TARBALL zod");
        const dev = await exec("npm", ["install", ...flags, "--save-dev", p.typescript, ...p.devDependencies], dir, INSTALL_TIMEOUT_MS);
        assertExit(dev, 0, `npm install --save-dev ${p.typescript}`);
      });

      test("flowsmith init writes a starter flow, a tsconfig when there is none and .flowsmith/ in .gitignore; a second init keeps them", async (t) => {
        const tsconfigBefore = p.tsconfig ? fs.readFileSync(file("tsconfig.json"), "utf8") : undefined;
        const first = await flowsmith(dir, "init");
        assertExit(first, 0, "flowsmith init");
        assert.match(first.stdout, /created flows\/hello\.ts/);
        assert.match(first.stdout, /npx flowsmith run flows\/hello\.ts#hello/);
        assert.doesNotMatch(first.stdout, /not installed/, "zod and flowsmith are installed");
        assert.ok(fs.existsSync(file("flows/hello.ts")));
        if (p.tsconfig) {
          assert.match(first.stdout, /kept tsconfig\.json/);
          assert.equal(fs.readFileSync(file("tsconfig.json"), "utf8"), tsconfigBefore);
        } else {
          assert.match(first.stdout, /created tsconfig\.json/);
          const options = JSON.parse(fs.readFileSync(file("tsconfig.json"), "utf8")).compilerOptions;
          assert.equal(options.module, "NodeNext");
          assert.equal(options.moduleResolution, "NodeNext");
          assert.deepEqual(options.types, p.devDependencies.some((d) => d.startsWith("@types/node")) ? ["node"] : undefined);
        }
        const ignoreLines = fs.readFileSync(file(".gitignore"), "utf8").split("\n");
        assert.equal(ignoreLines.filter((l) => l === ".flowsmith/").length, 1, ignoreLines.join("\n"));
        if (p.gitignore) assert.ok(ignoreLines.includes("dist") || ignoreLines.includes("node_modules/"), "what .gitignore held is kept");

        const snapshot = () => ["flows/hello.ts", "tsconfig.json", ".gitignore"].map((f) => fs.readFileSync(file(f), "utf8"));
        const before = snapshot();
        const second = await flowsmith(dir, "init");
        assertExit(second, 0, "flowsmith init (again)");
        assert.match(second.stdout, /kept flows\/hello\.ts/);
        assert.match(second.stdout, /kept tsconfig\.json/);
        assert.match(second.stdout, /kept \.gitignore/);
        assert.deepEqual(snapshot(), before, "a second init changes nothing");
        t.diagnostic(first.stdout.split("\n").slice(0, 3).join(" | "));
      });

      test("tsc type-checks the starter flow against the package's declaration files", async (t) => {
        const version = JSON.parse(fs.readFileSync(file("node_modules/typescript/package.json"), "utf8")).version as string;
        t.diagnostic(`TypeScript ${version}`);
        if (p.typescript === "typescript@5") assert.match(version, /^5\./);
        const v = await tsc(dir, "-v");
        assertExit(v, 0, "tsc -v");
        assert.match(v.stdout, new RegExp(`Version ${version.replace(/\./g, "\\.")}`));
        const checked = await tsc(dir, "--noEmit", "--listFiles");
        assertExit(checked, 0, "tsc --noEmit");
        const listed = checked.stdout.split(/\r?\n/).map((l) => l.trim().replace(/\\/g, "/"));
        assert.ok(listed.some((f) => f.endsWith("node_modules/flowsmith/dist/index.d.ts")), `flowsmith's types are dist/index.d.ts:\n${checked.stdout}`);
        assert.ok(!listed.some((f) => /node_modules\/flowsmith\/(?!dist\/)/.test(f) || (/node_modules\/flowsmith\//.test(f) && !f.endsWith(".d.ts"))), "no flowsmith sources are type-checked");
      });

      test("flowsmith check and list: a mapping mistake is reported with exit 1 (tsc agrees), the starter flow is clean", async () => {
        fs.writeFileSync(file("flows/broken.ts"), brokenFlow(p.esm));
        try {
          const broken = await flowsmith(dir, "check", ".");
          assertExit(broken, 1, "flowsmith check . (with flows/broken.ts)");
          assert.match(broken.stdout, /flows\/broken\.ts:6:\d+ error FS001 task shout has no input "txt" \(did you mean "text"\?\)/);
          assert.doesNotMatch(broken.stdout, /flows\/hello\.ts:\d+/, "the starter flow has no problem");
          const listed = await flowsmith(dir, "list", ".");
          assertExit(listed, 0, "flowsmith list . (with flows/broken.ts)");
          assert.match(listed.stdout, /workflow\s+flows\/broken\.ts#broken\s+\(line \d+, 2 nodes\)/);
          assert.match(listed.stdout, /workflow\s+flows\/hello\.ts#hello\s+\(line \d+, 2 nodes\)/);
          assert.match(listed.stdout, /task\s+greet\b/);
          assert.match(listed.stdout, /task\s+shout\b/);
          const typed = await tsc(dir, "--noEmit");
          assert.notEqual(typed.code, 0, `tsc --noEmit (with flows/broken.ts) must fail\n${show(typed)}`);
          assert.match(typed.stdout, /flows\/broken\.ts\(6,\d+\): error TS2561:.*'txt'/);
        } finally {
          fs.rmSync(file("flows/broken.ts"));
        }
        const clean = await flowsmith(dir, "check", ".");
        assertExit(clean, 0, "flowsmith check . (the starter flow alone)");
        assert.match(clean.stdout, /no problems in 1 flow file/);
      });

      test("flowsmith run runs the starter flow, and nothing on a second run; its outputs are the tasks'", async () => {
        const run = await flowsmith(dir, "run", "flows/hello.ts#hello", "--param", "name=Ada");
        assertExit(run, 0, "flowsmith run flows/hello.ts#hello");
        const id = /^run (\S+) · flows\/hello\.ts#hello/m.exec(run.stdout)?.[1];
        assert.ok(id, `a run id first:\n${run.stdout}`);
        assert.match(run.stdout, /\[greet\] COMPLETE/);
        assert.match(run.stdout, /\[shout\] shouting 11 characters/);
        assert.match(run.stdout, new RegExp(`run ${id} COMPLETE`));
        assert.ok(fs.existsSync(file(".flowsmith")), "the store is in the project");
        const results = await flowsmith(dir, "results", id!);
        assertExit(results, 0, "flowsmith results");
        assert.match(results.stdout, /"loud": "HELLO, ADA!"/);
        const again = await flowsmith(dir, "run", "flows/hello.ts#hello", "--param", "name=Ada");
        assertExit(again, 0, "flowsmith run (again)");
        assert.doesNotMatch(again.stdout, /\] started/, "nothing runs: every node is complete");
      });

      test("the package loads in Node as the project imports it", async () => {
        const code = p.esm
          ? `import { task, workflow } from "flowsmith"; import * as fs from "flowsmith"; console.log(typeof task, typeof workflow, Object.keys(fs).sort().join());`
          : `const { task, workflow } = require("flowsmith"); console.log(typeof task, typeof workflow, Object.keys(require("flowsmith")).sort().join());`;
        const r = await exec(process.execPath, [p.esm ? "--input-type=module" : "--input-type=commonjs", "-e", code], dir);
        assertExit(r, 0, "node -e (import flowsmith)");
        assert.match(r.stdout, /^function function /);
        assert.ok(/\btask\b/.test(r.stdout) && /\bworkflow\b/.test(r.stdout), r.stdout);
      });
    });
  }
});
