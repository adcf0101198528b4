/**
 * Test workspaces for the flowsmith runtime: a temp directory that is its own workspace root
 * (package.json), with node_modules linked to the repo's (so flow files resolve zod; "flowsmith"
 * itself is intercepted by the CLI's loader), flow files copied from test/fixtures/runtime, and
 * helpers to call the built CLI (runtime/dist/cli.js) as a child process, without a shell.
 */
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** The built CLI; FLOWSMITH_TEST_CLI points the tests at another build (e.g. to check that they catch a mutation). */
export const CLI = process.env.FLOWSMITH_TEST_CLI ? path.resolve(process.env.FLOWSMITH_TEST_CLI) : path.join(REPO, "runtime/dist/cli.js");
export const FIXTURES = path.join(REPO, "test/fixtures/runtime");

if (!fs.existsSync(CLI)) {
  throw new Error(`${CLI} is missing: run \`npm run build\` before the tests`);
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** A CLI process started in the background, with its output collected as it arrives. */
export interface RunningCli {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when the process exits. */
  done: Promise<CliResult>;
  /** Wait until a stdout line matches; returns the match. Fails after `timeoutMs` or if the process exits first. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

export interface Workspace {
  dir: string;
  /** Absolute path of a file in the workspace. */
  path(rel: string): string;
  write(rel: string, text: string): void;
  read(rel: string): string;
  /** Copy test/fixtures/runtime/NAME into the workspace (as `as`, default the same name). */
  fixture(name: string, as?: string): string;
  /** Replace `from` by `to` in a workspace file; `from` must occur exactly once. */
  edit(rel: string, from: string, to: string): void;
  /** Lines of counter.log, the file fixture tasks append their node id to when their body runs. */
  counter(): string[];
  /** Run the CLI in the workspace and wait for it to exit. */
  cli(args: string[], options?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  /** Start the CLI in the workspace without waiting. */
  start(args: string[], options?: { env?: NodeJS.ProcessEnv }): RunningCli;
  cleanup(): void;
}

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

function childEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...extra };
  if (!extra || !("FLOWSMITH_STORE" in extra)) delete env.FLOWSMITH_STORE;
  delete env.FLOWSMITH_DEBUG;
  delete env.NODE_OPTIONS; // the test runner's `--import tsx` is not for the CLI
  delete env.NODE_TEST_CONTEXT;
  delete env.FLOWSMITH_TEST_CLI;
  return env;
}

/** Make a workspace; when a test context is given it is removed after the test. */
export function makeWorkspace(t?: { after(fn: () => void): void }): Workspace {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-test-")));
  fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify({ name: "ws", private: true })}\n`);
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
  const started: RunningCli[] = [];

  const ws: Workspace = {
    dir,
    path: (rel) => path.join(dir, rel),
    write(rel, text) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    },
    read: (rel) => fs.readFileSync(path.join(dir, rel), "utf8"),
    fixture(name, as = name) {
      ws.write(as, fs.readFileSync(path.join(FIXTURES, name), "utf8"));
      return as;
    },
    edit(rel, from, to) {
      const text = ws.read(rel);
      assert.equal(text.split(from).length, 2, `fixture edit: "${from}" must occur once in ${rel}`);
      ws.write(rel, text.replace(from, to));
    },
    counter() {
      const file = path.join(dir, "counter.log");
      return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
    },
    cli(args, options = {}) {
      const begin = Date.now();
      return new Promise((resolve) => {
        const child = execFile(
          process.execPath,
          [CLI, ...args],
          { cwd: dir, env: childEnv(options.env), timeout: options.timeoutMs ?? 120_000, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024 },
          (error, stdout, stderr) => {
            children.delete(child);
            const code = child.exitCode ?? (error && typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : null);
            resolve({ code, signal: child.signalCode, stdout: String(stdout), stderr: String(stderr), durationMs: Date.now() - begin });
          },
        );
        children.add(child);
      });
    },
    start(args, options = {}) {
      const begin = Date.now();
      const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: childEnv(options.env), stdio: ["ignore", "pipe", "pipe"] });
      children.add(child);
      let stdout = "";
      let stderr = "";
      const listeners = new Set<() => void>();
      child.stdout!.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        for (const l of [...listeners]) l();
      });
      child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      let exited = false;
      const done = new Promise<CliResult>((resolve) => {
        child.on("close", (code, signal) => {
          exited = true;
          children.delete(child);
          for (const l of [...listeners]) l();
          resolve({ code, signal, stdout, stderr, durationMs: Date.now() - begin });
        });
      });
      const running: RunningCli = {
        child,
        get stdout() {
          return stdout;
        },
        get stderr() {
          return stderr;
        },
        done,
        waitForLine(pattern, timeoutMs = 60_000) {
          return new Promise((resolve, reject) => {
            const check = () => {
              for (const line of stdout.split("\n")) {
                const m = pattern.exec(line);
                if (m) {
                  cleanup();
                  resolve(m);
                  return;
                }
              }
              if (exited) {
                cleanup();
                reject(new Error(`the CLI exited before printing a line matching ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
              }
            };
            const timer = setTimeout(() => {
              cleanup();
              reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
            }, timeoutMs);
            const cleanup = () => {
              clearTimeout(timer);
              listeners.delete(check);
            };
            listeners.add(check);
            check();
          });
        },
      };
      started.push(running);
      return running;
    },
    cleanup() {
      for (const r of started) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  t?.after(() => ws.cleanup());
  return ws;
}

/** Poll `check` until it returns a truthy value; fail after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 30_000, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Fail with the whole output of a CLI call when its exit code is not the expected one. */
export function assertExit(res: CliResult, code: number, what = "flowsmith"): void {
  assert.equal(res.code, code, `${what}: expected exit ${code}, got ${res.code} (signal ${res.signal})\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`);
}

/** Bad input: exit 2, exactly one line on stderr starting "flowsmith: error:", no stack trace. */
export function assertCleanError(res: CliResult, mentions?: RegExp): void {
  assertExit(res, 2);
  const lines = res.stderr.split("\n").filter((l) => l.trim() !== "");
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${res.stderr}`);
  assert.match(lines[0]!, /^flowsmith: error: /);
  assert.doesNotMatch(res.stderr + res.stdout, /\n\s{4}at /, "no stack trace");
  assert.doesNotMatch(res.stderr, /internal error/);
  if (mentions) assert.match(lines[0]!, mentions);
}

/** Every stdout line parsed as JSON (each line must be valid JSON). */
export function ndjson(stdout: string): Record<string, any>[] {
  return stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, any>;
      } catch {
        assert.fail(`not a JSON line: ${line}`);
      }
    });
}

/** The node ids a human-format run printed "started" for. */
export function startedNodes(stdout: string): string[] {
  return [...stdout.matchAll(/^\[([^\]]+)\] started/gm)].map((m) => m[1]!);
}

/** The run id a human-format run printed first. */
export function runIdOf(stdout: string): string {
  const m = /^run (\d{8}-\d{6}-[0-9a-f]{6}) /m.exec(stdout);
  assert.ok(m, `no run id in:\n${stdout}`);
  return m[1]!;
}

export interface PreviewNode {
  id: string;
  task: string;
  deps: string[];
  status: string;
  cacheKey?: string;
  fingerprint: string;
}

/** `preview TARGET --format json`: node id → node. */
export async function preview(ws: Workspace, target: string, extra: string[] = []): Promise<Map<string, PreviewNode>> {
  const res = await ws.cli(["preview", target, "--format", "json", ...extra]);
  assertExit(res, 0, `preview ${target}`);
  const parsed = JSON.parse(res.stdout) as { nodes: PreviewNode[] };
  return new Map(parsed.nodes.map((n) => [n.id, n]));
}

/** `preview TARGET --format json`: node id → status. */
export async function statuses(ws: Workspace, target: string, extra: string[] = []): Promise<Record<string, string>> {
  return Object.fromEntries([...(await preview(ws, target, extra))].map(([id, n]) => [id, n.status]));
}

/** `runs --format json`. */
export async function runs(ws: Workspace): Promise<Record<string, any>[]> {
  const res = await ws.cli(["runs", "--format", "json"]);
  assertExit(res, 0, "runs");
  return JSON.parse(res.stdout) as Record<string, any>[];
}

/** Run a target and require success; returns the result and the run id. */
export async function runOk(ws: Workspace, args: string[]): Promise<CliResult & { runId: string }> {
  const res = await ws.cli(["run", ...args]);
  assertExit(res, 0, `run ${args.join(" ")}`);
  return { ...res, runId: runIdOf(res.stdout) };
}

/** Count equal lines. */
export function tally(lines: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lines) out[l] = (out[l] ?? 0) + 1;
  return out;
}
