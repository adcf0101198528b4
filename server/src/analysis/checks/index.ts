/**
 * Every check the analysis runs on a walked workflow, in one list. The order is the order of their
 * diagnostics on one fact (an unknown input before its type mismatch); across facts it is walk order.
 */
import type { ts } from "@ts-morph/common";
import type { FlowDiagnostic } from "../model.js";
import { rangeOf } from "../ranges.js";
import type { Fact, WalkedWorkflow } from "../walk/model.js";
import { cycle } from "./cycle.js";
import { duplicateNode } from "./duplicateNode.js";
import { dynamicShape } from "./fs014dynamicShape.js";
import { missingInput } from "./missingInput.js";
import { nonJsonParam } from "./nonJsonParam.js";
import { referenceAsValue } from "./referenceAsValue.js";
import type { CheckMeta, CheckRule } from "./rule.js";
import { sideEffect } from "./sideEffect.js";
import { typeMismatch } from "./typeMismatch.js";
import { unknownInput } from "./unknownInput.js";
import { unknownOutput } from "./unknownOutput.js";
import { unknownParam } from "./unknownParam.js";
import { unusedOutput } from "./unusedOutput.js";

export type { CheckContext, CheckMeta, CheckRule, CheckVisitor } from "./rule.js";

export const CHECKS: readonly CheckRule[] = [
  unknownInput, // FS001
  missingInput, // FS002
  typeMismatch, // FS003
  referenceAsValue, // FS004
  unknownOutput, // FS005
  nonJsonParam, // FS006
  duplicateNode, // FS007
  cycle, // FS008
  sideEffect, // FS009
  unusedOutput, // FS010
  unknownParam, // FS011
  dynamicShape, // FS014
];

/** The checks that need no types (`meta.syntax`): what the syntax pass runs. */
export const SYNTAX_CHECKS: readonly CheckRule[] = CHECKS.filter((rule) => rule.meta.syntax);

/** Run `rules` on a walked workflow: each fact goes to every rule that reads its kind, in walk order. */
export function runChecks(walked: WalkedWorkflow, checker: ts.TypeChecker, rules: readonly CheckRule[] = CHECKS): FlowDiagnostic[] {
  const diagnostics: FlowDiagnostic[] = [];
  const visitors = rules.map((rule) =>
    rule.create({ checker, walked, report: (at, message) => diagnostics.push(diagnosticOf(rule.meta, at, message)) }),
  );
  for (const fact of walked.facts) {
    for (const visitor of visitors) (visitor[fact.kind] as ((f: Fact) => void) | undefined)?.(fact);
  }
  for (const visitor of visitors) visitor.end?.();
  return diagnostics;
}

function diagnosticOf(meta: CheckMeta, at: ts.Node, message: string): FlowDiagnostic {
  const sf = at.getSourceFile();
  return { file: sf.fileName, range: rangeOf(at, sf), severity: meta.severity, code: meta.code, message, ...(meta.unnecessary ? { unnecessary: true } : {}) };
}
