/**
 * Issue 7, bad input to the CLI: unknown targets, malformed params and matrices, node ids, task
 * names and aliases containing `../`, absolute paths or shell metacharacters, in targets, --param
 * values, --config keys, `name:`/`as:` inside flow files, and run ids for stop/results.
 *
 * Each must get one clear line on stderr starting "flowsmith: error:" and exit 2 — or, for a value
 * that is legitimately accepted (a string param holding `;`), a normal run that executes nothing:
 * the value arrives as the plain text it is. Before and after every call, the workspace (outside
 * `.flowsmith/`) and a sibling canary directory are snapshotted (every path, mtime and size):
 * nothing may change there, and no canary file may appear.
 *
 * Prints "bad CLI inputs tried: N, stray writes: M".
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { RunRecord } from "@flowsmith/contract";
import { makeWorkspace, runIdOf, type CliResult, type Workspace } from "./helpers/workspace.ts";

const LANES = 4;
const WF = "inputs.ts#echo";

// ---- cases -----------------------------------------------------------------------------------------

/**
 * `{C}` in an argument is replaced by the lane's canary directory, `{R}` by the id of a finished
 * run: payloads that a shell would execute create files there.
 */
interface Case {
  name: string;
  args: string[];
  /** "error": exit 2 and one line; "ok": a normal run (exit 0) that executes nothing. */
  expect: "error" | "ok";
  /** What the error line must mention. */
  mentions?: RegExp;
  /** For "ok" runs: the workflow outputs the run must record. */
  outputs?: (canary: string) => Record<string, unknown>;
}

const SHELL = [
  ";touch {C}/PWNED",
  "$(touch {C}/PWNED)",
  "`touch {C}/PWNED`",
  "x | touch {C}/PWNED",
  "x && touch {C}/PWNED",
  "x; rm -rf {C}",
  "$(touch PWNED)",
];
const PATHS = ["../../etc/passwd", "/etc/passwd", "../../../../../../tmp/escape", "..", "/"];

const cases: Case[] = [
  // Targets.
  { name: "an unknown file", args: ["run", "nope.ts#echo"], expect: "error", mentions: /no such flow file/ },
  { name: "an unknown workflow", args: ["run", "inputs.ts#ecko"], expect: "error", mentions: /no exported workflow "ecko".*did you mean "echo"/ },
  { name: "an unknown node", args: ["run", `${WF}:sya`], expect: "error", mentions: /no node "sya".*did you mean "say"/ },
  { name: "a file exporting several workflows, none named", args: ["run", "inputs.ts"], expect: "error", mentions: /several workflows/ },
  { name: "a directory as the target", args: ["run", ".#echo"], expect: "error", mentions: /not a file/ },
  { name: "an empty target", args: ["run", ""], expect: "error", mentions: /target is needed/ },
  { name: "a target with a newline", args: ["run", `${WF}\n:say`], expect: "error" },
  { name: "a target that is not TypeScript (/etc/passwd)", args: ["run", "/etc/passwd#echo"], expect: "error", mentions: /not a TypeScript or JavaScript file/ },
  { name: "a target in the canary directory that does not exist", args: ["run", "{C}/missing.ts#echo"], expect: "error", mentions: /no such flow file/ },
  ...PATHS.map((p): Case => ({ name: `a target file ${p}`, args: ["run", `${p}#echo`], expect: "error" })),
  ...PATHS.slice(0, 3).map((p): Case => ({ name: `a node id ${p} (run)`, args: ["run", `${WF}:${p}`], expect: "error", mentions: /no node/ })),
  { name: "a node id ../../etc/passwd (preview)", args: ["preview", `${WF}:../../etc/passwd`], expect: "error", mentions: /no node/ },
  { name: "a node id /etc/passwd (reset)", args: ["reset", `${WF}:/etc/passwd`, "--yes"], expect: "error", mentions: /no node/ },
  ...SHELL.map((s): Case => ({ name: `shell in a target's workflow: ${s}`, args: ["run", `inputs.ts#echo${s}`], expect: "error" })),
  ...SHELL.slice(0, 5).map((s, i): Case => ({ name: `shell in a target's node: ${s}`, args: [i % 2 ? "preview" : "run", `${WF}:${s}`], expect: "error", mentions: /no node/ })),
  ...SHELL.slice(0, 2).map((s): Case => ({ name: `shell in a target's file: ${s}`, args: ["preview", `${s}.ts#echo`], expect: "error" })),
  // check / graph / list run the static analysis (a separate bundle, loaded on demand).
  { name: "graph: an unknown workflow", args: ["graph", "inputs.ts#ecko"], expect: "error", mentions: /no exported workflow "ecko"/ },
  { name: "graph: a node id ../../etc/passwd", args: ["graph", `${WF}:../../etc/passwd`], expect: "error", mentions: /no node/ },
  { name: "check: a path that does not exist", args: ["check", "$(touch {C}/PWNED)"], expect: "error", mentions: /no such file or directory/ },

  // --param.
  { name: "--param without =", args: ["run", WF, "--param", "text"], expect: "error", mentions: /key=value/ },
  { name: "--param with an empty key", args: ["run", WF, "--param", "=1"], expect: "error", mentions: /key=value/ },
  { name: "--param with an unknown key", args: ["run", WF, "--param", "txt=1"], expect: "error", mentions: /no param "txt".*did you mean "text"/ },
  { name: "--param key ../../x", args: ["run", WF, "--param", "../../x=1"], expect: "error", mentions: /no param/ },
  { name: "--param key with shell", args: ["run", WF, "--param", "$(touch {C}/PWNED)=1"], expect: "error", mentions: /no param/ },
  { name: "--param key toString (inherited from Object.prototype)", args: ["run", WF, "--param", "toString=1"], expect: "error", mentions: /no param "toString"/ },
  { name: "--param key __proto__", args: ["run", WF, "--param", '__proto__={"polluted":1}'], expect: "error", mentions: /no param "__proto__"/ },
  { name: "--param key constructor", args: ["run", WF, "--param", "constructor=1"], expect: "error", mentions: /no param "constructor"/ },
  { name: "--param of the wrong type", args: ["run", WF, "--param", "n=abc"], expect: "error", mentions: /bad param n/ },
  { name: "--param number with shell after it", args: ["run", WF, "--param", "n=1;touch {C}/PWNED"], expect: "error", mentions: /bad param n/ },
  { name: "--param with a bad JSON array", args: ["run", WF, "--param", "tags=[1,"], expect: "error", mentions: /bad param tags/ },
  { name: "--param with an array of the wrong type", args: ["run", WF, "--param", "tags=[1,2]"], expect: "error", mentions: /bad param tags/ },
  ...SHELL.slice(0, 5).map((s): Case => ({
    name: `a string --param holding ${s}`,
    args: ["run", WF, "--param", `text=${s}`],
    expect: "ok",
    outputs: (c) => ({ text: s.replaceAll("{C}", c) }),
  })),
  { name: "a string --param holding ../../etc/passwd", args: ["run", WF, "--param", "text=../../etc/passwd"], expect: "ok", outputs: () => ({ text: "../../etc/passwd" }) },
  {
    name: "an array --param of shell strings",
    args: ["run", WF, "--param", 'tags=["$(touch {C}/PWNED)","`touch {C}/PWNED`"]'],
    expect: "ok",
    outputs: (c) => ({ line: `hi [$(touch ${c}/PWNED),\`touch ${c}/PWNED\`]` }),
  },

  // --matrix.
  { name: "--matrix with no values", args: ["run", WF, "--matrix", "n="], expect: "error", mentions: /at least one value/ },
  { name: "--matrix without =", args: ["run", WF, "--matrix", "n"], expect: "error", mentions: /key=value/ },
  { name: "--matrix with an empty key", args: ["run", WF, "--matrix", "=1,2"], expect: "error", mentions: /key=value/ },
  { name: "--matrix with an unknown key", args: ["run", WF, "--matrix", "k=1,2"], expect: "error", mentions: /no param "k"/ },
  { name: "--matrix key ../x", args: ["run", WF, "--matrix", "../x=1,2"], expect: "error", mentions: /no param/ },
  { name: "--matrix key toString", args: ["run", WF, "--matrix", "toString=1,2"], expect: "error", mentions: /no param "toString"/ },
  { name: "--matrix with a bad JSON array", args: ["run", WF, "--matrix", "n=[1,2"], expect: "error", mentions: /not a JSON array/ },
  { name: "--matrix with an empty JSON array", args: ["run", WF, "--matrix", "n=[]"], expect: "error", mentions: /at least one value/ },
  { name: "--matrix with a JSON object", args: ["run", WF, "--matrix", 'n={"a":1}'], expect: "error", mentions: /bad param n/ },
  { name: "--matrix with an empty item", args: ["run", WF, "--matrix", "n=1,,2"], expect: "error", mentions: /bad param n/ },
  { name: "--matrix with a mistyped JSON item", args: ["run", WF, "--matrix", 'n=[1,"x"]'], expect: "error", mentions: /bad param n/ },
  {
    name: "a string --matrix of shell strings",
    args: ["run", WF, "--matrix", "text=;touch {C}/PWNED,$(touch {C}/PWNED)"],
    expect: "ok",
  },

  // --config.
  { name: "--config without a node", args: ["run", WF, "--config", "lr=1"], expect: "error", mentions: /node\.key=value/ },
  { name: "--config without a key", args: ["run", WF, "--config", "say.=1"], expect: "error", mentions: /node\.key=value/ },
  { name: "--config with an empty node", args: ["run", WF, "--config", ".k=1"], expect: "error", mentions: /node\.key=value/ },
  { name: "--config node ../../x", args: ["run", WF, "--config", "../../x.k=1"], expect: "error", mentions: /no node or task/ },
  { name: "--config node with shell", args: ["run", WF, "--config", "say;touch {C}/PWNED.k=1"], expect: "error", mentions: /no node or task/ },
  { name: "--config node __proto__", args: ["run", WF, "--config", "__proto__.polluted=1"], expect: "error", mentions: /"__proto__" cannot be used as a node or key name/ },
  { name: "--config node constructor", args: ["run", WF, "--config", "constructor.polluted=1"], expect: "error", mentions: /"constructor" cannot be used as a node or key name/ },
  {
    name: "a --config value holding shell",
    // --force-all: config is not part of a node's cache key, and `say` is complete from the first run.
    args: ["run", WF, "--force-all", "--config", "say.cmd=$(touch {C}/PWNED); `touch {C}/PWNED`"],
    expect: "ok",
    outputs: (c) => ({ config: { cmd: `$(touch ${c}/PWNED); \`touch ${c}/PWNED\`` }, polluted: null }),
  },

  // Run ids.
  ...["../../etc/passwd", "/etc/passwd", "20200101-000000-abcdef/../../x", "$(touch {C}/PWNED)", ";touch {C}/PWNED", ""].flatMap((id): Case[] => [
    { name: `stop ${JSON.stringify(id)}`, args: ["stop", id], expect: "error", mentions: id ? /is not a run id/ : /give a run id/ },
    { name: `results ${JSON.stringify(id)}`, args: ["results", id], expect: "error", mentions: id ? /is not a run id/ : undefined },
  ]),
  { name: "results of a run, --node ../../etc/passwd", args: ["results", "{R}", "--node", "../../etc/passwd"], expect: "error", mentions: /has no node/ },
  { name: "results of a run, --node with shell", args: ["results", "{R}", "--node", "$(touch {C}/PWNED)"], expect: "error", mentions: /has no node/ },

  // Options.
  { name: "--concurrency 0", args: ["run", WF, "--concurrency", "0"], expect: "error", mentions: /--concurrency/ },
  { name: "--concurrency 1e400", args: ["run", WF, "--concurrency", "1e400"], expect: "error", mentions: /--concurrency/ },
  { name: "--concurrency with shell", args: ["run", WF, "--concurrency", "2;touch {C}/PWNED"], expect: "error", mentions: /--concurrency/ },
  { name: "--events of an unknown format", args: ["run", WF, "--events", "xml"], expect: "error", mentions: /--events/ },
  { name: "runs --limit with shell", args: ["runs", "--limit", "$(touch {C}/PWNED)"], expect: "error", mentions: /--limit/ },
  { name: "an unknown command", args: ["$(touch {C}/PWNED)"], expect: "error", mentions: /unknown command/ },
  { name: "an unknown option", args: ["run", WF, "--exec=touch {C}/PWNED"], expect: "error", mentions: /unknown option/ },
];

/** Flow files whose task names or node aliases are paths or shell: loading them must refuse, naming why. */
const NAMES = ["../../escape", "/etc/passwd", "$(touch {C}/PWNED)", "x;touch {C}/PWNED", "`touch {C}/PWNED`", "a | touch {C}/PWNED && b"];

function flowFiles(canary: string): Record<string, string> {
  const files: Record<string, string> = {};
  NAMES.forEach((raw, i) => {
    const name = JSON.stringify(raw.replaceAll("{C}", canary));
    files[`names/task-${i}.ts`] = `import { task, workflow } from "flowsmith";
export const t = task({ name: ${name} }, async () => ({ a: 1 }));
export const wf = workflow(() => ({ a: t().a }));
`;
    files[`names/alias-${i}.ts`] = `import { task, workflow } from "flowsmith";
export const t = task(async () => ({ a: 1 }));
export const wf = workflow(() => ({ a: t({}, { as: ${name} }).a }));
`;
  });
  return files;
}

NAMES.forEach((raw, i) => {
  cases.push(
    { name: `a task named ${raw} (${i % 2 ? "preview" : "run"})`, args: [i % 2 ? "preview" : "run", `names/task-${i}.ts#wf`], expect: "error", mentions: /task option name/ },
    { name: `a node alias ${raw} (${i % 2 ? "reset" : "run"})`, args: i % 2 ? ["reset", `names/alias-${i}.ts#wf`, "--yes"] : ["run", `names/alias-${i}.ts#wf`, "--no-check"], expect: "error", mentions: /node alias/ },
  );
});

// ---- snapshots ---------------------------------------------------------------------------------------

/** Every path under `dir` with its type, size and mtime; `.flowsmith` and symlinks are not entered. */
function snapshot(dir: string, out = new Map<string, string>(), root = dir): Map<string, string> {
  const st = fs.lstatSync(dir);
  out.set(path.relative(root, dir) || ".", `dir ${st.mtimeMs}`);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.name === ".flowsmith" && dir === root) continue;
    if (entry.isDirectory()) snapshot(p, out, root);
    else {
      const s = fs.lstatSync(p);
      out.set(path.relative(root, p), `${entry.isSymbolicLink() ? "link" : "file"} ${s.size} ${s.mtimeMs}`);
    }
  }
  return out;
}

function diff(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [p, v] of after) if (before.get(p) !== v) out.push(before.has(p) ? `changed: ${p}` : `created: ${p}`);
  for (const p of before.keys()) if (!after.has(p)) out.push(`deleted: ${p}`);
  return out;
}

function runDirs(ws: Workspace): string[] {
  const dir = ws.path(".flowsmith/runs");
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

// ---- the tests ----------------------------------------------------------------------------------------

const tried: string[] = [];
const stray: string[] = [];

describe("bad CLI input: one clear line and exit 2, or a harmless run; nothing written outside the store", { concurrency: LANES }, () => {
  for (let lane = 0; lane < LANES; lane++) {
    const mine = cases.filter((_, i) => i % LANES === lane);
    describe(`lane ${lane + 1}`, { concurrency: 1 }, () => {
      let ws: Workspace;
      let canary: string;
      let runId: string;
      before(async () => {
        ws = makeWorkspace();
        canary = fs.mkdtempSync(path.join(path.dirname(ws.dir), "flowsmith-canary-"));
        fs.writeFileSync(path.join(canary, "keep.txt"), "the canary directory must stay as it is\n");
        ws.fixture("../reliability/inputs.ts", "inputs.ts");
        for (const [file, text] of Object.entries(flowFiles(canary))) ws.write(file, text);
        // A finished run (for results/stop), which also creates the store before the snapshots.
        const first = await ws.cli(["run", WF]);
        assert.equal(first.code, 0, first.stderr);
        runId = runIdOf(first.stdout);
      });
      after(() => {
        ws?.cleanup();
        if (canary) fs.rmSync(canary, { recursive: true, force: true });
      });

      for (const c of mine) {
        test(c.name, async () => {
          const args = c.args.map((a) => a.replaceAll("{C}", canary).replaceAll("{R}", runId));
          tried.push(c.name);
          const before = { ws: snapshot(ws.dir), canary: snapshot(canary), runs: runDirs(ws) };
          let res: CliResult;
          try {
            res = await ws.cli(args);
          } finally {
            const changes = [
              ...diff(before.ws, snapshot(ws.dir)).map((d) => `workspace ${d}`),
              ...diff(before.canary, snapshot(canary)).map((d) => `canary ${d}`),
            ];
            if (changes.length) stray.push(`${c.name}: ${changes.join(", ")}`);
            assert.deepEqual(changes, [], "nothing is written outside the store");
          }
          const shown = `flowsmith ${args.map((a) => JSON.stringify(a)).join(" ")}\nexit ${res.code}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`;
          assert.doesNotMatch(res.stderr, /internal error/, `an internal error is not a clear message:\n${shown}`);
          assert.doesNotMatch(res.stdout + res.stderr, /\n\s{4}at /, `a stack trace:\n${shown}`);
          if (c.expect === "error") {
            assert.equal(res.code, 2, `exit 2 for bad input:\n${shown}`);
            const lines = res.stderr.split("\n").filter((l) => l.trim() !== "");
            assert.equal(lines.length, 1, `one line on stderr:\n${shown}`);
            assert.match(lines[0]!, /^flowsmith: error: \S/, shown);
            if (c.mentions) assert.match(lines[0]!, c.mentions, shown);
            if (args[0] === "run") assert.deepEqual(runDirs(ws), before.runs, "bad input starts no run");
          } else {
            assert.equal(res.code, 0, `a normal run:\n${shown}`);
            const id = runIdOf(res.stdout);
            const record = JSON.parse(fs.readFileSync(ws.path(`.flowsmith/runs/${id}/run.json`), "utf8")) as RunRecord;
            assert.equal(record.status, "complete");
            if (c.outputs) {
              const outputs = record.outputs![0] as Record<string, unknown>;
              for (const [k, v] of Object.entries(c.outputs(canary))) assert.deepEqual(outputs[k], v, `output ${k} holds the value as given`);
            }
          }
        });
      }
    });
  }
});

test("count", () => {
  console.log(`bad CLI inputs tried: ${tried.length}, stray writes: ${stray.length}`);
  for (const s of stray) console.log(`  ${s}`);
  assert.equal(tried.length, cases.length, "every case was tried");
  assert.equal(stray.length, 0);
});
