/** The contract module: command ids agree with package.json; target syntax; run-event guard. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Commands, formatTarget, isRunEvent, parseTarget, splitNodeTarget, targetFile, targetLabel, TargetSyntaxError } from "@flowsmith/contract";

const root = path.resolve(import.meta.dirname, "../..");

test("every command id in the contract is declared in package.json, and every declared command is in the contract", () => {
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { contributes: { commands: { command: string }[] } };
  const declared = pkg.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(Object.values(Commands).sort(), declared);
});

test("targets: FILE#workflow, FILE#workflow:node, node ids holding # and :, a file alone", () => {
  assert.deepEqual(parseTarget("flows/a.ts#pipeline"), { file: "flows/a.ts", workflow: "pipeline" });
  assert.deepEqual(parseTarget("a.ts#wf:clean#2"), { file: "a.ts", workflow: "wf", node: "clean#2" });
  assert.deepEqual(parseTarget("a.ts#wf:sub/train"), { file: "a.ts", workflow: "wf", node: "sub/train" });
  assert.deepEqual(parseTarget("dir#1/a.ts#wf"), { file: "dir#1/a.ts", workflow: "wf" });
  assert.deepEqual(parseTarget("a.ts"), { file: "a.ts" });
  assert.throws(() => parseTarget(""), TargetSyntaxError);
  assert.throws(() => parseTarget("#wf"), /no file before #/);
  assert.throws(() => parseTarget("a.ts#1x"), /not a workflow name/);
  for (const text of ["a.ts#wf", "a.ts#wf:node#2", "x/y.ts#main:sub/n"]) assert.equal(formatTarget(parseTarget(text)), text);
});

test("splitNodeTarget is what the editor's commands read from a string argument", () => {
  assert.deepEqual(splitNodeTarget("a.ts#wf:train"), { target: "a.ts#wf", node: "train" });
  assert.deepEqual(splitNodeTarget("a.ts#wf"), { target: "a.ts#wf" });
  assert.equal(splitNodeTarget("run-1234"), undefined);
  assert.equal(splitNodeTarget(""), undefined);
  assert.equal(targetLabel("pipeline/flow.ts#pipeline"), "pipeline");
  assert.equal(targetFile("pipeline/flow.ts#pipeline"), "pipeline/flow.ts");
});

test("isRunEvent accepts the six event types with a run id and nothing else", () => {
  assert.ok(isRunEvent({ type: "node-log", runId: "r1", node: "a", line: "x" }));
  assert.ok(!isRunEvent({ type: "node-log" }));
  assert.ok(!isRunEvent({ type: "hello", runId: "r1" }));
  assert.ok(!isRunEvent(null));
  assert.ok(!isRunEvent("run-started"));
});
