/**
 * The shape of a check (one rule a file, as ESLint keeps them): its meta — the diagnostic code and
 * name of DESIGN's "Language server contract", and the severity — and `create`, which returns a
 * visitor over the walked workflow: a function per kind of fact it reads, called in walk order, and
 * `end` for what it reads of the walk as a whole. The walk (../walk) builds the graph and records
 * the facts once; checks only read them and report. The list the analysis runs is ./index.ts.
 */
import type { ts } from "@ts-morph/common";
import type { Severity } from "../model.js";
import type { Fact, FactKind, WalkedWorkflow } from "../walk/model.js";

export interface CheckMeta {
  /** `FS001`… */
  code: string;
  /** The code's name in DESIGN (`unknown-input`). */
  name: string;
  severity: Severity;
  /** Tag its diagnostics as unnecessary code (the editor fades it out). */
  unnecessary?: boolean;
  /**
   * Needs no types: it also runs in the syntax pass (../syntaxPass.ts), published when a file opens,
   * before the program is built. There `context.checker` is the syntax checker (../syntaxScope.ts),
   * which answers from syntax alone and throws where it cannot; the rule must then report only
   * what the typed pass reports too (a subset, never a guess: docs/decisions.md).
   */
  syntax?: boolean;
}

export interface CheckContext {
  readonly checker: ts.TypeChecker;
  readonly walked: WalkedWorkflow;
  /** A diagnostic of this check's code and severity on `at`. */
  report(at: ts.Node, message: string): void;
}

export type CheckVisitor = { [K in FactKind]?: (fact: Extract<Fact, { kind: K }>) => void } & {
  /** After the last fact. */
  end?(): void;
};

export interface CheckRule {
  meta: CheckMeta;
  create(context: CheckContext): CheckVisitor;
}
