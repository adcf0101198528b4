/**
 * The walk through the dynamic shapes of DESIGN "Dynamic shapes": `map(task, inputs)` (one node,
 * run once per element of the list given in each()), `when(subject).is(test, branch)…` (a
 * conditional node whose branches' nodes are ordinary nodes marked with their branch) and
 * `asset(path)` (a binding on the inputs it is passed to). Ids as the engine gives them: a map node
 * is named like a call of its task (or `as`), a when node `when` (or `as`), `#2`… for repeats, and
 * nodes in different branches are numbered together. The task call itself is the layer above
 * (calls.ts); this layer decides what the shapes are, and records the facts FS014 reads.
 */
import * as path from "node:path";
import { ts } from "@ts-morph/common";
import type { TaskDef } from "../definitions.js";
import type { StaticNode } from "../model.js";
import { literalValue } from "../params.js";
import { rangeOf } from "../ranges.js";
import { isFunctionLike, isStringLike, propertyKey, safe } from "../syntax.js";
import { arrayOf, elementType, isOpaque, referencedType, taskOutputType, typeText } from "../types.js";
import { isRef, type DynamicFunction, type DynamicProblem, type RefValue, type Value } from "./model.js";
import type { Scope } from "./state.js";
import { StatementWalk } from "./statements.js";

const WHEN_METHODS = new Set(["is", "otherwise", "end"]);
const COMPARISONS: Record<string, string> = { eq: "=", ne: "!=", gt: ">", gte: ">=", lt: "<", lte: "<=" };

/** How a map() call is a task call: where its inputs and options are, and what names the task. */
export interface MapCall {
  inputArg: ts.Expression | undefined;
  optionsArg: ts.Expression | undefined;
  taskAt: ts.Node;
}

/** A when() chain as walked so far. */
interface WhenState {
  id: string;
  root: ts.CallExpression;
  node: StaticNode;
  /** The first branch's label and output names (the others must match). */
  first?: { label: string; names: string[] };
  fields: Map<string, ts.Type | undefined>;
  /** After .otherwise() or .end(). */
  closed: boolean;
  /** The node whose output the subject is: branch nodes wait for it. */
  gate?: string;
}

/** One link of a when() chain: `.is(test, branch)`, `.otherwise(branch)` or `.end()`. */
interface WhenLink {
  name: string;
  call: ts.CallExpression;
}

export abstract class DynamicWalk extends StatementWalk {
  /** The when() branch being walked: the nodes made there record it. */
  protected branch: { when: string; label: string } | undefined;
  /** The nodes whose outputs the when() subjects around here are: a branch's nodes wait for them too. */
  protected readonly gateDeps: string[] = [];

  protected abstract taskCall(e: ts.CallExpression, def: TaskDef, scope: Scope, map?: MapCall): Value;
  protected abstract nextId(base: string, alias: string | undefined, scope: Scope, at: ts.Node): string;
  /** The alias (`as`) of the options object at `e.arguments[index]`. */
  protected abstract callOptions(e: ts.CallExpression, scope: Scope, index?: number): string | undefined;

  /** when() chains not closed yet (a variable may hold one and continue it), by when id. */
  private readonly openWhens = new Map<string, WhenState>();
  /** Map and when nodes made so far: their outputs are not a task's own (edges say their type). */
  protected readonly dynamicNodes = new Set<string>();

  /** The type an edge from a map or when node carries, as text (the editor cannot read it from a task). */
  protected dynamicEdgeType(v: RefValue): { type?: string } {
    if (!this.dynamicNodes.has(v.node) || !v.type) return {};
    const text = safe(() => typeText(this.checker, v.type!));
    return text ? { type: text } : {};
  }

  protected problem(at: ts.Node, problem: DynamicProblem): void {
    this.fact({ kind: "dynamicShape", at, problem });
  }

  /** Which SDK dynamic-shape function a callee names. */
  protected sdkOf(callee: ts.Node): DynamicFunction | undefined {
    return this.host.sdk?.(callee);
  }

  /** A call of map/each/when/asset (or a link of a when chain): its value; null for any other call. */
  protected dynamicCall(e: ts.CallExpression, scope: Scope): Value | null {
    if (!this.host.sdk) return null;
    const callee = e.expression;
    if (ts.isPropertyAccessExpression(callee) && WHEN_METHODS.has(callee.name.text)) {
      const chain = this.whenChain(e);
      return chain ? this.whenCall(chain.root, chain.links, scope) : null;
    }
    if (!ts.isIdentifier(callee) && !ts.isPropertyAccessExpression(callee)) return null;
    switch (this.sdkOf(callee)) {
      case "asset":
        return this.assetCall(e, scope);
      case "each": {
        // each() outside a map's inputs maps over nothing.
        this.problem(e, { kind: "eachOutside" });
        for (const a of e.arguments) this.markUsed(this.expr(a, scope));
        return undefined;
      }
      case "when":
        return this.whenCall(e, [], scope);
      case "map":
        return this.mapCall(e, scope);
      default:
        return null;
    }
  }

  private assetCall(e: ts.CallExpression, scope: Scope): Value {
    const arg = e.arguments[0];
    // As the engine resolves it: relative to the directory of the flow file that wrote it.
    if (arg && isStringLike(arg) && arg.text.trim() !== "") return { kind: "asset", path: path.resolve(path.dirname(e.getSourceFile().fileName), arg.text) };
    this.problem(arg ?? e, { kind: "assetPath" });
    for (const a of e.arguments) this.expr(a, scope);
    return undefined;
  }

  private mapCall(e: ts.CallExpression, scope: Scope): Value {
    const taskArg = e.arguments[0];
    const def = taskArg ? this.host.resolve(taskArg) : undefined;
    if (def?.kind !== "task") {
      this.problem(taskArg ?? e, { kind: "mapTask" });
      for (const a of e.arguments.slice(1)) this.literalOrExpr(a, scope);
      return undefined;
    }
    if (!this.usedDefs.has(def.call)) this.usedDefs.set(def.call, { kind: "task", name: def.name, call: def.call, site: this.quiet ? (this.topSite ?? e) : e });
    const out = this.taskCall(e, def, scope, { inputArg: e.arguments[1], optionsArg: e.arguments[2], taskAt: taskArg! });
    if (isRef(out)) this.dynamicNodes.add(out.node);
    return out;
  }

  private literalOrExpr(e: ts.Node, scope: Scope): void {
    if (ts.isObjectLiteralExpression(e) || ts.isArrayLiteralExpression(e)) this.literal(e, scope, (v) => this.markUsed(v));
    else this.markUsed(this.expr(e, scope));
  }

  /** `each(list)` as one of a map's inputs: the list's value, and what one element of it is. */
  protected eachInput(init: ts.Expression, scope: Scope, node: string, input: string): { list: Value; element: Value } | undefined {
    if (!ts.isCallExpression(init) || this.sdkOf(init.expression) !== "each") return undefined;
    const arg = init.arguments[0];
    if (!arg) {
      this.problem(init, { kind: "eachOver", node, input, type: undefined, literal: true });
      return { list: undefined, element: undefined };
    }
    const literal = ts.isArrayLiteralExpression(arg);
    let list: Value;
    if (literal) this.literal(arg, scope, (v) => this.markUsed(v));
    else list = this.expr(arg, scope);
    let type: ts.Type | undefined;
    if (isRef(list)) type = list.type;
    else if (list?.kind === "param") type = safe(() => referencedType(this.checker, this.checker.getTypeAtLocation(arg)));
    else if (!literal && list?.kind === "literal") type = safe(() => this.checker.getTypeAtLocation(arg));
    if (!literal) this.problem(arg, { kind: "eachOver", node, input, type, literal: list?.kind === "literal" });
    const element = type ? safe(() => elementType(this.checker, type!)) : undefined;
    const elementValue: Value = isRef(list) ? { ...list, ...(element ? { type: element } : { type: undefined }) } : list?.kind === "param" ? list : undefined;
    return { list, element: elementValue };
  }

  /** A map node's outputs: lists of the task's outputs (ListsOf<O>), field by field. */
  protected mapOutputs(e: ts.CallExpression, def: TaskDef): Pick<RefValue, "type" | "fields"> {
    const out = def.fn ? safe(() => taskOutputType(this.checker, def.fn!)) : undefined;
    if (!out) return {};
    const sdkType = safe(() => referencedType(this.checker, this.checker.getTypeAtLocation(e)));
    if (!isOpaque(out) && !this.checker.isArrayType(out) && this.checker.getPropertiesOfType(out).length > 0) {
      const fields = new Map<string, ts.Type | undefined>();
      for (const p of this.checker.getPropertiesOfType(out)) fields.set(p.name, safe(() => arrayOf(this.checker, this.checker.getTypeOfSymbol(p))));
      return { fields, ...(sdkType ? { type: sdkType } : {}) };
    }
    const list = safe(() => arrayOf(this.checker, out));
    return list ? { type: list } : {};
  }

  /**
   * `x.is(…).otherwise(…)`: the when() call it starts from (or the open chain a variable holds,
   * `const c = when(x); c.is(…)…`) and its links in order, or undefined.
   */
  private whenChain(e: ts.CallExpression): { root: ts.CallExpression | WhenState; links: WhenLink[] } | undefined {
    const links: WhenLink[] = [];
    let cur: ts.Expression = e;
    for (let i = 0; i < 200; i++) {
      if (ts.isIdentifier(cur)) {
        const v = this.lookup(cur);
        const open = isRef(v) && v.node ? this.openWhens.get(v.node) : undefined;
        return open && v?.kind === "ref" && v.path.length === 0 ? { root: open, links } : undefined;
      }
      if (!ts.isCallExpression(cur)) return undefined;
      const callee: ts.Expression = cur.expression;
      if (ts.isPropertyAccessExpression(callee) && WHEN_METHODS.has(callee.name.text)) {
        links.unshift({ name: callee.name.text, call: cur });
        cur = callee.expression;
        continue;
      }
      return (ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee)) && this.sdkOf(callee) === "when" ? { root: cur, links } : undefined;
    }
    return undefined;
  }

  /** when(subject) starting a chain, or an open chain continued: its links walked; the when node's outputs. */
  private whenCall(root: ts.CallExpression | WhenState, links: WhenLink[], scope: Scope): Value {
    const state = ts.isCallExpression(root as ts.Node) ? this.startWhen(root as ts.CallExpression, scope) : (root as WhenState);
    const { id } = state;
    for (const link of links) {
      const name = (link.call.expression as ts.PropertyAccessExpression).name;
      if (link.name === "end") {
        state.closed = true;
        continue;
      }
      if (state.closed) this.problem(name, { kind: "whenAfterOtherwise", when: id });
      let label: string;
      let fn: ts.Expression | undefined;
      if (link.name === "otherwise") {
        label = "otherwise";
        fn = link.call.arguments[0];
        state.closed = true;
      } else {
        const test = link.call.arguments[0];
        fn = link.call.arguments[1];
        const known = test ? testLabel(test) : undefined;
        if (known === undefined) this.problem(test ?? link.call, { kind: "whenTest", when: id });
        label = known ?? (test ? shortText(test.getText()) : "?");
      }
      const outputs = this.walkBranch(fn, { when: id, label }, scope, link.call, state.gate);
      const names = [...outputs.keys()].sort();
      if (!state.first) {
        state.first = { label, names };
        for (const [k, v] of outputs) state.fields.set(k, isRef(v) ? v.type : undefined);
      } else if (names.join("\0") !== state.first.names.join("\0")) {
        this.problem(fn ?? link.call, { kind: "whenBranchOutputs", when: id, label, expected: state.first.names, got: names, firstLabel: state.first.label });
      }
      for (const [k, v] of outputs) {
        if (isRef(v)) this.whenDep(state, v, k, fn ?? link.call);
        else if (v?.kind === "sub") {
          for (const o of v.outputs.values()) if (isRef(o)) this.whenDep(state, o, k, fn ?? link.call);
        } else this.markUsed(v);
      }
    }
    // Upstream first: the when node goes after its branches' nodes (again, when a chain is continued).
    const at = this.nodes.indexOf(state.node);
    if (at >= 0) this.nodes.splice(at, 1);
    this.nodes.push(state.node);
    if (state.fields.size === 0) this.effectOnly.add(id);
    else this.effectOnly.delete(id);
    if (state.closed) this.openWhens.delete(id);
    else this.openWhens.set(id, state);
    return { kind: "ref", node: id, path: [], task: "when", fields: state.fields };
  }

  /** A when node: its id (given when when() is called, as the engine does), subject edge and node. */
  private startWhen(root: ts.CallExpression, scope: Scope): WhenState {
    const subjectNode = root.arguments[0];
    // The subject is what when() chooses on: no FS004 (DESIGN "Params are references").
    const subject = subjectNode ? this.expr(subjectNode, scope) : undefined;
    const alias = this.callOptions(root, scope, 1);
    const id = this.nextId("when", alias, scope, root);
    this.nodeIds.add(id);
    this.dynamicNodes.add(id);
    this.callOf.set(id, root);
    const file = root.getSourceFile();
    const node: StaticNode = {
      id,
      task: "when",
      taskFile: file.fileName,
      taskRange: rangeOf(root, file),
      fingerprint: "",
      deps: [],
      scope: scope.ids,
      file: file.fileName,
      range: rangeOf(root, file),
      refInputs: {},
      valueInputs: {},
      kind: "when",
      ...(this.branch ? { branch: this.branch } : {}),
    };
    const state: WhenState = { id, root, node, fields: new Map(), closed: false, ...(isRef(subject) ? { gate: subject.node } : {}) };
    if (isRef(subject)) {
      this.whenDep(state, subject, "subject", subjectNode!);
      node.refInputs.subject = { node: subject.node, path: subject.path };
    } else this.markUsed(subject);
    if (this.inCallback > 0) this.used.add(id);
    return state;
  }

  private whenDep(state: WhenState, v: RefValue, input: string, at: ts.Node): void {
    if (!state.node.deps.includes(v.node)) state.node.deps.push(v.node);
    this.used.add(v.node);
    const sf = at.getSourceFile();
    const range = { file: sf.fileName, range: rangeOf(at, sf) };
    this.edges.push({ from: v.node, to: state.id, output: v.path.join("."), input, outputRange: range, inputRange: range });
  }

  /** when() chains never closed with .otherwise() or .end(): the engine refuses them once the body returns. */
  protected closeWhens(): void {
    for (const state of this.openWhens.values()) this.problem(state.root, { kind: "whenOpen", when: state.id });
    this.openWhens.clear();
  }

  /** A branch's body, walked with its nodes marked; what it returns by output name. */
  private walkBranch(fn: ts.Expression | undefined, branch: { when: string; label: string }, scope: Scope, at: ts.Node, subjectNode: string | undefined): Map<string, Value> {
    const returned = new Map<string, Value>();
    if (!fn || !isFunctionLike(fn)) {
      this.problem(fn ?? at, { kind: "whenBranchNotFunction", when: branch.when });
      if (fn) this.markUsed(this.expr(fn, scope));
      return returned;
    }
    const outer = this.branch;
    this.branch = branch;
    const gate = subjectNode;
    if (gate) this.gateDeps.push(gate);
    try {
      const body = fn.body;
      if (ts.isBlock(body)) for (const st of body.statements) this.statement(st, scope, returned);
      else for (const [k, v] of this.returnValues(body, scope)) returned.set(k, v);
    } finally {
      this.branch = outer;
      if (gate) this.gateDeps.pop();
    }
    return returned;
  }
}

/** A when() test's label (`linear`, `in [forest, boost]`, `> 0.5`), or undefined when it is not a constant. */
export function testLabel(test: ts.Expression): string | undefined {
  const e = unwrap(test);
  if (ts.isObjectLiteralExpression(e)) {
    if (e.properties.length !== 1) return undefined;
    const p = e.properties[0]!;
    if (!ts.isPropertyAssignment(p)) return undefined;
    const key = propertyKey(p);
    const value = literalValue(p.initializer);
    if (!value.ok) return undefined;
    if (key === "in") return Array.isArray(value.value) ? `in [${value.value.map(plain).join(", ")}]` : undefined;
    const op = COMPARISONS[key];
    if (!op || !isScalar(value.value)) return undefined;
    return key === "eq" ? plain(value.value) : `${op} ${plain(value.value)}`;
  }
  const value = literalValue(e);
  return value.ok && isScalar(value.value) ? plain(value.value) : undefined;
}

function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  return e;
}

function isScalar(v: unknown): boolean {
  return v === null || ["string", "number", "boolean"].includes(typeof v);
}

function plain(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function shortText(text: string): string {
  const one = text.replace(/\s+/g, " ");
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}
