/**
 * The walk through a workflow's body statement by statement: the names it binds, what it returns,
 * the conditions it branches on, and the callbacks whose calls still run while the graph is built.
 */
import { ts } from "@ts-morph/common";
import type { WorkflowDef } from "../definitions.js";
import { hasModifier, isExpressionNode, isFunctionLike, isStatementNode, propertyKey } from "../syntax.js";
import { ExpressionWalk } from "./expressions.js";
import { isRefLike, type Value } from "./model.js";
import type { Scope } from "./state.js";

export abstract class StatementWalk extends ExpressionWalk {
  /**
   * Walk a workflow's body; returns what it returns, by output name. `given`: the params a sub-flow
   * call passes (undefined for the top workflow, whose params are references).
   */
  protected walkBody(def: WorkflowDef, scope: Scope, given: Map<string, Value> | undefined): Map<string, Value> {
    const fn = def.fn;
    if (!isFunctionLike(fn)) return new Map();
    if (hasModifier(fn, ts.SyntaxKind.AsyncKeyword)) this.fact({ kind: "asyncBody", at: fn, workflow: def.name });
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

  protected walkCallback(fn: ts.Node, scope: Scope, times: number): void {
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

  protected statement(stmt: ts.Node, scope: Scope, returned: Map<string, Value>): void {
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
        const field = this.field(value, key, el);
        this.bindName(el.name, el, field, scope);
      }
      return;
    }
    if (ts.isArrayBindingPattern(nameNode) && isRefLike(value)) this.misuse(nameNode, value, "iterated (destructured as an array)");
  }

  /** What a return statement returns, by output name (`""` for a non-object return). */
  protected returnValues(expr: ts.Node, scope: Scope): Map<string, Value> {
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
}
