/**
 * What the syntax pass (syntaxPass.ts) knows without a program: which declaration a name in a file
 * is bound to, found by the scopes around it (as the binder would), and `syntaxChecker`, the few
 * questions the walk and the syntax-safe checks ask a type checker, answered from syntax alone.
 * Anything else asked of it throws (the pass then says nothing early about that workflow): an
 * answer it cannot be sure of is never given.
 */
import { ts } from "@ts-morph/common";
import { isFunctionLike } from "./syntax.js";
import { NON_JSON_CLASSES } from "./types.js";

/** The declaration `id` names in its file, or undefined when nothing in the file declares it (a global). */
export function bindingOf(id: ts.Identifier): ts.Node | undefined {
  const name = id.text;
  for (let node: ts.Node | undefined = id.parent, from: ts.Node = id; node; from = node, node = node.parent) {
    const found = declaredIn(node, name, from);
    if (found) return found;
  }
  return undefined;
}

function declaredIn(scope: ts.Node, name: string, from: ts.Node): ts.Node | undefined {
  if (ts.isSourceFile(scope) || ts.isBlock(scope) || ts.isModuleBlock(scope) || ts.isCaseClause(scope) || ts.isDefaultClause(scope)) {
    const statements = scope.statements;
    const hoists = ts.isSourceFile(scope) || (ts.isBlock(scope) && isFunctionLikeNode(scope.parent));
    for (const st of statements) {
      const d = declaredByStatement(st, name, ts.isSourceFile(scope));
      if (d) return d;
    }
    // `var` anywhere in a function body (outside nested functions) is the function's.
    if (hoists) for (const st of statements) {
      const d = hoistedVar(st, name);
      if (d) return d;
    }
    return undefined;
  }
  if (isFunctionLikeNode(scope)) {
    // Parameters are seen from the body and from later parameters' defaults.
    if (from !== scope.name) for (const p of scope.parameters) {
      const d = inBinding(p.name, name, p);
      if (d) return d;
    }
    if ((ts.isFunctionExpression(scope)) && scope.name?.text === name) return scope;
    return undefined;
  }
  if (ts.isClassExpression(scope) && scope.name?.text === name) return scope;
  if ((ts.isForStatement(scope) || ts.isForOfStatement(scope) || ts.isForInStatement(scope)) && scope.initializer && ts.isVariableDeclarationList(scope.initializer)) {
    for (const d of scope.initializer.declarations) {
      const found = inBinding(d.name, name, d);
      if (found) return found;
    }
  }
  if (ts.isCatchClause(scope) && scope.variableDeclaration) return inBinding(scope.variableDeclaration.name, name, scope.variableDeclaration);
  return undefined;
}

function isFunctionLikeNode(n: ts.Node | undefined): n is ts.SignatureDeclaration & { name?: ts.PropertyName } {
  return !!n && (isFunctionLike(n) || ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n));
}

function declaredByStatement(st: ts.Statement, name: string, topLevel: boolean): ts.Node | undefined {
  if (ts.isVariableStatement(st)) {
    for (const d of st.declarationList.declarations) {
      const found = inBinding(d.name, name, d);
      if (found) return found;
    }
  } else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) && st.name?.text === name) {
    return st;
  } else if (topLevel && ts.isImportDeclaration(st) && st.importClause && !st.importClause.isTypeOnly) {
    const clause = st.importClause;
    if (clause.name?.text === name) return clause;
    const nb = clause.namedBindings;
    if (nb && ts.isNamespaceImport(nb) && nb.name.text === name) return nb;
    if (nb && ts.isNamedImports(nb)) return nb.elements.find((e) => !e.isTypeOnly && e.name.text === name);
  } else if (topLevel && ts.isImportEqualsDeclaration(st) && st.name.text === name) {
    return st;
  }
  return undefined;
}

function hoistedVar(node: ts.Node, name: string): ts.Node | undefined {
  if (isFunctionLikeNode(node) || ts.isClassLike(node)) return undefined;
  if (ts.isVariableDeclarationList(node) && !(node.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))) {
    for (const d of node.declarations) {
      const found = inBinding(d.name, name, d);
      if (found) return found;
    }
  }
  return ts.forEachChild(node, (c) => hoistedVar(c, name));
}

/** The declaration of `name` in a binding (an identifier: `decl` itself; a pattern: the element). */
function inBinding(binding: ts.BindingName, name: string, decl: ts.Node): ts.Node | undefined {
  if (ts.isIdentifier(binding)) return binding.text === name ? decl : undefined;
  for (const el of binding.elements) {
    if (ts.isOmittedExpression(el)) continue;
    if (ts.isIdentifier(el.name)) {
      if (el.name.text === name) return el;
    } else {
      const found = inBinding(el.name, name, el);
      if (found) return found;
    }
  }
  return undefined;
}

/** The import declaration a binding comes from, if it is an import. */
export function importOf(decl: ts.Node | undefined): ts.ImportDeclaration | undefined {
  for (let n = decl; n; n = n.parent) {
    if (ts.isImportDeclaration(n)) return n;
    if (ts.isStatement(n) || ts.isSourceFile(n)) return undefined;
  }
  return undefined;
}

// ---- the syntax checker ----------------------------------------------------------------------

/** A type as the syntax checker knows it (the fields the walk and the checks read). */
interface SyntaxType {
  flags: ts.TypeFlags;
  props: ts.Symbol[];
  symbolName?: string;
  getCallSignatures(): readonly unknown[];
  getSymbol(): { getName(): string; name: string; flags: ts.SymbolFlags } | undefined;
  isUnion(): boolean;
}

function syntaxType(flags: ts.TypeFlags, opts: { props?: string[]; symbolName?: string; callable?: boolean } = {}): SyntaxType {
  const props = (opts.props ?? []).map((name) => ({ name, flags: 0, declarations: [] }) as unknown as ts.Symbol);
  const symbol = opts.symbolName ? { getName: () => opts.symbolName!, name: opts.symbolName, flags: 0 as ts.SymbolFlags } : undefined;
  return { flags, props, getCallSignatures: () => (opts.callable ? [{}] : []), getSymbol: () => symbol, isUnion: () => false };
}

const ANY = syntaxType(ts.TypeFlags.Any);
const VOID = syntaxType(ts.TypeFlags.Void);

/**
 * A task function's output as syntax tells it: the fields of the one object literal it returns,
 * or VOID — "run for its effect", which makes FS010 say nothing — when that is not plain to see.
 */
function outputTypeOf(fn: ts.Node): SyntaxType {
  if (!isFunctionLike(fn) || fn.type || fn.asteriskToken) return VOID;
  const returned: ts.Expression[] = [];
  if (ts.isBlock(fn.body)) {
    const visit = (n: ts.Node): void => {
      if (isFunctionLikeNode(n) || ts.isClassLike(n)) return;
      if (ts.isReturnStatement(n)) returned.push(n.expression ?? ts.factory.createVoidZero());
      ts.forEachChild(n, visit);
    };
    ts.forEachChild(fn.body, visit);
  } else {
    returned.push(fn.body);
  }
  if (returned.length !== 1) return VOID;
  let e = returned[0]!;
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  if (!ts.isObjectLiteralExpression(e)) return VOID;
  const names: string[] = [];
  for (const p of e.properties) {
    if (ts.isSpreadAssignment(p) || !p.name || ts.isComputedPropertyName(p.name)) return VOID;
    names.push(p.name.getText().replace(/^["']|["']$/g, ""));
  }
  return names.length ? syntaxType(ts.TypeFlags.Object, { props: names }) : VOID;
}

/** The type of an expression, for the few forms whose JSON-ness syntax tells exactly (FS006); else any. */
function expressionType(node: ts.Node): SyntaxType {
  let e = node;
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  if (ts.isBigIntLiteral(e)) return syntaxType(ts.TypeFlags.BigIntLiteral);
  if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return syntaxType(ts.TypeFlags.Object, { callable: true });
  if (ts.isNewExpression(e) && ts.isIdentifier(e.expression) && NON_JSON_CLASSES.has(e.expression.text) && !bindingOf(e.expression) && !e.typeArguments) {
    return syntaxType(ts.TypeFlags.Object, { symbolName: e.expression.text });
  }
  return ANY;
}

/** Thrown for a question the syntax checker cannot answer: the pass says nothing early about that workflow. */
export class NeedsTypes extends Error {}

function symbolOf(decl: ts.Node | undefined, name: string): ts.Symbol | undefined {
  return decl ? ({ name, escapedName: name, flags: 0, declarations: [decl] } as unknown as ts.Symbol) : undefined;
}

/** A stand-in for the type checker in the syntax pass: bindings by scope, types from syntax (see above). */
export function syntaxChecker(): ts.TypeChecker {
  const answers: Partial<Record<keyof ts.TypeChecker, unknown>> = {
    getSymbolAtLocation: (node: ts.Node) => (ts.isIdentifier(node) ? symbolOf(bindingOf(node), node.text) : undefined),
    getShorthandAssignmentValueSymbol: (node: ts.Node) => (node && ts.isShorthandPropertyAssignment(node) ? symbolOf(bindingOf(node.name), node.name.text) : undefined),
    getTypeAtLocation: (node: ts.Node) => expressionType(node),
    getApparentType: (t: SyntaxType) => t,
    getAwaitedType: (t: SyntaxType) => t,
    getPropertyOfType: (t: SyntaxType, name: string) => t.props.find((p) => p.name === name),
    getPropertiesOfType: (t: SyntaxType) => t.props,
    getTypeOfSymbol: () => ANY,
    getSignatureFromDeclaration: (fn: ts.Node) => ({ fn }),
    getReturnTypeOfSignature: (sig: { fn: ts.Node }) => outputTypeOf(sig.fn),
    isArrayType: () => false,
    isTupleType: () => false,
  };
  return new Proxy({} as ts.TypeChecker, {
    get(_, key: string) {
      if (key in answers) return answers[key as keyof ts.TypeChecker];
      return () => {
        throw new NeedsTypes(`the syntax pass cannot answer ${key}`);
      };
    },
  });
}
