/**
 * `flowsmith init [DIR]` with the built CLI (runtime/dist/cli.js), no install: what it writes in an
 * empty directory, what it keeps, .gitignore appended once, and bad input — one line, exit 2,
 * nothing written. (packed-install.test.ts runs it in installed projects and runs what it wrote.)
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = process.env.FLOWSMITH_TEST_CLI ? path.resolve(process.env.FLOWSMITH_TEST_CLI) : path.join(REPO, "runtime/dist/cli.js");
if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before the tests`);

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function init(cwd: string, ...args: string[]): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, "init", ...args], { cwd, env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-init-")));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under dir, relative, sorted. */
function tree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => f.split(path.sep).join("/")).sort();
}

describe("flowsmith init", () => {
  test("in an empty directory: a starter flow, a NodeNext tsconfig, .gitignore, and what to install", async (t) => {
    const dir = tempDir(t);
    const r = await init(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.deepEqual(tree(dir), [".gitignore", "flows", "flows/hello.ts", "tsconfig.json"]);
    const flow = fs.readFileSync(path.join(dir, "flows/hello.ts"), "utf8");
    assert.match(flow, /import \{ task, workflow \} from "flowsmith";/);
    assert.match(flow, /export const hello = workflow\(\s*\{ params: z\.object\(/);
    assert.equal((flow.match(/= task\(/g) ?? []).length, 2);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "tsconfig.json"), "utf8")).compilerOptions, {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    });
    assert.equal(fs.readFileSync(path.join(dir, ".gitignore"), "utf8"), ".flowsmith/\n");
    assert.match(r.stdout, /^created flows\/hello\.ts/m);
    assert.match(r.stdout, /^created tsconfig\.json: module NodeNext, files are CommonJS/m);
    assert.match(r.stdout, /no package\.json in this directory: run npm init -y/);
    assert.match(r.stdout, /flowsmith and zod are not installed here: npm install flowsmith zod/);
    assert.match(r.stdout, /^ {2}npx flowsmith run flows\/hello\.ts#hello\b/m);
  });

  test("keeps what exists: tsconfig.json, the flow file, a .gitignore that ignores the store; appends to one that does not, once", async (t) => {
    const dir = tempDir(t);
    const sub = path.join(dir, "project");
    fs.mkdirSync(path.join(sub, "flows"), { recursive: true });
    fs.writeFileSync(path.join(sub, "package.json"), '{ "name": "p", "type": "module" }\n');
    fs.writeFileSync(path.join(sub, "tsconfig.json"), "// mine\n{}\n");
    fs.writeFileSync(path.join(sub, "flows/hello.ts"), "export const mine = 1;\n");
    fs.writeFileSync(path.join(sub, ".gitignore"), "node_modules\ndist");
    const r = await init(dir, "project");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^kept project\/flows\/hello\.ts \(it exists\)/m);
    assert.match(r.stdout, /^kept project\/tsconfig\.json/m);
    assert.match(r.stdout, /^added \.flowsmith\/ to project\/\.gitignore/m);
    assert.match(r.stdout, /^ {2}cd project$/m);
    assert.doesNotMatch(r.stdout, /flows\/hello\.ts#hello/, "no run command for a flow file init did not write");
    assert.equal(fs.readFileSync(path.join(sub, "tsconfig.json"), "utf8"), "// mine\n{}\n");
    assert.equal(fs.readFileSync(path.join(sub, "flows/hello.ts"), "utf8"), "export const mine = 1;\n");
    assert.equal(fs.readFileSync(path.join(sub, ".gitignore"), "utf8"), "node_modules\ndist\n.flowsmith/\n");
    const again = await init(sub);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /kept .*\.gitignore \(it already ignores \.flowsmith\/\)/);
    assert.equal(fs.readFileSync(path.join(sub, ".gitignore"), "utf8"), "node_modules\ndist\n.flowsmith/\n");

    const other = path.join(dir, "other");
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, "package.json"), '{ "type": "module" }\n');
    fs.writeFileSync(path.join(other, ".gitignore"), "/.flowsmith\n");
    const o = await init(other);
    assert.equal(o.code, 0, o.stderr);
    assert.match(o.stdout, /created tsconfig\.json: module NodeNext, an ES module package/);
    assert.equal(fs.readFileSync(path.join(other, ".gitignore"), "utf8"), "/.flowsmith\n");
  });

  test("bad input: one line on stderr, exit 2, nothing written", async (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, "a-file"), "");
    fs.mkdirSync(path.join(dir, "badpkg"));
    fs.writeFileSync(path.join(dir, "badpkg/package.json"), "{ not json");
    fs.mkdirSync(path.join(dir, "arraypkg"));
    fs.writeFileSync(path.join(dir, "arraypkg/package.json"), "[]");
    fs.mkdirSync(path.join(dir, "flowsfile"));
    fs.writeFileSync(path.join(dir, "flowsfile/flows"), "");
    const before = tree(dir);
    const cases: [string[], RegExp][] = [
      [["nope"], /no such directory: nope/],
      [["a-file"], /a-file is not a directory/],
      [["badpkg"], /badpkg\/package\.json is not valid JSON/],
      [["arraypkg"], /arraypkg\/package\.json is not a JSON object/],
      [["flowsfile"], /flowsfile\/flows is a file, not a directory/],
      [["a", "b"], /too many arguments/],
      [["--force"], /unknown option '--force'/],
    ];
    for (const [args, message] of cases) {
      const r = await init(dir, ...args);
      assert.equal(r.code, 2, `init ${args.join(" ")}: exit 2\n${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, "", `init ${args.join(" ")}: nothing on stdout`);
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, `init ${args.join(" ")}: one line\n${r.stderr}`);
      assert.match(lines[0]!, /^flowsmith: error: /);
      assert.match(lines[0]!, message);
    }
    assert.deepEqual(tree(dir), before, "nothing written");
  });
});
