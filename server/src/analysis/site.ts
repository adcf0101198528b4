/**
 * One place in a flow file as the editor features ask about it (completion, code actions): the
 * workflow whose body holds it, walked again with the file's own tree and checker, and the
 * innermost syntax node there. It is the walk the checks read (walk/), so a completion, a quick fix
 * and a diagnostic never disagree about what a name in a body is bound to. Internal to the
 * analysis: what leaves it is plain data (scope.ts, taskCalls.ts, fixFacts.ts).
 */
import { ts } from "@ts-morph/common";
import type { FileDefinitions, TaskDef, WorkflowDef } from "./definitions.js";
import type { Position, Range } from "./model.js";
import { offsetsToRange } from "./ranges.js";
import { safe } from "./syntax.js";
import { walkWorkflow } from "./walk/calls.js";
import type { DynamicFunction, GraphHost, WalkedWorkflow } from "./walk/model.js";

export interface WorkflowSite {
  sourceFile: ts.SourceFile;
  checker: ts.TypeChecker;
  workflow: WorkflowDef;
  walked: WalkedWorkflow;
  /** The place, as an offset in `sourceFile`. */
  offset: number;
  /** The task or workflow a callee names (the analysis' own resolution). */
  resolve: GraphHost["resolve"];
}

/** What site.ts needs from the analysis: a file's tree and checker, and its definitions. */
export interface SiteHost {
  typed(file: string): { sourceFile: ts.SourceFile; checker: ts.TypeChecker } | undefined;
  definitions(sf: ts.SourceFile, checker: ts.TypeChecker): FileDefinitions;
  resolve(callee: ts.Node, checker: ts.TypeChecker): TaskDef | WorkflowDef | undefined;
  /** The dynamic-shape function of the SDK a callee names (map, each, when, asset). */
  sdk?(callee: ts.Node, checker: ts.TypeChecker): DynamicFunction | undefined;
}

/** The workflow whose body holds `position` in `file`, walked; undefined outside every workflow body. */
export function workflowSiteAt(host: SiteHost, file: string, position: Position): WorkflowSite | undefined {
  const typed = host.typed(file);
  if (!typed) return undefined;
  const { sourceFile, checker } = typed;
  const offset = offsetAt(sourceFile, position);
  if (offset === undefined) return undefined;
  const definitions = host.definitions(sourceFile, checker);
  // The innermost workflow whose function holds the place (a workflow defined inside another's body is rare, but possible).
  let workflow: WorkflowDef | undefined;
  for (const { resolved } of definitions.ordered) {
    const fn = resolved.kind === "workflow" ? resolved.fn : undefined;
    if (!fn || offset < fn.getStart(sourceFile) || offset > fn.getEnd()) continue;
    if (!workflow?.fn || fn.getStart(sourceFile) >= workflow.fn.getStart(sourceFile)) workflow = resolved as WorkflowDef;
  }
  if (!workflow) return undefined;
  const resolve = (callee: ts.Node) => host.resolve(callee, checker);
  const sdk = (callee: ts.Node) => host.sdk?.(callee, checker);
  const walked = safe(() => walkWorkflow({ checker, resolve, sdk }, workflow));
  return walked ? { sourceFile, checker, workflow, walked, offset, resolve } : undefined;
}

/** An LSP position as an offset in the file's text; undefined when it is past the file's lines. */
export function offsetAt(sf: ts.SourceFile, position: Position): number | undefined {
  const starts = sf.getLineStarts();
  const { line, character } = position;
  if (!Number.isInteger(line) || !Number.isInteger(character) || line < 0 || character < 0 || line >= starts.length) return undefined;
  const lineEnd = line + 1 < starts.length ? starts[line + 1]! - 1 : sf.text.length;
  return Math.min(starts[line]! + character, lineEnd);
}

/** The innermost node whose text (trivia excluded) holds `offset`, its end included: where the cursor is. */
export function nodeAt(sf: ts.SourceFile, offset: number): ts.Node {
  let node: ts.Node = sf;
  for (let depth = 0; depth < 1000; depth++) {
    let next: ts.Node | undefined;
    // The first child holding the offset wins (at `a,|` that is `a`); empty nodes (a missing name) hold nothing.
    ts.forEachChild(node, (child) => {
      if (!next && child.getEnd() > child.getStart(sf) && child.getStart(sf) <= offset && offset <= child.getEnd()) next = child;
    });
    if (!next) return node;
    node = next;
  }
  return node;
}

/** A node's range, for plain data. */
export function rangeIn(sf: ts.SourceFile, node: ts.Node): Range {
  return offsetsToRange(sf, node.getStart(sf), node.getEnd());
}

/** Does `node` start at `range.start` and end at `range.end`? (A diagnostic's range names the node it was reported on.) */
export function spans(sf: ts.SourceFile, node: ts.Node, range: Range): boolean {
  const r = rangeIn(sf, node);
  return r.start.line === range.start.line && r.start.character === range.start.character && r.end.line === range.end.line && r.end.character === range.end.character;
}
