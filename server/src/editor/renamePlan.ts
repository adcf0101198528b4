/**
 * What renaming a flow-level name changes, before any edit is made: the new name checked (a node
 * id the engine accepts), the node ids it changes in every workflow of the workspace, and the
 * clashes that would make a workflow invalid (two tasks with one name, two nodes with one id) —
 * which refuse the rename instead of leaving FS007 behind. Plain data; rename.ts makes the edits.
 */
import * as path from "node:path";
import type { FlowAnalysis, Range, StaticNode, WorkflowInfo } from "../analysis/index.js";
import { callSiteOf, type FlowNameAt } from "../analysis/symbols.js";
import type { EditorContext } from "./context.js";
import { everyWorkflow } from "./referencesWorkspace.js";

/** What the engine accepts as a node id's part (graph/builder.ts checks aliases with the same). */
export const NAME_PATTERN = /^[A-Za-z_][\w.-]*$/;

/** A node id that changes: in workflow `target` (relative to `root`, as the store and the CLI name it). */
export interface NodeIdChange {
  root: string;
  target: string;
  from: string;
  to: string;
}

/** A flow-level name being renamed, as plain data: what every participant (renameParticipants.ts) edits from. */
export interface FlowRename {
  kind: "task" | "workflow" | "alias";
  from: string;
  to: string;
  /** The file and range of the string that writes the name (without its quotes). */
  written: { file: string; range: Range };
  /** For a task or workflow: where it is defined (its `task()`/`workflow()` call). */
  definition?: { file: string; range: Range; exportName: string };
  /** Node ids that change with it, in every workflow of the workspace. */
  nodeIds: NodeIdChange[];
}

const sameRange = (a: Range, b: Range) =>
  a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;

/** The scope prefix of a node (`stats/` inside the sub-flow `stats`), and the id within it. */
function local(id: string, scope: string[]): { prefix: string; name: string } {
  const prefix = scope.length ? `${scope[scope.length - 1]}/` : "";
  return { prefix, name: id.slice(prefix.length) };
}

/** Every id a workflow holds per scope prefix: its nodes' and its sub-flow calls'. */
function idsByScope(nodes: StaticNode[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (prefix: string, name: string) => {
    let set = out.get(prefix);
    if (!set) out.set(prefix, (set = new Set()));
    set.add(name);
  };
  for (const n of nodes) {
    const own = local(n.id, n.scope);
    add(own.prefix, own.name);
    n.scope.forEach((s, i) => {
      const l = local(s, n.scope.slice(0, i));
      add(l.prefix, l.name);
    });
  }
  return out;
}

/** `name`, or `name#2`…, renamed: the part a base name gives (undefined when `id` does not come from `base`). */
function renamedBase(id: string, base: string, to: string): string | undefined {
  if (id === base) return to;
  if (id.startsWith(`${base}#`) && /^#\d+$/.test(id.slice(base.length))) return to + id.slice(base.length);
  return undefined;
}

const rel = (a: FlowAnalysis, file: string) => path.relative(a.storeRoot, file) || file;

/**
 * The ids a workflow would hold after `changes` (old id → new id within `prefix`): refused when one
 * is taken already, or when the new base already names other nodes in that scope (their `#2`
 * numbering would merge).
 */
function clash(a: FlowAnalysis, wf: WorkflowInfo, changes: { prefix: string; from: string; to: string }[], base: string): string | undefined {
  const taken = idsByScope(wf.nodes);
  for (const c of changes) taken.get(c.prefix)?.delete(c.from);
  for (const c of changes) {
    const ids = taken.get(c.prefix) ?? new Set<string>();
    const other = [...ids].find((id) => id === c.to || renamedBase(id, base, base) !== undefined);
    if (other !== undefined) return `workflow ${wf.name} (${rel(a, wf.file)}) already has a node "${c.prefix}${other}"; the rename would give two nodes one id`;
  }
  return undefined;
}

/** Plan the rename of what `at` names to `to`; a string says why it is refused. */
export function planRename(context: EditorContext, at: FlowNameAt, to: string): FlowRename | string {
  if (!NAME_PATTERN.test(to)) {
    return `"${to}" is not a valid name: node ids start with a letter or _ and use only letters, digits, _ . and - (no spaces, "/" or "#")`;
  }
  if (at.kind === "alias") return planAlias(context, at, to);
  const def = at.definition;
  if (at.via !== "nameString" || !def.nameString) {
    return `${def.kind} ${def.idName}'s name is the name it is exported under: rename the variable with TypeScript's rename`;
  }
  const from = def.idName;
  const rename: FlowRename = {
    kind: def.kind,
    from,
    to,
    written: { file: def.file, range: def.nameString },
    definition: { file: def.file, range: def.range, exportName: def.name },
    nodeIds: [],
  };
  if (from === to) return rename;
  for (const { analysis, workflow: wf } of everyWorkflow(context)) {
    const changes: { prefix: string; from: string; to: string }[] = [];
    if (def.kind === "task") {
      const other = wf.nodes.find((n) => n.task === to && !(n.taskFile === def.file && n.task === from));
      const mine = wf.nodes.filter((n) => n.taskFile === def.file && n.task === from);
      if (!mine.length) continue;
      if (other) return `workflow ${wf.name} (${rel(analysis, wf.file)}) already calls a task named "${to}" (node ${other.id}); two tasks in one workflow cannot share a name`;
      for (const n of mine) {
        const l = local(n.id, n.scope);
        const renamed = renamedBase(l.name, from, to);
        if (renamed === undefined || callSiteOf(analysis, n)?.alias) continue; // an alias is the node's id
        changes.push({ prefix: l.prefix, from: l.name, to: renamed });
      }
    } else {
      changes.push(...subflowIds(context, wf, def.file, def.name, from, to));
    }
    const why = clash(analysis, wf, changes, to);
    if (why) return why;
    for (const c of changes) rename.nodeIds.push({ root: analysis.storeRoot, target: analysis.targetOf(wf), from: c.prefix + c.from, to: c.prefix + c.to });
  }
  if (def.kind === "task") {
    const owner = context.analysisOf(def.file);
    const same = owner?.analyzeFile(def.file).tasks.find((t) => t.name === to && !sameRange(t.range, def.range));
    if (same) return `${path.basename(def.file)} already defines a task named "${to}" (line ${same.range.start.line + 1})`;
  }
  return rename;
}

/**
 * The sub-flow scopes a workflow's calls of workflow `name` (file `file`) make, renamed: a scope
 * whose id comes from `from` and whose nodes are that workflow's own.
 */
function subflowIds(context: EditorContext, wf: WorkflowInfo, file: string, name: string, from: string, to: string): { prefix: string; from: string; to: string }[] {
  const sub = context.analysisOf(file)?.analyzeFile(file).workflows.find((w) => w.name === name);
  if (!sub || (wf.file === file && wf.name === name)) return [];
  const own = new Set(sub.nodes.map((n) => (n.scope.length ? n.scope[0]! : n.id)));
  const out = new Map<string, { prefix: string; from: string; to: string }>();
  for (const n of wf.nodes) {
    n.scope.forEach((s, i) => {
      const l = local(s, n.scope.slice(0, i));
      const renamed = renamedBase(l.name, from, to);
      if (renamed === undefined) return;
      // Only scopes made by a call of this workflow: the nodes directly inside are its own.
      const inner = local(i + 1 < n.scope.length ? n.scope[i + 1]! : n.id, n.scope.slice(0, i + 1)).name;
      if (own.has(inner)) out.set(s, { prefix: l.prefix, from: l.name, to: renamed });
    });
  }
  return [...out.values()];
}

/** An alias names one node (or one sub-flow call's scope) in the workflows its call is part of. */
function planAlias(context: EditorContext, at: Extract<FlowNameAt, { kind: "alias" }>, to: string): FlowRename | string {
  const rename: FlowRename = { kind: "alias", from: at.alias, to, written: { file: at.file, range: at.range }, nodeIds: [] };
  if (at.alias === to) return rename;
  for (const { analysis, workflow: wf } of everyWorkflow(context)) {
    const changes: { prefix: string; from: string; to: string }[] = [];
    const node = wf.nodes.find((n) => n.file === at.file && sameRange(n.range, at.call));
    if (node) {
      const l = local(node.id, node.scope);
      if (l.name === at.alias) changes.push({ prefix: l.prefix, from: l.name, to });
    } else if (wf.file === at.file && contains(wf.range, at.call)) {
      // A sub-flow call in this workflow's own body: its scope at the top.
      if (wf.nodes.some((n) => n.scope[0] === at.alias)) changes.push({ prefix: "", from: at.alias, to });
    }
    if (!changes.length) continue;
    const why = clash(analysis, wf, changes, to);
    if (why) return why;
    for (const c of changes) rename.nodeIds.push({ root: analysis.storeRoot, target: analysis.targetOf(wf), from: c.prefix + c.from, to: c.prefix + c.to });
  }
  return rename;
}

function contains(outer: Range, inner: Range): boolean {
  const before = (a: Range["start"], b: Range["start"]) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}
