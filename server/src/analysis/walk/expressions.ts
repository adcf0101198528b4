/**
 * The walk through expressions: what each evaluates to (a node's output, a param, a sub-flow's
 * outputs, a literal, or a plain value it does not follow), and where a reference is used as a value.
 * Calls and callbacks are the layers above (calls.ts, statements.ts).
 */
import { ts } from "@ts-morph/common";
import { literalValue } from "../params.js";
import { isExpressionNode, isStringLike, symbolAt } from "../syntax.js";
import { fieldType, isOpaque } from "../types.js";
import { isRefLike, type Value } from "./model.js";
import { WalkState, type Scope } from "./state.js";

export abstract class ExpressionWalk extends WalkState {
  private depth = 0;

  /** A call: a task's node, a sub-flow, or any other function. */
  protected abstract call(e: ts.CallExpression, scope: Scope): Value;

  /** Walk a callback's body `times` times (once per element of a literal array it maps over). */
  protected abstract walkCallback(fn: ts.Node, scope: Scope, times: number): void;

  protected expr(e: ts.Node, scope: Scope): Value {
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
      if (!base) this.fact({ kind: "plainCall", at: e, callee: e, calleeIsFlowValue: false });
      return this.field(base, e.name.getText(), e.name);
    }
    if (ts.isElementAccessExpression(e)) {
      const base = this.expr(e.expression, scope);
      const arg = e.argumentExpression;
      if (arg) this.valueUse(arg, scope, "used as an index");
      if (isRefLike(base)) {
        if (arg && isStringLike(arg)) return this.field(base, arg.text, arg);
        this.misuse(e, base, "indexed");
      }
      return undefined;
    }
    if (ts.isCallExpression(e)) return this.call(e, scope);
    if (ts.isNewExpression(e)) {
      this.fact({ kind: "construct", at: e });
      for (const a of e.arguments ?? []) this.valueUse(a, scope, "passed to a constructor");
      return undefined;
    }
    if (ts.isAwaitExpression(e)) {
      const v = this.expr(e.expression, scope);
      if (isRefLike(v)) this.misuse(e, v, "awaited");
      else this.fact({ kind: "await", at: e });
      return undefined;
    }
    if (ts.isBinaryExpression(e)) return this.binary(e, scope);
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

  private binary(e: ts.BinaryExpression, scope: Scope): Value {
    const op = e.operatorToken.kind;
    const left = e.left;
    const right = e.right;
    if (op === ts.SyntaxKind.EqualsToken) {
      const v = this.expr(right, scope);
      if (ts.isIdentifier(left)) {
        const decl = symbolAt(this.checker, left)?.declarations?.[0];
        if (decl) this.env.set(decl, v);
      } else {
        const target = this.expr(left, scope);
        if (isRefLike(target)) this.misuse(left, target, "assigned to");
      }
      return v;
    }
    const how =
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
    if (how) {
      if (isRefLike(l)) this.misuse(left, l, how);
      if (isRefLike(r)) this.misuse(right, r, how);
    }
    return op === ts.SyntaxKind.CommaToken ? r : undefined;
  }

  /** `base.name`: a field of a reference (noting an output it does not have), of a sub-flow, or a param. */
  protected field(base: Value, name: string, at: ts.Node): Value {
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
        this.fact({ kind: "unknownOutput", at, name, of: base });
        return undefined;
      }
      return base.outputs.get(name);
    }
    if (base.kind !== "ref") return undefined;
    if (base.fields && base.path.length === 0) {
      // A map's lists or a when's branch outputs: the fields the walk gave it.
      if (!base.fields.has(name)) {
        this.fact({ kind: "unknownOutput", at, name, of: base });
        return undefined;
      }
      const t = base.fields.get(name);
      return { kind: "ref", node: base.node, path: [name], task: base.task, ...(t ? { type: t } : {}) };
    }
    // A reference: the field's type on the upstream output type, when that type lists fields.
    let type: ts.Type | undefined;
    if (base.type && !isOpaque(base.type)) {
      type = fieldType(this.checker, base.type, name, at);
      if (!type) this.fact({ kind: "unknownOutput", at, name, of: base });
    }
    return { kind: "ref", node: base.node, path: [...base.path, name], task: base.task, ...(type ? { type } : {}) };
  }

  /** Does the param whose field `at` names have such a field in its type? (Unknown types: yes.) */
  private paramHasField(at: ts.Node, name: string): boolean {
    const access = at.parent;
    if (!access || !(ts.isPropertyAccessExpression(access) || ts.isElementAccessExpression(access))) return true;
    try {
      const type = this.checker.getTypeAtLocation(access.expression);
      if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return true;
      return this.checker.getPropertyOfType(this.checker.getApparentType(type), name) !== undefined;
    } catch {
      return true;
    }
  }

  protected condition(e: ts.Node, scope: Scope, how: string): void {
    const v = this.expr(e, scope);
    if (isRefLike(v)) this.misuse(e, v, how);
  }

  /** An expression whose value is used as a plain value (not wired): references are misused. */
  protected valueUse(e: ts.Node, scope: Scope, how: string): void {
    const v = this.expr(e, scope);
    if (isRefLike(v) || v?.kind === "sub") this.misuse(e, v, how);
  }

  /** Walk an object/array literal, giving each reference found inside it to `onRef`. */
  protected literal(e: ts.Node, scope: Scope, onRef: (v: Value, at: ts.Node) => void): void {
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
}

/** A string literal or template: `+` with it builds a string. */
function isStringish(e: ts.Node): boolean {
  return isStringLike(e) || ts.isTemplateExpression(e);
}
