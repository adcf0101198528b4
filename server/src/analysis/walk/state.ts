/**
 * What a walk of a workflow body keeps while it goes: the graph so far, how references are used,
 * the facts found, what each name in the body is bound to, and where the walk is (in a sub-flow's
 * body, in a callback). The walk itself is layered on it: expressions.ts (expressions) ←
 * statements.ts (statements, bodies) ← calls.ts (task and sub-flow calls: nodes and edges).
 */
import { ts } from "@ts-morph/common";
import type { WorkflowDef } from "../definitions.js";
import type { StaticEdge, StaticNode } from "../model.js";
import { symbolAt } from "../syntax.js";
import type { UsedDefinition } from "../syntaxErrors.js";
import { isRef, type Fact, type GraphHost, type ParamValue, type RefValue, type SubflowValue, type Value, type WalkedWorkflow } from "./model.js";

/** Where in the graph a body is walked. */
export interface Scope {
  /** Prefix of node ids made here (`sub/` inside a sub-flow). */
  prefix: string;
  /** Sub-flow ids on the way here, outermost first (the engine's `scope`). */
  ids: string[];
  counts: Map<string, number>;
  /** Workflows on the way here, outermost first (for cycles). */
  stack: WorkflowDef[];
}

export abstract class WalkState {
  protected readonly nodes: StaticNode[] = [];
  protected readonly edges: StaticEdge[] = [];
  protected readonly facts: Fact[] = [];
  protected readonly nodeIds = new Set<string>();
  protected readonly used = new Set<string>();
  protected readonly effectOnly = new Set<string>();
  protected readonly callOf = new Map<string, ts.CallExpression>();
  protected readonly subflows = new Map<string, { call: ts.CallExpression; nodes: string[] }>();
  protected readonly usedSubflows = new Set<string>();
  /** Tasks and sub-flows the walk resolved, with the call in the top body that led to each. */
  protected readonly usedDefs = new Map<ts.CallExpression, UsedDefinition>();
  /** What each declaration in the bodies walked is bound to. */
  protected readonly env = new Map<ts.Node, Value>();
  /** While walking a sub-flow's body: the call in the top body that started it. */
  protected topSite: ts.Node | undefined;
  /** > 0 while walking a sub-flow's body: its own facts are its own workflow's (see Fact). */
  protected quiet = 0;
  /** > 0 inside a callback: nodes made there are collected by code we cannot follow. */
  protected inCallback = 0;

  constructor(protected readonly host: GraphHost) {}

  protected get checker(): ts.TypeChecker {
    return this.host.checker;
  }

  /** Record a fact about the top body (nothing while in a sub-flow's body). */
  protected fact(f: Fact): void {
    if (!this.quiet) this.facts.push(f);
  }

  protected markUsed(v: Value): void {
    if (isRef(v)) this.used.add(v.node);
    else if (v?.kind === "sub") {
      this.usedSubflows.add(v.id);
      for (const o of v.outputs.values()) this.markUsed(o);
    }
  }

  /** A reference used as a value: its outputs are used (wrongly), and the fact is recorded. */
  protected misuse(at: ts.Node, v: RefValue | ParamValue | SubflowValue, how: string): void {
    this.markUsed(v);
    this.fact({ kind: "referenceAsValue", at, value: v, how });
  }

  /** What an identifier in a body is bound to, if the walk follows it. */
  protected lookup(id: ts.Identifier): Value {
    const symbol = symbolAt(this.checker, id);
    for (const decl of symbol?.declarations ?? []) {
      if (this.env.has(decl)) return this.env.get(decl);
    }
    // A shorthand property `{ rows }` resolves to the property; its value symbol is the variable.
    const parent = id.parent;
    if (parent && ts.isShorthandPropertyAssignment(parent)) {
      const value = this.checker.getShorthandAssignmentValueSymbol(parent);
      for (const decl of value?.declarations ?? []) if (this.env.has(decl)) return this.env.get(decl);
    }
    return undefined;
  }

  /** The walk's result, as plain data for the checks. */
  protected walked(workflow: WorkflowDef): WalkedWorkflow {
    return {
      workflow,
      nodes: this.nodes,
      edges: this.edges,
      facts: this.facts,
      used: this.used,
      effectOnly: this.effectOnly,
      callOf: this.callOf,
      subflows: this.subflows,
      usedSubflows: this.usedSubflows,
      usedDefinitions: [...this.usedDefs.values()],
      bindings: this.env,
    };
  }
}
