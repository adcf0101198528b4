/**
 * Builds a workflow's graph statically, the way the engine builds it by running the body: the same
 * node ids (task name or alias, `#2` for repeats, `sub/` inside sub-flows, in call order), the edges
 * from outputs to inputs with source ranges at both ends — and on the way, every mistake a flow
 * author can make in a body: unknown or missing inputs, type mismatches, unknown outputs, references
 * used as values, non-JSON values, duplicate ids, cycles, side effects and unused nodes.
 */
import { ts } from "@ts-morph/common";
import type { FlowDiagnostic, StaticEdge, StaticNode, WorkflowInfo } from "./model.js";
import { rangeOf } from "./ranges.js";
import { fieldNames, fieldType, fits, isOpaque, nonJsonReason, resolveEnclosingCall, taskInputProps, typeText, type InputProp } from "./types.js";
import { didYouMean } from "./words.js";
import { literalValue } from "./params.js";
import { ancestorOfKind, isExpressionNode, isFunctionLike, isStatementNode, isStringLike, hasModifier, propertyKey, propertyNamed, symbolAt } from "./syntax.js";
import { gateOnSyntax, type UsedDefinition } from "./syntaxErrors.js";

/** What the analysis knows about an expression in a workflow body. */
type Value =
  | { kind: "ref"; node: string; path: string[]; task: string; type?: ts.Type }
  | { kind: "sub"; id: string; workflow: string; outputs: Map<string, Value> }
  | { kind: "params"; workflow: string }
  /** A workflow param: a reference like a node's output (DESIGN "Params are references"), `name` a path for fields of object params. */
  | { kind: "param"; name: string; workflow: string }
  | { kind: "literal"; value: unknown }
  | undefined;

/** A task or workflow definition as the graph builder needs it. */
export interface TaskDef {
  kind: "task";
  name: string;
  call: ts.CallExpression;
  fn?: ts.ArrowFunction | ts.FunctionExpression;
  fingerprint: string;
  file: string;
}

export interface WorkflowDef {
  kind: "workflow";
  /** The export name (what targets address). */
  name: string;
  /** What node ids use inside a caller: the `name` option, else the export name (as the engine). */
  idName: string;
  call: ts.CallExpression;
  fn?: ts.ArrowFunction | ts.FunctionExpression;
  options?: ts.ObjectLiteralExpression;
  file: string;
  params: { name: string; required: boolean }[];
}

export interface GraphHost {
  checker: ts.TypeChecker;
  /** The task or workflow a callee resolves to, or undefined for any other function. */
  resolve(callee: ts.Node): TaskDef | WorkflowDef | undefined;
}

interface Scope {
  prefix: string;
  /** Sub-flow ids on the way here, outermost first (the engine's `scope`). */
  ids: string[];
  counts: Map<string, number>;
  /** Workflows on the way here, outermost first (for FS008). */
  stack: WorkflowDef[];
}

const ID_PATTERN = /^[A-Za-z_][\w.-]*$/;
const SIDE_EFFECT_GLOBALS = new Set(["fetch", "setTimeout", "setInterval", "setImmediate", "queueMicrotask", "require", "XMLHttpRequest", "prompt", "alert"]);
const SIDE_EFFECT_OBJECTS: Record<string, string> = {
  console: "writes to the console",
  process: "reads or changes the process",
  fs: "touches the file system",
  performance: "reads the clock",
  crypto: "draws randomness",
  localStorage: "does I/O",
};
const NODE_IO_MODULES = /[\\/]@types[\\/]node[\\/](fs|child_process|http|https|http2|net|dgram|dns|os|worker_threads|readline|tls|cluster)(\/promises)?\.d\.ts$/;

export class WorkflowGraphBuilder {
  readonly nodes: StaticNode[] = [];
  readonly edges: StaticEdge[] = [];
  readonly diagnostics: FlowDiagnostic[] = [];
  private readonly nodeIds = new Set<string>();
  private readonly used = new Set<string>();
  private readonly callOf = new Map<string, ts.CallExpression>();
  private readonly taskByName = new Map<string, ts.CallExpression>();
  /** Sub-flow calls of the top workflow and the node ids they created (for FS010). */
  private readonly subflowNodes = new Map<string, { call: ts.CallExpression; nodes: string[] }>();
  /** Nodes whose output has no fields (a task that returns nothing is run for its effect). */
  private readonly effectOnly = new Set<string>();
  /** Sub-flow calls whose result was read or passed on. */
  private readonly usedSubflows = new Set<string>();
  private readonly env = new Map<ts.Node, Value>();
  /** Tasks and sub-flows the walk resolved, with the call in the top body that led to each. */
  private readonly usedDefs = new Map<ts.CallExpression, UsedDefinition>();
  /** While walking a sub-flow's body: the call in the top body that started it. */
  private topSite: ts.Node | undefined;
  /** > 0 while walking a sub-flow's body: its own problems are reported on its own definition. */
  private quiet = 0;
  /** > 0 inside a callback: nodes made there are collected by code we cannot follow. */
  private inCallback = 0;
  private depth = 0;

  constructor(private readonly host: GraphHost) {}

  build(def: WorkflowDef): Pick<WorkflowInfo, "nodes" | "edges"> & { diagnostics: FlowDiagnostic[] } {
    const outputs = this.walkWorkflow(def, { prefix: "", ids: [], counts: new Map(), stack: [def] }, undefined);
    for (const v of outputs.values()) this.markUsed(v);
    for (const node of this.nodes) {
      if (node.scope.length === 0 && !this.used.has(node.id) && !node.id.includes("~") && !this.effectOnly.has(node.id)) {
        const call = this.callOf.get(node.id)!;
        this.report(call, "hint", "FS010", `node ${node.id}: nothing uses its outputs and the workflow does not return them`, true);
      }
    }
    for (const [id, sub] of this.subflowNodes) {
      if (sub.nodes.length && !this.usedSubflows.has(id) && !sub.nodes.some((n) => this.used.has(n))) {
        this.report(sub.call, "hint", "FS010", `sub-flow ${id}: nothing uses its outputs and the workflow does not return them`, true);
      }
    }
    // Nothing is said about a flow built from the parser's guess at broken code (FS000).
    return { nodes: this.nodes, edges: this.edges, diagnostics: gateOnSyntax(def.call, this.usedDefs.values(), this.diagnostics) };
  }

  // ---- workflow bodies -----------------------------------------------------------------------

  /** Walk a body; returns what it returns, by output name (for sub-flow outputs and FS010). */
  private walkWorkflow(def: WorkflowDef, scope: Scope, given: Map<string, Value> | undefined): Map<string, Value> {
    const fn = def.fn;
    if (!isFunctionLike(fn)) return new Map();
    if (hasModifier(fn, ts.SyntaxKind.AsyncKeyword) && !this.quiet) {
      this.report(fn, "error", "FS004", `workflow ${def.name}'s body is async: a body only wires tasks and runs before any of them — remove async/await`);
    }
    const param = fn.parameters[0];
    if (param) {
      const nameNode = param.name;
      if (ts.isObjectBindingPattern(nameNode)) {
        for (const el of nameNode.elements) {
          const key = (el.propertyName ?? el.name).getText();
          this.env.set(el, given ? given.get(key) : { kind: "param", name: key, workflow: def.name });
        }
      } else {
        this.env.set(param, given ? { kind: "sub", id: "", workflow: def.name, outputs: given } : { kind: "params", workflow: def.name });
      }
    }
    const returned = new Map<string, Value>();
    const body = fn.body;
    if (ts.isBlock(body)) for (const s of body.statements) this.statement(s, scope, returned);
    else for (const [k, v] of this.returnValues(body, scope)) returned.set(k, v);
    return returned;
  }

  private statement(stmt: ts.Node, scope: Scope, returned: Map<string, Value>): void {
    if (ts.isVariableStatement(stmt)) {
      for (const decl of stmt.declarationList.declarations) {
        const init = decl.initializer;
        const value = init ? this.expr(init, scope) : undefined;
        this.bindName(decl.name, decl, value, scope);
      }
      return;
    }
    if (ts.isReturnStatement(stmt)) {
      const e = stmt.expression;
      if (e) for (const [k, v] of this.returnValues(e, scope)) returned.set(k, v);
      return;
    }
    if (ts.isExpressionStatement(stmt)) {
      this.expr(stmt.expression, scope);
      return;
    }
    if (ts.isIfStatement(stmt)) {
      this.condition(stmt.expression, scope, "branched on (in an if)");
      this.statement(stmt.thenStatement, scope, returned);
      const otherwise = stmt.elseStatement;
      if (otherwise) this.statement(otherwise, scope, returned);
      return;
    }
    if (ts.isBlock(stmt)) {
      for (const s of stmt.statements) this.statement(s, scope, returned);
      return;
    }
    if (ts.isForOfStatement(stmt) || ts.isForInStatement(stmt)) {
      const v = this.expr(stmt.expression, scope);
      if (isRefLike(v)) this.misuse(stmt.expression, v, "iterated");
      this.statement(stmt.statement, scope, returned);
      return;
    }
    if (ts.isWhileStatement(stmt) || ts.isDoStatement(stmt)) {
      this.condition(stmt.expression, scope, "branched on (in a loop condition)");
      this.statement(stmt.statement, scope, returned);
      return;
    }
    if (ts.isForStatement(stmt)) {
      const init = stmt.initializer;
      if (init) this.expr(init, scope);
      const cond = stmt.condition;
      if (cond) this.condition(cond, scope, "branched on (in a loop condition)");
      this.statement(stmt.statement, scope, returned);
      return;
    }
    if (ts.isSwitchStatement(stmt)) {
      this.condition(stmt.expression, scope, "branched on (in a switch)");
      for (const clause of stmt.caseBlock.clauses) for (const s of clause.statements) this.statement(s, scope, returned);
      return;
    }
    if (ts.isFunctionDeclaration(stmt) || ts.isClassDeclaration(stmt) || ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt)) {
      return;
    }
    // Anything else (try, labelled, throw…): look inside for calls.
    ts.forEachChild(stmt, (child) => {
      if (isStatementNode(child)) this.statement(child, scope, returned);
      else if (isExpressionNode(child)) this.expr(child, scope);
    });
  }

  private bindName(nameNode: ts.BindingName, decl: ts.Node, value: Value, scope: Scope): void {
    if (ts.isIdentifier(nameNode)) {
      this.env.set(decl, value);
      return;
    }
    if (ts.isObjectBindingPattern(nameNode)) {
      for (const el of nameNode.elements) {
        if (el.dotDotDotToken) {
          if (isRefLike(value)) this.misuse(el, value, "spread");
          continue;
        }
        const key = (el.propertyName ?? el.name).getText();
        const field = this.field(value, key, el, scope);
        this.bindName(el.name, el, field, scope);
      }
      return;
    }
    if (ts.isArrayBindingPattern(nameNode) && isRefLike(value)) this.misuse(nameNode, value, "iterated (destructured as an array)");
  }

  /** What a return statement returns, by output name (`""` for a non-object return). */
  private returnValues(expr: ts.Node, scope: Scope): Map<string, Value> {
    const out = new Map<string, Value>();
    if (ts.isParenthesizedExpression(expr)) return this.returnValues(expr.expression, scope);
    if (!ts.isObjectLiteralExpression(expr)) {
      out.set("", this.expr(expr, scope));
      return out;
    }
    for (const p of expr.properties) {
      if (ts.isPropertyAssignment(p)) out.set(propertyKey(p), this.expr(p.initializer, scope));
      else if (ts.isShorthandPropertyAssignment(p)) out.set(p.name.getText(), this.expr(p.name, scope));
      else if (ts.isSpreadAssignment(p)) {
        const v = this.expr(p.expression, scope);
        if (isRefLike(v)) this.misuse(p, v, "spread");
        else if (v?.kind === "sub") for (const [k, o] of v.outputs) out.set(k, o);
      }
    }
    return out;
  }

  // ---- expressions ---------------------------------------------------------------------------

  private expr(e: ts.Node, scope: Scope): Value {
    // Absurdly deep nesting (thousands of parentheses) would overflow the stack: stop looking.
    if (this.depth > 400) return undefined;
    this.depth++;
    try {
      return this.exprAt(e, scope);
    } finally {
      this.depth--;
    }
  }

  private exprAt(e: ts.Node, scope: Scope): Value {
    if (ts.isIdentifier(e)) return this.lookup(e);
    if (isStringLike(e) || ts.isNumericLiteral(e) || e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword || e.kind === ts.SyntaxKind.NullKeyword) {
      const lit = literalValue(e);
      return lit.ok ? { kind: "literal", value: lit.value } : undefined;
    }
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e)) {
      return this.expr(e.expression, scope);
    }
    if (ts.isPropertyAccessExpression(e)) {
      const base = this.expr(e.expression, scope);
      if (!base && this.isSideEffect(e)) this.sideEffect(e);
      return this.field(base, e.name.getText(), e.name, scope);
    }
    if (ts.isElementAccessExpression(e)) {
      const base = this.expr(e.expression, scope);
      const arg = e.argumentExpression;
      if (arg) this.valueUse(arg, scope, "used as an index");
      if (isRefLike(base)) {
        if (arg && isStringLike(arg)) return this.field(base, arg.text, arg, scope);
        this.misuse(e, base, "indexed");
      }
      return undefined;
    }
    if (ts.isCallExpression(e)) return this.call(e, scope);
    if (ts.isNewExpression(e)) {
      const callee = e.expression;
      const args = e.arguments ?? [];
      if (ts.isIdentifier(callee) && callee.getText() === "Date" && args.length === 0 && !this.quiet) {
        this.report(e, "warning", "FS009", "new Date() in a workflow body reads the clock when the graph is built, not when tasks run — pass the time as a param or read it inside a task");
      }
      for (const a of args) this.valueUse(a, scope, "passed to a constructor");
      return undefined;
    }
    if (ts.isAwaitExpression(e)) {
      const v = this.expr(e.expression, scope);
      if (isRefLike(v)) this.misuse(e, v, "awaited");
      else if (!this.quiet) this.report(e, "error", "FS004", "await in a workflow body: the body only wires tasks and runs before any of them — await inside a task");
      return undefined;
    }
    if (ts.isBinaryExpression(e)) {
      const op = e.operatorToken.kind;
      const left = e.left;
      const right = e.right;
      if (op === ts.SyntaxKind.EqualsToken) {
        const v = this.expr(right, scope);
        if (ts.isIdentifier(left)) {
          const decl = symbolAt(this.host.checker, left)?.declarations?.[0];
          if (decl) this.env.set(decl, v);
        } else {
          const target = this.expr(left, scope);
          if (isRefLike(target)) this.misuse(left, target, "assigned to");
        }
        return v;
      }
      const verb =
        op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken
          ? "branched on (in a logical expression)"
          : op >= ts.SyntaxKind.LessThanToken && op <= ts.SyntaxKind.ExclamationEqualsEqualsToken
            ? "compared"
            : op === ts.SyntaxKind.InKeyword || op === ts.SyntaxKind.InstanceOfKeyword
              ? "tested with in/instanceof"
              : op === ts.SyntaxKind.CommaToken
                ? undefined
                : op === ts.SyntaxKind.PlusToken && (isStringish(left) || isStringish(right))
                  ? "put into a string (concatenated)"
                  : "computed with";
      const l = this.expr(left, scope);
      const r = this.expr(right, scope);
      if (verb) {
        if (isRefLike(l)) this.misuse(left, l, verb);
        if (isRefLike(r)) this.misuse(right, r, verb);
      }
      return op === ts.SyntaxKind.CommaToken ? r : undefined;
    }
    if (ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) {
      const v = this.expr(e.operand, scope);
      if (isRefLike(v)) {
        const isNot = ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken;
        this.misuse(e.operand, v, isNot ? "branched on (negated)" : "computed with");
      }
      return undefined;
    }
    if (ts.isTypeOfExpression(e) || ts.isVoidExpression(e) || ts.isDeleteExpression(e)) {
      const v = this.expr(e.expression, scope);
      if (isRefLike(v)) this.misuse(e, v, "inspected");
      return undefined;
    }
    if (ts.isConditionalExpression(e)) {
      this.condition(e.condition, scope, "branched on (in a ?: condition)");
      const a = this.expr(e.whenTrue, scope);
      const b = this.expr(e.whenFalse, scope);
      return a ?? b;
    }
    if (ts.isTemplateExpression(e)) {
      for (const span of e.templateSpans) {
        const v = this.expr(span.expression, scope);
        if (isRefLike(v)) this.misuse(span.expression, v, "put into a string");
      }
      return undefined;
    }
    if (ts.isTaggedTemplateExpression(e)) {
      this.expr(e.tag, scope);
      this.expr(e.template, scope);
      return undefined;
    }
    if (ts.isSpreadElement(e)) {
      const v = this.expr(e.expression, scope);
      if (isRefLike(v)) this.misuse(e, v, "spread");
      return undefined;
    }
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) {
      // Calls inside callbacks still run while the graph is built (e.g. [...].map(x => t(x))).
      this.walkCallback(e, scope, 1);
      return undefined;
    }
    if (ts.isObjectLiteralExpression(e) || ts.isArrayLiteralExpression(e)) {
      // A literal that is not a call input: references inside it are used.
      this.literal(e, scope, (v) => this.markUsed(v));
      const lit = literalValue(e);
      return lit.ok ? { kind: "literal", value: lit.value } : undefined;
    }
    ts.forEachChild(e, (c) => {
      if (isExpressionNode(c)) this.expr(c, scope);
    });
    return undefined;
  }

  private lookup(id: ts.Identifier): Value {
    const symbol = symbolAt(this.host.checker, id);
    for (const decl of symbol?.declarations ?? []) {
      if (this.env.has(decl)) return this.env.get(decl);
    }
    // A shorthand property `{ rows }` resolves to the property; its value symbol is the variable.
    const parent = id.parent;
    if (parent && ts.isShorthandPropertyAssignment(parent)) {
      const value = this.host.checker.getShorthandAssignmentValueSymbol(parent);
      for (const decl of value?.declarations ?? []) if (this.env.has(decl)) return this.env.get(decl);
    }
    return undefined;
  }

  /** `base.name`: a field of a reference (checking the output exists), of a sub-flow, or a param. */
  private field(base: Value, name: string, at: ts.Node, _scope: Scope): Value {
    if (!base) return undefined;
    if (base.kind === "params") return { kind: "param", name, workflow: base.workflow };
    if (base.kind === "param") {
      // A field of an object param is a reference too; anything else (`url.length`) reads its value.
      if (!this.paramHasField(at, name)) {
        this.misuse(at.parent ?? at, base, `read (.${name})`);
        return undefined;
      }
      return { kind: "param", name: `${base.name}.${name}`, workflow: base.workflow };
    }
    if (base.kind === "literal") return undefined;
    if (base.kind === "sub") {
      this.usedSubflows.add(base.id);
      if (!base.outputs.has(name)) {
        if (!this.quiet && base.outputs.size > 0) {
          const have = [...base.outputs.keys()];
          this.report(at, "error", "FS005", `sub-flow ${base.workflow} has no output "${name}"${hintOf(name, have)}; it returns ${have.join(", ")}`);
        }
        return undefined;
      }
      return base.outputs.get(name);
    }
    // A reference: check the field exists on the upstream output type.
    const checker = this.host.checker;
    let type: ts.Type | undefined;
    if (base.type && !isOpaque(base.type)) {
      type = fieldType(checker, base.type, name, at);
      if (!type && !this.quiet) {
        const have = fieldNames(checker, base.type);
        const where = [base.node, ...base.path].join(".");
        this.report(at, "error", "FS005", `${where} has no output "${name}"${hintOf(name, have)}${have.length ? `; ${base.path.length ? "it has" : `task ${base.task} produces`} ${have.join(", ")}` : ""}`);
      }
    }
    return { kind: "ref", node: base.node, path: [...base.path, name], task: base.task, ...(type ? { type } : {}) };
  }

  private condition(e: ts.Node, scope: Scope, verb: string): void {
    const v = this.expr(e, scope);
    if (isRefLike(v)) this.misuse(e, v, verb);
  }

  /** An expression whose value is used as a plain value (not wired): references are misused. */
  private valueUse(e: ts.Node, scope: Scope, verb: string): void {
    const v = this.expr(e, scope);
    if (isRefLike(v) || v?.kind === "sub") this.misuse(e, v, verb);
  }

  /** Walk an object/array literal, reporting each reference found inside it to `onRef`. */
  private literal(e: ts.Node, scope: Scope, onRef: (v: Value, at: ts.Node) => void): void {
    if (ts.isObjectLiteralExpression(e)) {
      for (const p of e.properties) {
        if (ts.isPropertyAssignment(p)) {
          const init = p.initializer;
          if (ts.isObjectLiteralExpression(init) || ts.isArrayLiteralExpression(init)) this.literal(init, scope, onRef);
          else {
            const v = this.expr(init, scope);
            if (v) onRef(v, init);
          }
        } else if (ts.isShorthandPropertyAssignment(p)) {
          const v = this.expr(p.name, scope);
          if (v) onRef(v, p);
        } else if (ts.isSpreadAssignment(p)) {
          const v = this.expr(p.expression, scope);
          if (isRefLike(v)) this.misuse(p, v, "spread");
        }
      }
    } else if (ts.isArrayLiteralExpression(e)) {
      for (const el of e.elements) {
        if (ts.isObjectLiteralExpression(el) || ts.isArrayLiteralExpression(el)) this.literal(el, scope, onRef);
        else {
          const v = this.expr(el, scope);
          if (v) onRef(v, el);
        }
      }
    }
  }

  // ---- calls ---------------------------------------------------------------------------------

  /** Walk a callback's body `times` times (once per element of a literal array it maps over). */
  private walkCallback(fn: ts.Node, scope: Scope, times: number): void {
    if (!isFunctionLike(fn)) return;
    const body = fn.body;
    this.inCallback++;
    try {
      for (let i = 0; i < times; i++) {
        if (ts.isBlock(body)) for (const st of body.statements) this.statement(st, scope, new Map());
        else this.expr(body, scope);
      }
    } finally {
      this.inCallback--;
    }
  }

  private call(e: ts.CallExpression, scope: Scope): Value {
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
    const def = this.host.resolve(callee);
    if (def && !this.usedDefs.has(def.call)) {
      this.usedDefs.set(def.call, { kind: def.kind, name: def.name, call: def.call, site: this.quiet ? (this.topSite ?? e) : e });
    }
    if (def?.kind === "task") return this.taskCall(e, def, scope);
    if (def?.kind === "workflow") return this.subflowCall(e, def, scope);
    // Any other function: evaluate its callee and arguments; references may not flow into it.
    if (!this.quiet && this.isSideEffect(callee)) this.sideEffect(e);
    const base = ts.isPropertyAccessExpression(callee) ? this.expr(callee.expression, scope) : this.expr(callee, scope);
    if (isRefLike(base)) this.misuse(callee, base, "called or used as an object");
    for (const a of e.arguments) {
      const name = calleeName(callee);
      this.valueUse(a, scope, `passed to ${name ? `${name}(), which is not a task` : "a function that is not a task"}`);
    }
    return undefined;
  }

  private nextId(base: string, alias: string | undefined, scope: Scope, at: ts.Node): string {
    if (alias !== undefined) {
      const id = scope.prefix + alias;
      if ((this.nodeIds.has(id) || scope.counts.has(alias)) && !this.quiet) {
        this.report(at, "error", "FS007", `two nodes have the id "${id}" in this workflow; give one of them another alias`);
      }
      scope.counts.set(alias, Math.max(1, scope.counts.get(alias) ?? 0));
      return this.uniqueId(id);
    }
    const n = (scope.counts.get(base) ?? 0) + 1;
    scope.counts.set(base, n);
    const id = scope.prefix + (n === 1 ? base : `${base}#${n}`);
    if (this.nodeIds.has(id) && !this.quiet) {
      this.report(at, "error", "FS007", `two nodes have the id "${id}" in this workflow; give this call an alias with { as: "..." }`);
    }
    return this.uniqueId(id);
  }

  /** Keep graph ids unique even after a reported duplicate, so later analysis stays sane. */
  private uniqueId(id: string): string {
    if (!this.nodeIds.has(id)) return id;
    let i = 2;
    while (this.nodeIds.has(`${id}~${i}`)) i++;
    return `${id}~${i}`;
  }

  private callOptions(e: ts.CallExpression, scope: Scope): string | undefined {
    const opt = e.arguments[1];
    if (!opt) return undefined;
    if (!ts.isObjectLiteralExpression(opt)) {
      this.expr(opt, scope);
      return undefined;
    }
    const asProp = propertyNamed(opt, "as");
    if (asProp && ts.isPropertyAssignment(asProp)) {
      const init = asProp.initializer;
      if (isStringLike(init)) {
        const alias = init.text;
        if (!ID_PATTERN.test(alias) && !this.quiet) {
          this.report(init, "error", "FS007", `node alias "${alias}" must start with a letter or _ and use only letters, digits, _ . -`);
        }
        return alias;
      }
      const v = this.expr(init, scope);
      if (isRefLike(v)) this.misuse(init, v, "used as a node alias");
    }
    return undefined;
  }

  private taskCall(e: ts.CallExpression, def: TaskDef, scope: Scope): Value {
    const checker = this.host.checker;
    const other = this.taskByName.get(def.name);
    if (other && other !== def.call && !this.quiet) {
      this.report(e.expression, "error", "FS007", `two different tasks are named "${def.name}" in this workflow; give one of them another name`);
    }
    this.taskByName.set(def.name, def.call);
    // Arguments are evaluated before the call: nested task calls get their ids first.
    const inputArg = e.arguments[0];
    const given = new Map<string, { value: Value; at: ts.Node; nameNode: ts.Node; valueNode: ts.Node; nested: { value: Value; at: ts.Node }[] }>();
    let hasSpread = false;
    if (inputArg && ts.isObjectLiteralExpression(inputArg)) {
      for (const p of inputArg.properties) {
        if (ts.isPropertyAssignment(p)) {
          const init = p.initializer;
          const nested: { value: Value; at: ts.Node }[] = [];
          let value: Value;
          if (ts.isObjectLiteralExpression(init) || ts.isArrayLiteralExpression(init)) this.literal(init, scope, (v, at) => nested.push({ value: v, at }));
          else value = this.expr(init, scope);
          given.set(propertyKey(p), { value, at: p, nameNode: p.name, valueNode: init, nested });
        } else if (ts.isShorthandPropertyAssignment(p)) {
          given.set(p.name.getText(), { value: this.expr(p.name, scope), at: p, nameNode: p.name, valueNode: p.name, nested: [] });
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
    const alias = this.callOptions(e, scope);
    const id = this.nextId(def.name, alias, scope, e);
    this.nodeIds.add(id);
    this.callOf.set(id, e);

    const props = def.fn ? taskInputProps(checker, def.fn) : undefined;
    const deps: string[] = [];
    const refInputs: StaticNode["refInputs"] = {};
    /** Inputs whose value is known statically (literals, params with defaults). */
    const valueInputs: Record<string, unknown> = {};
    const addEdge = (v: Extract<Value, { kind: "ref" }>, input: string, at: ts.Node, nameNode: ts.Node) => {
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
      });
    };
    for (const [name, g] of given) {
      const prop = props?.get(name);
      if (props && !prop && !this.quiet) {
        const names = [...props.keys()];
        this.report(g.nameNode, "error", "FS001", `task ${def.name} has no input "${name}"${hintOf(name, names)}${names.length ? `; its inputs are ${names.join(", ")}` : "; it takes no inputs"}`);
      }
      if (isRef(g.value)) {
        addEdge(g.value, name, g.valueNode, g.nameNode);
        refInputs[name] = { node: g.value.node, path: g.value.path };
        if (prop && g.value.type && !this.quiet) this.checkFit(g.value, prop, def, id, g.valueNode);
      } else if (g.value?.kind === "sub") {
        for (const out of g.value.outputs.values()) if (isRef(out)) addEdge(out, name, g.valueNode, g.nameNode);
      } else if (g.value?.kind === "literal") {
        valueInputs[name] = g.value.value;
        if (!this.quiet) this.checkJsonValue(g.valueNode, name, `node ${id}`);
      } else if (g.value?.kind === "param") {
        // A workflow param: its value is whatever the last run was given, which the store knows
        // and the code does not. The editor shows the last run's statuses for its params.
      } else {
        if (!g.nested.length) {
          const lit = literalValue(g.valueNode);
          if (lit.ok) valueInputs[name] = lit.value;
        }
        for (const n of g.nested) {
          if (isRef(n.value)) addEdge(n.value, name, n.at, g.nameNode);
          else if (n.value?.kind === "sub") this.misuse(n.at, n.value, "nested in an input");
        }
        if (!this.quiet && g.nested.length === 0) this.checkJsonValue(g.valueNode, name, `node ${id}`);
      }
    }
    if (props && !hasSpread && !this.quiet) {
      const missing = [...props.values()].filter((p) => !p.optional && !given.has(p.name) && !acceptsUndefined(p.type));
      if (missing.length) {
        const target = inputArg ?? e;
        this.report(target, "error", "FS002", `node ${id} does not pass ${missing.length === 1 ? "input" : "inputs"} ${missing.map((m) => `"${m.name}"`).join(", ")} that task ${def.name} needs (${missing.map((m) => `${m.name}: ${typeText(checker, m.type)}`).join(", ")})`);
      }
    }
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
      ...(hasSpread ? {} : { inputNames: [...given.keys()] }),
    });
    const outType = def.fn ? taskOutputTypeCached(checker, def.fn) : undefined;
    if (outType && (outType.flags & (ts.TypeFlags.Void | ts.TypeFlags.Undefined) || (!isOpaque(outType) && checker.getPropertiesOfType(outType).length === 0))) {
      this.effectOnly.add(id);
    }
    if (this.inCallback > 0) this.used.add(id);
    return { kind: "ref", node: id, path: [], task: def.name, ...(outType ? { type: outType } : {}) };
  }

  private checkFit(v: Extract<Value, { kind: "ref" }>, prop: InputProp, def: TaskDef, id: string, at: ts.Node): void {
    const checker = this.host.checker;
    if (!v.type || fits(checker, v.type, prop.type)) return;
    const from = [v.node, ...v.path].join(".");
    this.report(
      at,
      "error",
      "FS003",
      `${from} is ${typeText(checker, v.type, at)}, but input "${prop.name}" of node ${id} (task ${def.name}) expects ${typeText(checker, prop.type, at)}`,
    );
  }

  private checkJsonValue(valueNode: ts.Node, input: string, where: string): void {
    const checker = this.host.checker;
    let type: ts.Type;
    try {
      type = checker.getTypeAtLocation(valueNode);
    } catch {
      return;
    }
    const reason = nonJsonReason(checker, type);
    if (reason) {
      this.report(valueNode, "error", "FS006", `input "${input}" of ${where} is ${reason}, which is not JSON; inputs are hashed and stored as JSON`);
    }
  }

  private subflowCall(e: ts.CallExpression, def: WorkflowDef, scope: Scope): Value {
    if (scope.stack.some((d) => d.call === def.call)) {
      if (!this.quiet || scope.stack[0]!.call === def.call) {
        // At the call in this workflow's own body that leads into the cycle: the call closing it
        // may be in another file (a.ts's workflow calls b.ts's, which calls a.ts's), and each
        // file shows its own diagnostics.
        const at = this.quiet ? (this.topSite ?? e) : e;
        const cycle = [...scope.stack, def];
        this.report(at, "error", "FS008", `workflow ${cycleName(def, cycle)} calls itself through ${cycle.map((d) => cycleName(d, cycle)).join(" → ")}; sub-flows must not form a cycle`);
      }
      return undefined;
    }
    const inputArg = e.arguments[0];
    const given = new Map<string, Value>();
    const known = new Set(def.params.map((p) => p.name));
    if (inputArg && ts.isObjectLiteralExpression(inputArg)) {
      for (const p of inputArg.properties) {
        let name: string | undefined;
        let value: Value;
        let at: ts.Node = p;
        if (ts.isPropertyAssignment(p)) {
          name = propertyKey(p);
          const init = p.initializer;
          value = this.expr(init, scope);
          at = p.name;
          if (!value && !this.quiet) this.checkJsonValue(init, name, `sub-flow ${def.name}`);
        } else if (ts.isShorthandPropertyAssignment(p)) {
          name = p.name.getText();
          value = this.expr(p.name, scope);
        } else if (ts.isSpreadAssignment(p)) {
          const v = this.expr(p.expression, scope);
          if (isRefLike(v)) this.misuse(p, v, "spread into a call");
          continue;
        }
        if (name === undefined) continue;
        if (def.params.length && !known.has(name) && !this.quiet) {
          this.report(at, "error", "FS011", `sub-flow ${def.name} has no param "${name}"${hintOf(name, [...known])}; its params are ${[...known].join(", ")}`);
        }
        given.set(name, value);
        this.markUsed(value);
      }
    } else if (inputArg) {
      this.valueUse(inputArg, scope, "passed as a whole params object");
    }
    if (!this.quiet) {
      const missing = def.params.filter((p) => p.required && !given.has(p.name));
      if (missing.length) this.report(inputArg ?? e, "error", "FS002", `sub-flow ${def.name} needs param${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m.name}"`).join(", ")}`);
    }
    const alias = this.callOptions(e, scope);
    const id = this.nextId(def.idName, alias, scope, e);
    this.nodeIds.add(id);
    for (const p of def.params) if (!given.has(p.name)) given.set(p.name, { kind: "param", name: p.name, workflow: def.name });
    const outerSite = this.topSite;
    if (!this.quiet) this.topSite = e;
    this.quiet++;
    let outputs: Map<string, Value>;
    try {
      outputs = this.walkWorkflow(def, { prefix: `${id}/`, ids: [...scope.ids, id], counts: new Map(), stack: [...scope.stack, def] }, given);
    } finally {
      this.quiet--;
      this.topSite = outerSite;
    }
    // Nodes of the sub-flow count as used when the sub-flow's outputs are.
    const inner = this.nodes.filter((n) => n.id.startsWith(`${id}/`)).map((n) => n.id);
    this.subflowNodes.set(id, { call: e, nodes: inner });
    return { kind: "sub", id, workflow: def.name, outputs };
  }

  // ---- reporting -----------------------------------------------------------------------------

  /** Does the param whose field `at` names have such a field in its type? (Unknown types: yes.) */
  private paramHasField(at: ts.Node, name: string): boolean {
    const access = at.parent;
    if (!access || !(ts.isPropertyAccessExpression(access) || ts.isElementAccessExpression(access))) return true;
    try {
      const type = this.host.checker.getTypeAtLocation(access.expression);
      if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return true;
      return this.host.checker.getPropertyOfType(this.host.checker.getApparentType(type), name) !== undefined;
    } catch {
      return true;
    }
  }

  private markUsed(v: Value): void {
    if (isRef(v)) this.used.add(v.node);
    else if (v?.kind === "sub") {
      this.usedSubflows.add(v.id);
      for (const o of v.outputs.values()) this.markUsed(o);
    }
  }

  private misuse(at: ts.Node, v: Value, verb: string): void {
    // Its outputs are used, wrongly: FS004 says so, FS010 ("nothing uses its outputs") would not be true.
    this.markUsed(v);
    if (this.quiet) return;
    if (v?.kind === "param") {
      this.report(at, "error", "FS004", `the param ${v.name} is ${verb} in workflow ${v.workflow}'s body; params are references while the graph is built, like task outputs (the graph must not depend on their values) — pass it to a task input and do this inside the task`);
      return;
    }
    const what = isRef(v) ? `the reference ${[v.node, ...v.path].join(".")}` : v?.kind === "sub" ? `the outputs of sub-flow ${v.workflow}` : "a reference";
    this.report(at, "error", "FS004", `${what} is ${verb} in a workflow body; it is not a value until the node runs — pass it to a task input and do this inside the task`);
  }

  private isSideEffect(callee: ts.Node): boolean {
    const checker = this.host.checker;
    if (ts.isIdentifier(callee)) {
      if (SIDE_EFFECT_GLOBALS.has(callee.getText()) && !this.lookup(callee)) return isGlobalOrNode(checker, callee);
      return declaredInNodeIo(checker, callee);
    }
    if (ts.isPropertyAccessExpression(callee)) {
      const obj = callee.expression;
      const name = callee.name.getText();
      if (ts.isIdentifier(obj)) {
        const o = obj.getText();
        if (o === "Math" && name === "random") return true;
        if (o === "Date" && name === "now") return true;
        if (o in SIDE_EFFECT_OBJECTS && isGlobalOrNode(checker, obj)) return true;
      }
      return declaredInNodeIo(checker, callee);
    }
    return false;
  }

  private sideEffect(e: ts.Node): void {
    if (this.quiet) return;
    const text = e.getText().split("(")[0]!.slice(0, 60);
    const obj = text.split(".")[0]!;
    const what = SIDE_EFFECT_OBJECTS[obj] ?? (text === "Math.random" ? "draws randomness" : text === "Date.now" ? "reads the clock" : "does I/O");
    this.report(e, "warning", "FS009", `${text}() in a workflow body ${what} when the graph is built, not when tasks run — move it into a task`);
  }

  private report(at: ts.Node, severity: FlowDiagnostic["severity"], code: string, message: string, unnecessary = false): void {
    const sf = at.getSourceFile();
    this.diagnostics.push({ file: sf.fileName, range: rangeOf(at, sf), severity, code, message, ...(unnecessary ? { unnecessary } : {}) });
  }
}

function isRef(v: Value): v is Extract<Value, { kind: "ref" }> {
  return v?.kind === "ref";
}

/** A node's output or a workflow param: both are references while the body runs, not values. */
function isRefLike(v: Value): v is Extract<Value, { kind: "ref" | "param" }> {
  return v?.kind === "ref" || v?.kind === "param";
}

/** A string literal or template: `+` with it builds a string. */
function isStringish(e: ts.Node): boolean {
  return isStringLike(e) || ts.isTemplateExpression(e);
}

function acceptsUndefined(type: ts.Type): boolean {
  if (type.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Void)) return true;
  return type.isUnion() && type.types.some((t) => (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) !== 0);
}

function hintOf(word: string, candidates: string[]): string {
  const guess = didYouMean(word, candidates);
  return guess ? ` (did you mean "${guess}"?)` : "";
}

function calleeName(callee: ts.Node): string | undefined {
  const text = callee.getText();
  return text.length <= 40 ? text : undefined;
}

/** A workflow's name in a cycle message; `file.ts#name` when two workflows of the cycle share a name (as the engine says it). */
function cycleName(def: WorkflowDef, cycle: WorkflowDef[]): string {
  const twin = cycle.some((d) => d.call !== def.call && d.name === def.name);
  return twin ? `${def.file.replace(/^.*[\\/]/, "")}#${def.name}` : def.name;
}

/** A global (lib.d.ts / @types/node) rather than something the file declares. */
function isGlobalOrNode(checker: ts.TypeChecker, id: ts.Node): boolean {
  try {
    const decls = checker.getSymbolAtLocation(id)?.declarations ?? [];
    if (decls.length === 0) return true;
    return decls.every((d) => {
      const f = d.getSourceFile().fileName;
      return /[\\/]typescript[\\/]lib[\\/]|[\\/]@types[\\/]node[\\/]|lib\.[\w.]+\.d\.ts$/.test(f);
    });
  } catch {
    return false;
  }
}

const NODE_IO_SPECIFIERS = /^(node:)?(fs|fs\/promises|child_process|http|https|http2|net|dgram|dns|os|worker_threads|readline|tls|cluster)$/;

function declaredInNodeIo(checker: ts.TypeChecker, callee: ts.Node): boolean {
  try {
    // `fs.readFileSync` / `readFileSync` imported from node:fs, even when @types/node is absent.
    const base = ts.isPropertyAccessExpression(callee) ? callee.expression : callee;
    for (const decl of (ts.isIdentifier(base) ? checker.getSymbolAtLocation(base)?.declarations : undefined) ?? []) {
      const imp = ancestorOfKind(decl, ts.isImportDeclaration);
      if (imp && isStringLike(imp.moduleSpecifier) && NODE_IO_SPECIFIERS.test(imp.moduleSpecifier.text)) return true;
    }
    let symbol = checker.getSymbolAtLocation(callee);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol) ?? symbol;
    return (symbol?.declarations ?? []).some((d) => NODE_IO_MODULES.test(d.getSourceFile().fileName));
  } catch {
    return false;
  }
}

/** Output types per checker: a new program (after an edit) gets a new checker and fresh types. */
const outputTypesByChecker = new WeakMap<ts.TypeChecker, WeakMap<ts.Node, ts.Type | null>>();
function taskOutputTypeCached(checker: ts.TypeChecker, fn: ts.ArrowFunction | ts.FunctionExpression): ts.Type | undefined {
  let outputTypes = outputTypesByChecker.get(checker);
  if (!outputTypes) outputTypesByChecker.set(checker, (outputTypes = new WeakMap()));
  if (!outputTypes.has(fn)) {
    let type: ts.Type | undefined;
    resolveEnclosingCall(checker, fn);
    const sig = checker.getSignatureFromDeclaration(fn);
    if (sig) {
      const ret = checker.getReturnTypeOfSignature(sig);
      type = checker.getAwaitedType(ret) ?? ret;
    }
    outputTypes.set(fn, type ?? null);
  }
  return outputTypes.get(fn) ?? undefined;
}
