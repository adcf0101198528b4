/**
 * Walks a workflow's body into its graph, the way the engine builds it by running the body: the
 * same node ids (task name or alias, `#2` for repeats, `sub/` inside sub-flows, in call order), the
 * edges from outputs to inputs with source ranges at both ends, sub-flow bodies walked in place.
 * This layer is the calls: a task call makes a node, a sub-flow call walks the sub-flow's body.
 */
import { ts } from "@ts-morph/common";
import type { TaskDef, WorkflowDef } from "../definitions.js";
import type { StaticNode } from "../model.js";
import { literalValue } from "../params.js";
import { rangeOf } from "../ranges.js";
import { isFunctionLike, isStringLike, propertyKey, propertyNamed } from "../syntax.js";
import { isOpaque, taskInputProps, taskOutputType } from "../types.js";
import { isRef, isRefLike, type GraphHost, type RefValue, type Value, type WalkedWorkflow } from "./model.js";
import type { Scope } from "./state.js";
import { DynamicWalk, type MapCall } from "./dynamic.js";

/** A workflow's graph, how its references are used, and the facts the checks read. */
export function walkWorkflow(host: GraphHost, def: WorkflowDef): WalkedWorkflow {
  return new WorkflowWalk(host).walk(def);
}

/** One input of a task call, walked. */
interface GivenInput {
  value: Value;
  nameNode: ts.Node;
  valueNode: ts.Node;
  /** References nested in an object or array literal given as the input. */
  nested: { value: Value; at: ts.Node }[];
  /** For a map's each() input: the list (the element is `value`). */
  list?: Value;
}

class WorkflowWalk extends DynamicWalk {
  walk(def: WorkflowDef): WalkedWorkflow {
    const outputs = this.walkBody(def, { prefix: "", ids: [], counts: new Map(), stack: [def] }, undefined);
    this.closeWhens();
    // What the workflow returns is used.
    for (const v of outputs.values()) this.markUsed(v);
    return this.walked(def);
  }

  protected call(e: ts.CallExpression, scope: Scope): Value {
    const callee = e.expression;
    // [a, b, c].map(x => t(...)): the engine calls the callback once per element.
    if (ts.isPropertyAccessExpression(callee) && ["map", "forEach", "flatMap"].includes(callee.name.getText())) {
      const target = callee.expression;
      const fn = e.arguments[0];
      if (ts.isArrayLiteralExpression(target) && isFunctionLike(fn)) {
        this.literal(target, scope, (v) => this.markUsed(v));
        this.walkCallback(fn, scope, target.elements.length);
        return undefined;
      }
    }
    const dynamic = this.dynamicCall(e, scope);
    if (dynamic !== null) return dynamic;
    const def = this.host.resolve(callee);
    if (def && !this.usedDefs.has(def.call)) {
      this.usedDefs.set(def.call, { kind: def.kind, name: def.name, call: def.call, site: this.quiet ? (this.topSite ?? e) : e });
    }
    if (def?.kind === "task") return this.taskCall(e, def, scope);
    if (def?.kind === "workflow") return this.subflowCall(e, def, scope);
    // Any other function: evaluate its callee and arguments; references may not flow into it.
    if (!this.quiet) this.fact({ kind: "plainCall", at: e, callee, calleeIsFlowValue: ts.isIdentifier(callee) && this.lookup(callee) !== undefined });
    const base = ts.isPropertyAccessExpression(callee) ? this.expr(callee.expression, scope) : this.expr(callee, scope);
    if (isRefLike(base)) this.misuse(callee, base, "called or used as an object");
    for (const a of e.arguments) {
      const name = calleeName(callee);
      this.valueUse(a, scope, `passed to ${name ? `${name}(), which is not a task` : "a function that is not a task"}`);
    }
    return undefined;
  }

  protected nextId(base: string, alias: string | undefined, scope: Scope, at: ts.Node): string {
    if (alias !== undefined) {
      const id = scope.prefix + alias;
      if (this.nodeIds.has(id) || scope.counts.has(alias)) this.fact({ kind: "duplicateId", at, id, aliased: true });
      scope.counts.set(alias, Math.max(1, scope.counts.get(alias) ?? 0));
      return this.uniqueId(id);
    }
    const n = (scope.counts.get(base) ?? 0) + 1;
    scope.counts.set(base, n);
    const id = scope.prefix + (n === 1 ? base : `${base}#${n}`);
    if (this.nodeIds.has(id)) this.fact({ kind: "duplicateId", at, id, aliased: false });
    return this.uniqueId(id);
  }

  /** Keep graph ids unique even after a duplicate, so later analysis stays sane. */
  private uniqueId(id: string): string {
    if (!this.nodeIds.has(id)) return id;
    let i = 2;
    while (this.nodeIds.has(`${id}~${i}`)) i++;
    return `${id}~${i}`;
  }

  /** The call's options (its second argument, or `index`): the alias, when written as a string. */
  protected callOptions(e: ts.CallExpression, scope: Scope, index = 1): string | undefined {
    const opt = e.arguments[index];
    if (!opt) return undefined;
    if (!ts.isObjectLiteralExpression(opt)) {
      this.expr(opt, scope);
      return undefined;
    }
    const asProp = propertyNamed(opt, "as");
    if (asProp && ts.isPropertyAssignment(asProp)) {
      const init = asProp.initializer;
      if (isStringLike(init)) {
        this.fact({ kind: "alias", at: init, alias: init.text });
        return init.text;
      }
      const v = this.expr(init, scope);
      if (isRefLike(v)) this.misuse(init, v, "used as a node alias");
    }
    return undefined;
  }

  /** A task's node: a call of the task, or a map() of it (`map`: where its inputs and options are). */
  protected taskCall(e: ts.CallExpression, def: TaskDef, scope: Scope, map?: MapCall): Value {
    const checker = this.checker;
    // Task names must be unique across sub-flows too: this fact is recorded inside them as well.
    this.facts.push({ kind: "taskCall", at: map ? map.taskAt : e.expression, task: def, inSubflow: this.quiet > 0 });
    // Arguments are evaluated before the call: nested task calls get their ids first.
    const inputArg = map ? map.inputArg : e.arguments[0];
    const given = new Map<string, GivenInput>();
    let hasSpread = false;
    /** A map's each() inputs: the input mapped over, the list, and what one element is. */
    const mapped: { input: string; list: Value }[] = [];
    if (inputArg && ts.isObjectLiteralExpression(inputArg)) {
      for (const p of inputArg.properties) {
        if (ts.isPropertyAssignment(p)) {
          const init = p.initializer;
          const nested: GivenInput["nested"] = [];
          let value: Value;
          const each = map ? this.eachInput(init, scope, def.name, propertyKey(p)) : undefined;
          if (each) {
            mapped.push({ input: propertyKey(p), list: each.list });
            given.set(propertyKey(p), { value: each.element, nameNode: p.name, valueNode: init, nested, list: each.list });
            continue;
          }
          if (ts.isObjectLiteralExpression(init) || ts.isArrayLiteralExpression(init)) this.literal(init, scope, (v, at) => nested.push({ value: v, at }));
          else value = this.expr(init, scope);
          given.set(propertyKey(p), { value, nameNode: p.name, valueNode: init, nested });
        } else if (ts.isShorthandPropertyAssignment(p)) {
          given.set(p.name.getText(), { value: this.expr(p.name, scope), nameNode: p.name, valueNode: p.name, nested: [] });
        } else if (ts.isSpreadAssignment(p)) {
          hasSpread = true;
          const v = this.expr(p.expression, scope);
          if (isRefLike(v)) this.misuse(p, v, "spread into a call");
        } else {
          this.expr(p, scope);
        }
      }
    } else if (inputArg) {
      const v = this.expr(inputArg, scope);
      if (isRefLike(v)) this.misuse(inputArg, v, "passed as a whole input object");
      hasSpread = true;
    }
    const alias = map ? this.callOptions(e, scope, 2) : this.callOptions(e, scope);
    const id = this.nextId(def.name, alias, scope, e);
    this.nodeIds.add(id);
    this.callOf.set(id, e);
    if (map && mapped.length !== 1) this.problem(inputArg ?? e, { kind: "eachCount", node: id, count: mapped.length });

    const declared = def.fn ? taskInputProps(checker, def.fn) : undefined;
    const deps: string[] = [];
    const refInputs: StaticNode["refInputs"] = {};
    /** Inputs whose value is known statically (literals, params with defaults). */
    const valueInputs: Record<string, unknown> = {};
    const assetInputs: Record<string, string> = {};
    /** Inputs given a workflow param as it is (compositions map node outputs into params). */
    const paramInputs: NonNullable<StaticNode["paramInputs"]> = {};
    const addEdge = (v: RefValue, input: string, at: ts.Node, nameNode: ts.Node) => {
      if (!deps.includes(v.node)) deps.push(v.node);
      this.used.add(v.node);
      const atFile = at.getSourceFile();
      const nameFile = nameNode.getSourceFile();
      this.edges.push({
        from: v.node,
        to: id,
        output: v.path.join("."),
        input,
        outputRange: { file: atFile.fileName, range: rangeOf(at, atFile) },
        inputRange: { file: nameFile.fileName, range: rangeOf(nameNode, nameFile) },
        ...this.dynamicEdgeType(v),
      });
    };
    for (const [name, g] of given) {
      this.fact({ kind: "taskInput", at: g.nameNode, valueNode: g.valueNode, nodeId: id, task: def, name, value: g.value, nested: g.nested.length > 0, declared });
      if (g.list !== undefined || mapped.some((m) => m.input === name)) {
        // The list mapped over: an edge from its producer (each element is one node's input at run time).
        if (isRef(g.list)) {
          addEdge(g.list, name, g.valueNode, g.nameNode);
          refInputs[name] = { node: g.list.node, path: g.list.path };
        }
      } else if (g.value?.kind === "asset") {
        assetInputs[name] = g.value.path;
      } else if (isRef(g.value)) {
        addEdge(g.value, name, g.valueNode, g.nameNode);
        refInputs[name] = { node: g.value.node, path: g.value.path };
      } else if (g.value?.kind === "sub") {
        for (const out of g.value.outputs.values()) if (isRef(out)) addEdge(out, name, g.valueNode, g.nameNode);
      } else if (g.value?.kind === "literal") {
        valueInputs[name] = g.value.value;
      } else if (g.value?.kind === "param") {
        // A workflow param: its value is whatever the last run was given, which the store knows
        // and the code does not. The editor shows the last run's statuses for its params.
        paramInputs[name] = { param: g.value.name, workflow: g.value.workflow };
      } else {
        if (!g.nested.length) {
          const lit = literalValue(g.valueNode);
          if (lit.ok) valueInputs[name] = lit.value;
        }
        for (const n of g.nested) {
          if (isRef(n.value)) addEdge(n.value, name, n.at, g.nameNode);
          else if (n.value?.kind === "sub") this.misuse(n.at, n.value, "nested in an input");
        }
      }
    }
    this.fact({ kind: "taskInputs", at: inputArg ?? e, nodeId: id, task: def, declared, given: new Set(given.keys()), spread: hasSpread });
    // In a when() branch, a node waits for the subjects it is chosen by (as the engine's gates).
    for (const g of this.gateDeps) if (!deps.includes(g)) deps.push(g);
    const file = e.getSourceFile();
    this.nodes.push({
      id,
      task: def.name,
      taskFile: def.file,
      taskRange: rangeOf(def.call),
      fingerprint: def.fingerprint,
      deps,
      scope: scope.ids,
      file: file.fileName,
      range: rangeOf(e, file),
      refInputs,
      valueInputs,
      ...(Object.keys(paramInputs).length ? { paramInputs } : {}),
      ...(hasSpread ? {} : { inputNames: [...given.keys()] }),
      ...(map ? { kind: "map" as const, ...(mapped[0] ? { mapInput: mapped[0].input } : {}) } : {}),
      ...(this.branch ? { branch: this.branch } : {}),
      ...(Object.keys(assetInputs).length ? { assetInputs } : {}),
    });
    const outType = def.fn ? taskOutputType(checker, def.fn) : undefined;
    if (outType && (outType.flags & (ts.TypeFlags.Void | ts.TypeFlags.Undefined) || (!isOpaque(outType) && checker.getPropertiesOfType(outType).length === 0))) {
      this.effectOnly.add(id);
    }
    if (this.inCallback > 0) this.used.add(id);
    if (map) return { kind: "ref", node: id, path: [], task: def.name, ...this.mapOutputs(e, def) };
    return { kind: "ref", node: id, path: [], task: def.name, ...(outType ? { type: outType } : {}) };
  }

  private subflowCall(e: ts.CallExpression, def: WorkflowDef, scope: Scope): Value {
    if (scope.stack.some((d) => d.call === def.call)) {
      if (!this.quiet || scope.stack[0]!.call === def.call) {
        // At the call in this workflow's own body that leads into the cycle: the call closing it
        // may be in another file (a.ts's workflow calls b.ts's, which calls a.ts's), and each
        // file shows its own diagnostics.
        this.facts.push({ kind: "cycle", at: this.quiet ? (this.topSite ?? e) : e, cycle: [...scope.stack, def] });
      }
      return undefined;
    }
    const inputArg = e.arguments[0];
    const given = new Map<string, Value>();
    if (inputArg && ts.isObjectLiteralExpression(inputArg)) {
      for (const p of inputArg.properties) {
        let name: string | undefined;
        let value: Value;
        let at: ts.Node = p;
        let valueNode: ts.Node | undefined;
        if (ts.isPropertyAssignment(p)) {
          name = propertyKey(p);
          valueNode = p.initializer;
          value = this.expr(valueNode, scope);
          at = p.name;
        } else if (ts.isShorthandPropertyAssignment(p)) {
          name = p.name.getText();
          value = this.expr(p.name, scope);
        } else if (ts.isSpreadAssignment(p)) {
          const v = this.expr(p.expression, scope);
          if (isRefLike(v)) this.misuse(p, v, "spread into a call");
          continue;
        }
        if (name === undefined) continue;
        this.fact({ kind: "subflowParam", at, valueNode, name, value, workflow: def });
        given.set(name, value);
        this.markUsed(value);
      }
    } else if (inputArg) {
      this.valueUse(inputArg, scope, "passed as a whole params object");
    }
    this.fact({ kind: "subflowParams", at: inputArg ?? e, workflow: def, given: new Set(given.keys()) });
    const alias = this.callOptions(e, scope);
    const id = this.nextId(def.idName, alias, scope, e);
    this.nodeIds.add(id);
    for (const p of def.params) if (!given.has(p.name)) given.set(p.name, { kind: "param", name: p.name, workflow: def.name });
    const outerSite = this.topSite;
    if (!this.quiet) this.topSite = e;
    this.quiet++;
    let outputs: Map<string, Value>;
    try {
      outputs = this.walkBody(def, { prefix: `${id}/`, ids: [...scope.ids, id], counts: new Map(), stack: [...scope.stack, def] }, given);
    } finally {
      this.quiet--;
      this.topSite = outerSite;
    }
    // Nodes of the sub-flow count as used when the sub-flow's outputs are.
    const inner = this.nodes.filter((n) => n.id.startsWith(`${id}/`)).map((n) => n.id);
    this.subflows.set(id, { call: e, nodes: inner });
    return { kind: "sub", id, workflow: def.name, outputs };
  }
}

function calleeName(callee: ts.Node): string | undefined {
  const text = callee.getText();
  return text.length <= 40 ? text : undefined;
}
