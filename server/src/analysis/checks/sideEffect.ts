/** FS009 side-effect-in-workflow: I/O, time or randomness in a workflow body (it runs when the graph is built). */
import { ts } from "@ts-morph/common";
import { ancestorOfKind, isStringLike } from "../syntax.js";
import type { CheckRule } from "./rule.js";

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
const NODE_IO_SPECIFIERS = /^(node:)?(fs|fs\/promises|child_process|http|https|http2|net|dgram|dns|os|worker_threads|readline|tls|cluster)$/;

export const sideEffect: CheckRule = {
  meta: { code: "FS009", name: "side-effect-in-workflow", severity: "warning", syntax: true },
  create: (context) => ({
    plainCall(call) {
      if (!isSideEffect(context.checker, call.callee, call.calleeIsFlowValue)) return;
      const text = call.at.getText().split("(")[0]!.slice(0, 60);
      const obj = text.split(".")[0]!;
      const what = SIDE_EFFECT_OBJECTS[obj] ?? (text === "Math.random" ? "draws randomness" : text === "Date.now" ? "reads the clock" : "does I/O");
      context.report(call.at, `${text}() in a workflow body ${what} when the graph is built, not when tasks run — move it into a task`);
    },
    construct(e) {
      const callee = e.at.expression;
      if (ts.isIdentifier(callee) && callee.getText() === "Date" && (e.at.arguments ?? []).length === 0) {
        context.report(e.at, "new Date() in a workflow body reads the clock when the graph is built, not when tasks run — pass the time as a param or read it inside a task");
      }
    },
  }),
};

function isSideEffect(checker: ts.TypeChecker, callee: ts.Node, calleeIsFlowValue: boolean): boolean {
  if (ts.isIdentifier(callee)) {
    if (SIDE_EFFECT_GLOBALS.has(callee.getText()) && !calleeIsFlowValue) return isGlobalOrNode(checker, callee);
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
