/**
 * Issue 7, a truncated or garbage store record: each kind of record under `.flowsmith/` (an
 * output's meta, the output itself, a node state, a run record, a node lock) is cut short,
 * overwritten with random bytes, replaced by JSON null or by JSON of the wrong shape; then every
 * command that reads it (`runs`, `preview`, `results`, `run`, `reset`) must not crash, must report
 * it as a warning and treat it as missing: the node runs again, nothing downstream trips over it.
 *
 * Prints "corrupt records tried: N, crashes: C, corrupt stores found: M".
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { NodeState, RunRecord } from "@flowsmith/contract";
import { auditStore, objectFile, walk, warnings } from "../fixtures/reliability/audit.ts";
import { makeWorkspace, preview, runOk, startedNodes, type CliResult, type Workspace } from "./helpers/workspace.ts";

/** The journal line holding a node's latest state, with the text around it. */
function latestJournalLine(storeDir: string, node: string): { file: string; line: string; before: string; after: string } {
  let best: { at: number; file: string; index: number; lines: string[] } | undefined;
  for (const file of walk(path.join(storeDir, "state")).filter((f) => f.endsWith(".jsonl"))) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    lines.forEach((raw, index) => {
      const e = raw ? (JSON.parse(raw) as { at: number; state?: NodeState }) : undefined;
      if (e?.state?.node === node && (!best || e.at >= best.at)) best = { at: e.at, file, index, lines };
    });
  }
  if (!best) throw new Error(`no state of ${node} in the journals`);
  const { file, index, lines } = best;
  return { file, line: lines[index]!, before: lines.slice(0, index).map((l) => `${l}\n`).join(""), after: `\n${lines.slice(index + 1).join("\n")}` };
}

const outcomes: { name: string; crashed: boolean; unsound: boolean }[] = [];

const PIPE = "pipeline.ts#pipeline";

type Kind = "meta" | "output" | "state" | "run.json" | "lock";
type Form = "truncated" | "garbage bytes" | "JSON null" | "wrong shape";

/** The corrupted content of a record. */
function corrupt(kind: Kind, form: Form, original: Buffer): Buffer {
  switch (form) {
    case "truncated":
      return original.subarray(0, Math.floor(original.length / 2));
    case "garbage bytes": {
      // Same length: an output's size check alone cannot tell (invalid UTF-8, NULs and all).
      const bytes = randomBytes(original.length);
      bytes[0] = 0xff;
      return bytes;
    }
    case "JSON null":
      return Buffer.from(kind === "state" || kind === "meta" ? "null" : "null\n");
    case "wrong shape": {
      switch (kind) {
        case "meta":
          return Buffer.from(JSON.stringify({ ...JSON.parse(original.toString("utf8")), fieldHashes: null }));
        case "output":
          // Valid JSON of the same size whose content does not match its hash.
          return Buffer.from(`"${"x".repeat(original.length - 2)}"`);
        case "state": {
          const e = JSON.parse(original.toString("utf8"));
          return Buffer.from(JSON.stringify({ ...e, state: { ...e.state, status: "complete", cacheKey: "../../../etc/passwd", inputHashes: "nope" } }));
        }
        case "run.json":
          return Buffer.from("{}\n");
        case "lock":
          return Buffer.from(JSON.stringify({ pid: "not a pid", runId: 42 }));
      }
    }
  }
}

describe("a truncated or garbage store record: reported, treated as missing, never a crash", { concurrency: 4 }, () => {
  let base: Workspace;
  let run1: string;
  let keys: Map<string, string>;
  let freshKey: string;
  before(async () => {
    base = makeWorkspace();
    base.fixture("pipeline.ts");
    run1 = (await runOk(base, [PIPE])).runId;
    await runOk(base, [PIPE, "--param", "count=5"]);
    keys = new Map([...(await preview(base, PIPE))].map(([id, n]) => [id, n.cacheKey!]));
    freshKey = (await preview(base, PIPE, ["--param", "count=7"])).get("get-data")!.cacheKey!;
  });
  after(() => base?.cleanup());

  const kinds: Kind[] = ["meta", "output", "state", "run.json", "lock"];
  const forms: Form[] = ["truncated", "garbage bytes", "JSON null", "wrong shape"];
  for (const kind of kinds) {
    for (const form of forms) {
      test(`${kind}: ${form}`, async (t) => {
        const ws = makeWorkspace(t);
        ws.fixture("pipeline.ts");
        fs.cpSync(base.path(".flowsmith"), ws.path(".flowsmith"), { recursive: true });
        const storeDir = ws.path(".flowsmith");
        const getData = keys.get("get-data")!;
        let file: string;
        let mark: string; // what warnings about this record mention
        let original: Buffer;
        // What is broken: a part of a file (the meta line or the data of an output, one node's line
        // of a state journal) or a whole file.
        let before = "";
        let after = "";
        switch (kind) {
          case "meta":
          case "output": {
            file = objectFile(storeDir, getData);
            mark = getData;
            const whole = fs.readFileSync(file);
            const nl = whole.indexOf(10);
            if (kind === "meta") {
              original = whole.subarray(0, nl);
              after = whole.subarray(nl).toString("latin1");
            } else {
              before = whole.subarray(0, nl + 1).toString("latin1");
              original = whole.subarray(nl + 1);
            }
            break;
          }
          case "state": {
            const found = latestJournalLine(storeDir, "train");
            file = found.file;
            mark = path.basename(file);
            [before, after] = [found.before, found.after];
            original = Buffer.from(found.line);
            break;
          }
          case "run.json":
            file = path.join(storeDir, "runs", run1, "run.json");
            mark = run1;
            original = fs.readFileSync(file);
            break;
          case "lock":
            // A lock on a node the next run must compute, as left by a writer that died mid-write.
            file = path.join(storeDir, "locks", `${freshKey}.lock`);
            mark = freshKey;
            original = Buffer.from(JSON.stringify({ pid: 999999, runId: "20200101-000000-abcdef" }));
            break;
        }
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, Buffer.concat([Buffer.from(before, "latin1"), corrupt(kind, form, original), Buffer.from(after, "latin1")]));
        if (kind === "lock") fs.utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));

        // Every broken promise is collected, so one report shows all of them.
        const failures: string[] = [];
        const stderr: string[] = [];
        const call = async (args: string[], codes: number[]): Promise<CliResult> => {
          const res = await ws.cli(args);
          stderr.push(res.stderr);
          const what = `flowsmith ${args.join(" ")}`;
          if (/internal error|\n\s{4}at /.test(res.stderr) || res.signal) failures.push(`${what} crashed: ${res.stderr.trim()}`);
          else if (!codes.includes(res.code!)) failures.push(`${what}: exit ${res.code}, expected ${codes.join(" or ")}: ${(res.stderr.trim() || res.stdout.trim().split("\n").slice(-3).join(" / "))}`);
          return res;
        };
        const check = (ok: boolean, message: string) => {
          if (!ok) failures.push(message);
        };

        // Each command that reads the broken record, and what it must do: not crash, warn, carry on.
        const sizeVisible = kind === "meta" || (kind === "output" && form !== "garbage bytes" && form !== "wrong shape");
        if (kind === "lock") {
          const res = await call(["run", PIPE, "--param", "count=7"], [0]);
          check(startedNodes(res.stdout).includes("get-data"), `the node under the broken lock ran (started: ${startedNodes(res.stdout).join(", ") || "none"})`);
          check(!fs.existsSync(file), "the broken lock was taken over and released");
        } else if (kind === "run.json") {
          const list = await call(["runs", "--format", "json"], [0]);
          if (list.code === 0) {
            const listed = (JSON.parse(list.stdout) as RunRecord[]).map((r) => r.id);
            check(!listed.includes(run1) && listed.length === 1, `runs leaves the corrupt run out and lists the other one (listed ${listed.join(", ")})`);
          }
          await call(["runs"], [0]);
          await call(["results", run1], [2]);
          await call(["results", run1, "--node", "get-data"], [2]);
        } else {
          const pv = await call(["preview", PIPE, "--format", "json"], [0]);
          if (pv.code === 0 && sizeVisible) {
            const status = Object.fromEntries((JSON.parse(pv.stdout) as { nodes: { id: string; status: string }[] }).nodes.map((n) => [n.id, n.status]));
            check(status["get-data"] === "pending", `preview: get-data, whose output record is broken, is ${status["get-data"]}, not pending`);
          }
          if (kind === "state") {
            // reset reads the node state (its last cache key) before anything rewrites it.
            await call(["reset", `${PIPE}:train`, "--yes"], [0]);
            const rerun = await call(["run", PIPE], [0]);
            check(startedNodes(rerun.stdout).join() === "train", `after reset :train only train runs (started: ${startedNodes(rerun.stdout).join(", ") || "none"})`);
          } else {
            await call(["results", run1, "--node", "get-data"], [1]);
            const rerun = await call(["run", PIPE], [0]);
            if (sizeVisible) check(startedNodes(rerun.stdout).join() === "get-data", `the node whose output record was broken runs again (started: ${startedNodes(rerun.stdout).join(", ") || "none"})`);
            // Nothing downstream may trip over the broken record: reset what follows it and run again.
            await call(["reset", `${PIPE}:preprocess`, "--downstream", "--yes"], [0]);
            const after = await call(["run", PIPE], [0]);
            check(/ COMPLETE in /.test(after.stdout), `the run after a reset of the downstream completes: ${after.stdout.split("\n").filter((l) => /FAILED/.test(l)).join(" / ")}`);
          }
        }
        if (kind !== "lock") {
          check(
            stderr.some((s) => warnings(s).some((w) => w.includes(mark))),
            `a warning names the broken record (${mark}); stderr was: ${stderr.join("").trim() || "(empty)"}`,
          );
        }
        // The run record cannot be rebuilt: it stays corrupt (and ignored). Anything else is repaired.
        const problems = auditStore(storeDir, { settled: true, ignore: kind === "run.json" ? [run1] : [] });
        check(problems.length === 0, `the store is not sound afterwards: ${problems.join("; ")}`);
        outcomes.push({ name: `${kind} (${form})`, crashed: failures.some((f) => / crashed: /.test(f)), unsound: problems.length > 0 });
        assert.deepEqual(failures, [], `corrupt ${kind} (${form})`);
      });
    }
  }
});

test("count", () => {
  const crashed = outcomes.filter((o) => o.crashed);
  const unsound = outcomes.filter((o) => o.unsound);
  console.log(`corrupt records tried: ${outcomes.length}, crashes: ${crashed.length}, corrupt stores found: ${unsound.length}`);
  if (crashed.length) console.log(`  crashed: ${crashed.map((o) => o.name).join(", ")}`);
  if (unsound.length) console.log(`  left corrupt: ${unsound.map((o) => o.name).join(", ")}`);
  assert.equal(outcomes.length, 20, "every record kind and form was tried");
  assert.equal(crashed.length, 0);
  assert.equal(unsound.length, 0);
});
