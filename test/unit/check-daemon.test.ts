/**
 * The check daemon (server/src/cli/checkDaemon.ts) keeps a check's analysis between checks. Every
 * answer it gives must be the answer a check without it gives: after an edit of the flow, of a
 * module it imports, a new flow file, a tsconfig change, a killed daemon. Outcomes only: the daemon's
 * log (FLOWSMITH_CHECK_DAEMON_LOG) says which checks it answered; no timings.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { makeWorkspace, type CliResult } from "./helpers/workspace.ts";

const TASKS = `import { task } from "flowsmith";
export const load = task({ name: "load" }, async ({ n }: { n: number }) => ({ rows: [n, n + 1] }));
export const sum = task({ name: "sum" }, async ({ rows }: { rows: number[] }) => ({ total: rows.length }));
`;
const flow = (input: string) => `import { workflow } from "flowsmith";
import { load, sum } from "./tasks";
export const main = workflow({}, () => {
  const data = load({ n: 2 });
  const s = sum({ ${input}: data.rows });
  return { total: s.total };
});
`;
const TSCONFIG = (strict: boolean) => `${JSON.stringify({ compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict, noEmit: true, skipLibCheck: true, types: ["node"] } })}\n`;

const cacheDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "fs-cd-")));
const log = path.join(cacheDir, "daemon.log");
const ws = makeWorkspace();
ws.write("tsconfig.json", TSCONFIG(true));
ws.write("flows/tasks.ts", TASKS);
ws.write("flows/flow.ts", flow("rows"));

const on = { FLOWSMITH_CODE_CACHE_DIR: cacheDir, FLOWSMITH_CHECK_DAEMON: "on", FLOWSMITH_CHECK_DAEMON_LOG: log, CI: "" };
// Without the daemon and without kept results: the reference answer.
const reference = () => ws.cli(["check", "flows"], { env: { FLOWSMITH_CHECK_DAEMON: "off", FLOWSMITH_CHECK_CACHE: "off" } });
const check = () => ws.cli(["check", "flows"], { env: on });
const logLines = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []);
const socketThere = () => fs.readdirSync(cacheDir).some((n) => /^checkd-.*\.sock$/.test(n));
const daemonPid = (): number | undefined => {
  const pidFile = fs.readdirSync(cacheDir).find((n) => /^checkd-.*\.sock\.pid$/.test(n));
  return pidFile ? Number(fs.readFileSync(path.join(cacheDir, pidFile), "utf8")) : undefined;
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`${what} within ${ms / 1000} s; daemon log:\n${logLines().join("\n")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function same(got: CliResult, want: CliResult, what: string): void {
  assert.equal(got.stdout, want.stdout, `${what}: the daemon's answer differs from a check without it`);
  assert.equal(got.code, want.code, what);
}

/** Check with the daemon and without; the same answer, and the daemon gave it (a new log line). */
async function agree(what: string, answeredBy: RegExp = /changed/): Promise<CliResult> {
  const before = logLines().length;
  const got = await check();
  same(got, await reference(), what);
  const lines = logLines().slice(before);
  assert.ok(lines.some((l) => answeredBy.test(l)), `${what}: the daemon did not answer (log: ${lines.join(" | ") || "nothing new"})`);
  return got;
}

after(async () => {
  await ws.cli(["check-daemon", "--stop"], { env: on });
  const pid = daemonPid();
  if (pid && alive(pid)) process.kill(pid, "SIGKILL");
  ws.cleanup();
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

describe("the check daemon", () => {
  test("the first check starts it; it builds the analysis at once", async () => {
    same(await check(), await reference(), "first check");
    await until("the daemon is ready", () => socketThere() && logLines().some((l) => /ready/.test(l)));
  });

  test("an edit of the flow file: answered by the daemon from the kept program, as a check without it says", async () => {
    ws.write("flows/flow.ts", flow("rowz"));
    const got = await agree("flow edited");
    assert.match(got.stdout, /error FS001 task sum has no input "rowz"/);
    ws.write("flows/flow.ts", flow("rows"));
    assert.match((await agree("flow fixed")).stdout, /no problems in 2 flow files/);
  });

  test("an edit of a module the flow imports re-analyses the flow", async () => {
    ws.write("flows/tasks.ts", TASKS.replace("({ rows }: { rows: number[] })", "({ values }: { values: number[] })"));
    const got = await agree("tasks edited");
    assert.match(got.stdout, /FS001 task sum has no input "rows"/);
    ws.write("flows/tasks.ts", TASKS);
    await agree("tasks restored");
  });

  test("a new flow file and a tsconfig change: the analysis is built afresh", async () => {
    ws.write("flows/second.ts", flow("rowz").replace("export const main", "export const second"));
    assert.match((await agree("a new file")).stdout, /flows\/second\.ts:5:\d+ error FS001/);
    fs.rmSync(ws.path("flows/second.ts"));
    await agree("the file removed");
    ws.write("tsconfig.json", TSCONFIG(false));
    await agree("tsconfig changed");
  });

  test("a composition (*.flows.yaml) added, then edited: the daemon's answer is a check's", async () => {
    const yaml = (flow: string) => `name: nightly\ncomposing_flows:\n  - name: first\n    flow: ${flow}\n`;
    ws.write("flows/nightly.flows.yaml", yaml("flow.ts#main"));
    await agree("a composition added");
    ws.write("flows/nightly.flows.yaml", yaml("flow.ts#mian"));
    assert.match((await agree("a composition edited")).stdout, /nightly\.flows\.yaml:4:\d+ error FS011/);
    fs.rmSync(ws.path("flows/nightly.flows.yaml"));
    await agree("the composition removed");
  });

  test("a daemon killed with -9 leaves a socket behind: the next check answers by itself and a new daemon takes over", async () => {
    const pid = daemonPid();
    assert.ok(pid && alive(pid), "a daemon runs");
    process.kill(pid, "SIGKILL");
    await until("the daemon is gone", () => !alive(pid), 10_000);
    ws.write("flows/flow.ts", flow("rowz"));
    same(await check(), await reference(), "check after the daemon died");
    await until("a new daemon is ready", () => daemonPid() !== pid && logLines().filter((l) => /ready/.test(l)).length >= 2);
    ws.write("flows/flow.ts", flow("rows"));
    await agree("with the new daemon");
  });

  test("check-daemon --stop stops it", async () => {
    const pid = daemonPid();
    const res = await ws.cli(["check-daemon", "--stop"], { env: on });
    assert.match(res.stdout, new RegExp(`stopped the check daemon \\(pid ${pid}\\)`));
    await until("the daemon exits", () => !alive(pid!), 10_000);
    assert.equal(socketThere(), false, "its socket is removed");
  });

  test("off (and in CI, and when output is not a terminal) no daemon is asked or started", async () => {
    const before = fs.readdirSync(cacheDir).length;
    ws.write("flows/flow.ts", flow("rowz"));
    const got = await ws.cli(["check", "flows"], { env: { ...on, FLOWSMITH_CHECK_DAEMON: undefined, CI: "true" } });
    same(got, await reference(), "check in CI");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(socketThere(), false);
    assert.ok(fs.readdirSync(cacheDir).length <= before + 1, "nothing but the kept result is added");
  });
});
