/**
 * The type each edge of a workflow carries — the upstream output's type, field by field, as the
 * walk types it (`cleaned.rows` → `Row[]`) — for the editor's inlay hints. Asked per file, on demand.
 */
import { ts } from "@ts-morph/common";
import { definitionOfCallee } from "./discover.js";
import type { FlowAnalysis } from "./index.js";
import type { StaticEdge, StaticNode, WorkflowInfo } from "./model.js";
import { isFunctionLike, safe } from "./syntax.js";
import { callSiteOf } from "./symbols.js";
import { fieldType, isOpaque, taskInputProps, taskOutputType, typeText } from "./types.js";

export interface TypedEdge {
  edge: StaticEdge;
  /** The type as TypeScript prints it (`Row[]`). */
  type: string;
}

/** The task function a node's call resolves to, and the checker of the program it was found in (compositions' types use it too). */
export function taskFunction(analysis: FlowAnalysis, node: StaticNode): { fn: ts.ArrowFunction | ts.FunctionExpression; checker: ts.TypeChecker } | undefined {
  const typed = analysis.project.typed(node.file);
  const site = callSiteOf(analysis, node);
  if (!typed || !site) return undefined;
  const { sourceFile: sf, checker } = typed;
  const start = sf.getPositionOfLineAndCharacter(site.callee.start.line, site.callee.start.character);
  let callee: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (callee || start < n.getStart(sf) || start >= n.getEnd()) return;
    if (ts.isIdentifier(n) && n.getStart(sf) === start) {
      callee = n;
      return;
    }
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(sf, visit);
  const def = callee && safe(() => definitionOfCallee(checker, callee!));
  const fn = def?.call.arguments.find(isFunctionLike);
  return fn ? { fn, checker } : undefined;
}

/** Each edge of `wf` whose input is in `file`, with the type it carries (where it can be told). */
export function edgeTypes(analysis: FlowAnalysis, wf: WorkflowInfo, file: string): TypedEdge[] {
  const byId = new Map(wf.nodes.map((n) => [n.id, n]));
  const out: TypedEdge[] = [];
  for (const edge of wf.edges) {
    if (edge.inputRange?.file !== file) continue;
    // An edge from a map or when node carries the type the walk gave it (lists, branch outputs).
    const type = edge.type ?? safe(() => outputType(analysis, byId.get(edge.from), edge.output)) ?? safe(() => inputType(analysis, byId.get(edge.to), edge.input));
    if (type) out.push({ edge, type });
  }
  return out;
}

/** The type of `node`'s output at `path` (`rows`, `model.slope`, or "" for the whole output). */
function outputType(analysis: FlowAnalysis, node: StaticNode | undefined, path: string): string | undefined {
  const found = node && taskFunction(analysis, node);
  if (!found) return undefined;
  const { fn, checker } = found;
  let type = taskOutputType(checker, fn);
  for (const field of path ? path.split(".") : []) {
    if (!type || isOpaque(type)) return undefined;
    type = fieldType(checker, type, field, fn);
  }
  return type ? typeText(checker, type) : undefined;
}

/** The declared type of `node`'s input `name` (when the output's type cannot be told). */
function inputType(analysis: FlowAnalysis, node: StaticNode | undefined, name: string): string | undefined {
  const found = node && taskFunction(analysis, node);
  const prop = found && taskInputProps(found.checker, found.fn)?.get(name);
  return prop ? typeText(found.checker, prop.type) : undefined;
}
