/**
 * Small helpers over compiler nodes (the analysis walks `ts.Node`s directly: a ts-morph wrapper
 * per visited node cost more than the walk itself). Names are read as written (`getText()`), as
 * the wrappers' `getName()` did.
 */
import { ts } from "@ts-morph/common";

/** The property `name` of an object literal (`{ name: … }`, `{ name }`, a method…), if any. */
export function propertyNamed(obj: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralElementLike | undefined {
  return obj.properties.find((p) => !ts.isSpreadAssignment(p) && p.name !== undefined && p.name.getText() === name);
}

/** The name of a property assignment as a key: quotes of a string-literal name dropped. */
export function propertyKey(p: ts.PropertyAssignment | ts.ShorthandPropertyAssignment): string {
  return p.name.getText().replace(/^["']|["']$/g, "");
}

export function isStringLike(node: ts.Node): node is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);
}

export function isFunctionLike(node: ts.Node | undefined): node is ts.ArrowFunction | ts.FunctionExpression {
  return node !== undefined && (ts.isArrowFunction(node) || ts.isFunctionExpression(node));
}

export function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node)?.some((m) => m.kind === kind) ?? false);
}

/** The symbol a node names, or undefined (also when the checker throws on broken code). */
export function symbolAt(checker: ts.TypeChecker, node: ts.Node): ts.Symbol | undefined {
  try {
    return checker.getSymbolAtLocation(node);
  } catch {
    return undefined;
  }
}

/** What `fn` returns, or undefined when it throws (the checker can, on half-typed code). */
export function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** The nearest ancestor of a kind. */
export function ancestorOfKind<T extends ts.Node>(node: ts.Node, test: (n: ts.Node) => n is T): T | undefined {
  for (let p = node.parent; p; p = p.parent) if (test(p)) return p;
  return undefined;
}

/** ts-morph's `Node.isStatement`: the kinds a fallback walk treats as statements. */
const STATEMENT_KINDS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.Block, ts.SyntaxKind.BreakStatement, ts.SyntaxKind.ClassDeclaration, ts.SyntaxKind.ContinueStatement,
  ts.SyntaxKind.DebuggerStatement, ts.SyntaxKind.DoStatement, ts.SyntaxKind.EmptyStatement, ts.SyntaxKind.EnumDeclaration,
  ts.SyntaxKind.ExportAssignment, ts.SyntaxKind.ExportDeclaration, ts.SyntaxKind.ExpressionStatement, ts.SyntaxKind.ForInStatement,
  ts.SyntaxKind.ForOfStatement, ts.SyntaxKind.ForStatement, ts.SyntaxKind.FunctionDeclaration, ts.SyntaxKind.IfStatement,
  ts.SyntaxKind.ImportDeclaration, ts.SyntaxKind.ImportEqualsDeclaration, ts.SyntaxKind.InterfaceDeclaration,
  ts.SyntaxKind.LabeledStatement, ts.SyntaxKind.ModuleBlock, ts.SyntaxKind.ModuleDeclaration, ts.SyntaxKind.NotEmittedStatement,
  ts.SyntaxKind.ReturnStatement, ts.SyntaxKind.SwitchStatement, ts.SyntaxKind.ThrowStatement, ts.SyntaxKind.TryStatement,
  ts.SyntaxKind.TypeAliasDeclaration, ts.SyntaxKind.VariableStatement, ts.SyntaxKind.WhileStatement, ts.SyntaxKind.WithStatement,
]);

/** ts-morph's `Node.isExpression`: the kinds a fallback walk treats as expressions. */
const EXPRESSION_KINDS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.AnyKeyword, ts.SyntaxKind.BooleanKeyword, ts.SyntaxKind.NumberKeyword, ts.SyntaxKind.ObjectKeyword,
  ts.SyntaxKind.StringKeyword, ts.SyntaxKind.SymbolKeyword, ts.SyntaxKind.UndefinedKeyword, ts.SyntaxKind.ArrayLiteralExpression,
  ts.SyntaxKind.ArrowFunction, ts.SyntaxKind.AsExpression, ts.SyntaxKind.AwaitExpression, ts.SyntaxKind.BigIntLiteral,
  ts.SyntaxKind.BinaryExpression, ts.SyntaxKind.CallExpression, ts.SyntaxKind.ClassExpression, ts.SyntaxKind.CommaListExpression,
  ts.SyntaxKind.ConditionalExpression, ts.SyntaxKind.DeleteExpression, ts.SyntaxKind.ElementAccessExpression,
  ts.SyntaxKind.FalseKeyword, ts.SyntaxKind.FunctionExpression, ts.SyntaxKind.Identifier, ts.SyntaxKind.ImportKeyword,
  ts.SyntaxKind.JsxClosingFragment, ts.SyntaxKind.JsxElement, ts.SyntaxKind.JsxExpression, ts.SyntaxKind.JsxFragment,
  ts.SyntaxKind.JsxOpeningElement, ts.SyntaxKind.JsxOpeningFragment, ts.SyntaxKind.JsxSelfClosingElement,
  ts.SyntaxKind.MetaProperty, ts.SyntaxKind.NewExpression, ts.SyntaxKind.NonNullExpression,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral, ts.SyntaxKind.NullKeyword, ts.SyntaxKind.NumericLiteral,
  ts.SyntaxKind.ObjectLiteralExpression, ts.SyntaxKind.OmittedExpression, ts.SyntaxKind.ParenthesizedExpression,
  ts.SyntaxKind.PartiallyEmittedExpression, ts.SyntaxKind.PostfixUnaryExpression, ts.SyntaxKind.PrefixUnaryExpression,
  ts.SyntaxKind.PropertyAccessExpression, ts.SyntaxKind.RegularExpressionLiteral, ts.SyntaxKind.SatisfiesExpression,
  ts.SyntaxKind.SpreadElement, ts.SyntaxKind.StringLiteral, ts.SyntaxKind.SuperKeyword, ts.SyntaxKind.TaggedTemplateExpression,
  ts.SyntaxKind.TemplateExpression, ts.SyntaxKind.ThisKeyword, ts.SyntaxKind.TrueKeyword, ts.SyntaxKind.TypeAssertionExpression,
  ts.SyntaxKind.TypeOfExpression, ts.SyntaxKind.VoidExpression, ts.SyntaxKind.YieldExpression,
]);

export function isStatementNode(node: ts.Node): node is ts.Statement {
  return STATEMENT_KINDS.has(node.kind);
}

export function isExpressionNode(node: ts.Node): node is ts.Expression {
  return EXPRESSION_KINDS.has(node.kind);
}
