/**
 * Quick fixes on Flowsmith's diagnostics (DESIGN.md, "Editor features"): did-you-mean for FS001 and
 * FS005, add the missing inputs (or a sub-flow's params) for FS002 (wired to the one fitting reference when there is one),
 * return or remove an unused node for FS010, and "Extract into a task" for the computation FS004
 * flags (a quick fix on the diagnostic, a refactor.extract on a selection). Each fix is recomputed
 * from the analysis at the diagnostic's range (analysis/fixFacts.ts, extraction.ts): a squiggle that
 * no longer matches the code gets no fix.
 */
import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic, type Position, type Range, type TextEdit } from "vscode-languageserver/node";
import { extractionsAt, type Extraction } from "../analysis/extraction.js";
import { fixFactsFor, type MissingInputsFix, type UnusedNodeFix } from "../analysis/fixFacts.js";
import { uriToPath } from "../convert.js";
import { caughtUp, type EditorContext, type EditorFeature } from "./context.js";
import { extractEdits } from "./extractTask.js";

export const codeActions: EditorFeature = {
  capabilities: { codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorExtract], resolveProvider: false } },
  register(connection, context) {
    connection.onCodeAction((params) => context.guard("code actions", [], () => actionsFor(context, params)));
  },
};

function actionsFor(context: EditorContext, params: CodeActionParams): CodeAction[] {
  const uri = params.textDocument.uri;
  const file = uriToPath(uri);
  const analysis = file ? context.analysisOf(file) : undefined;
  if (!file || !analysis || !caughtUp(context, uri, file)) return [];
  const text = analysis.project.readText(file) ?? "";
  const lines = text.split(/\r?\n/);
  const edit = (edits: TextEdit[]) => ({ changes: { [uri]: edits } });
  const actions: CodeAction[] = [];
  const extracted = new Set<string>();
  const extraction = (x: Extraction, kind: string, diagnostics?: Diagnostic[]): CodeAction => ({
    title: `Extract into a task (${x.taskName})`,
    kind,
    ...(diagnostics ? { diagnostics } : {}),
    edit: edit(extractEdits(x)),
  });
  for (const d of params.context.diagnostics ?? []) {
    if (d.source !== "flowsmith" || typeof d.code !== "string" || !d.range) continue;
    const site = analysis.workflowSiteAt(file, d.range.start);
    if (!site) continue;
    if (d.code === "FS004") {
      const x = extractionsAt(site, d.range).find((e) => e.flagged.some((r) => sameRange(r, d.range)));
      if (x && !extracted.has(key(x.range))) {
        extracted.add(key(x.range));
        actions.push(extraction(x, CodeActionKind.QuickFix, [d]));
      }
      continue;
    }
    const facts = fixFactsFor(site, d.code, d.range);
    if (!facts) continue;
    if (facts.code === "FS001" || facts.code === "FS005") {
      actions.push({
        title: `Change "${facts.name}" to "${facts.suggestion}"`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: edit([{ range: facts.range, newText: facts.shorthand ? `${facts.suggestion}: ${facts.name}` : facts.suggestion }]),
      });
    } else if (facts.code === "FS002") {
      actions.push(missingInputs(facts, d, lines, edit));
    } else if (facts.code === "FS010") {
      actions.push(...unusedNode(facts, d, lines, edit));
    }
  }
  // On a selection (or the cursor) in a flagged computation: the same extraction as a refactoring.
  const site = analysis.workflowSiteAt(file, params.range.start);
  for (const x of site ? extractionsAt(site, params.range) : []) {
    if (!extracted.has(key(x.range))) actions.push(extraction(x, CodeActionKind.RefactorExtract));
  }
  const only = params.context.only;
  return only?.length ? actions.filter((a) => only.some((k) => a.kind === k || a.kind?.startsWith(`${k}.`))) : actions;
}

type EditOf = (edits: TextEdit[]) => CodeAction["edit"];

function missingInputs(facts: MissingInputsFix, d: Diagnostic, lines: string[], edit: EditOf): CodeAction {
  const entries = facts.inputs.map((i) => (i.value === i.name ? i.name : `${i.name}: ${i.value}`));
  const wired = facts.inputs.filter((i) => i.wired).map((i) => i.value);
  const names = facts.inputs.map((i) => `"${i.name}"`).join(", ");
  return {
    title: `Add missing ${facts.kind === "task" ? "input" : "param"}${facts.inputs.length > 1 ? "s" : ""} ${names}${wired.length ? ` (wired to ${wired.join(", ")})` : ""}`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [d],
    isPreferred: true,
    edit: edit([facts.object ? addToObject(facts.object.range, facts.object.properties, entries, lines) : insert(facts.openParen, `{ ${entries.join(", ")} }`)]),
  };
}

function unusedNode(facts: UnusedNodeFix, d: Diagnostic, lines: string[], edit: EditOf): CodeAction[] {
  const actions: CodeAction[] = [];
  const name = facts.variable ?? facts.freshName;
  const returns = facts.returns;
  const bindable = facts.variable !== undefined || facts.statement?.expressionStatement;
  if (returns && bindable && !(returns.kind === "object" && returns.names.includes(name))) {
    const edits: TextEdit[] = [];
    if (!facts.variable && facts.statement) edits.push(insert(facts.statement.range.start, `const ${name} = `));
    if (returns.kind === "object") edits.push(addToObject(returns.object, returns.properties, [name], lines));
    else {
      const line = lines[returns.closeBrace.line] ?? "";
      const ownLine = line.slice(0, returns.closeBrace.character).trim() === "";
      const indent = indentOf(lines[d.range.start.line] ?? "");
      edits.push(ownLine ? insert({ line: returns.closeBrace.line, character: 0 }, `${indent}return { ${name} };\n`) : insert(returns.closeBrace, ` return { ${name} }; `));
    }
    actions.push({ title: `Return node ${facts.node} from the workflow`, kind: CodeActionKind.QuickFix, diagnostics: [d], edit: edit(edits) });
  }
  if (facts.statement) {
    actions.push({ title: `Remove node ${facts.node}`, kind: CodeActionKind.QuickFix, diagnostics: [d], edit: edit([{ range: wholeLines(facts.statement.range, lines), newText: "" }]) });
  }
  return actions;
}

/** Entries added to an object literal: inside `{}`, or after its last property (one a line when it spans lines). */
function addToObject(object: Range, properties: Range[], entries: string[], lines: string[]): TextEdit {
  const last = properties[properties.length - 1];
  if (!last) return { range: object, newText: `{ ${entries.join(", ")} }` };
  if (object.start.line === object.end.line) return insert(last.end, entries.map((e) => `, ${e}`).join(""));
  const indent = indentOf(lines[last.start.line] ?? "");
  return insert(last.end, entries.map((e) => `,\n${indent}${e}`).join(""));
}

/** A statement's range grown to its whole lines when nothing else is on them (no blank line is left behind). */
function wholeLines(range: Range, lines: string[]): Range {
  const first = lines[range.start.line] ?? "";
  const last = lines[range.end.line] ?? "";
  if (first.slice(0, range.start.character).trim() || last.slice(range.end.character).trim()) return range;
  return { start: { line: range.start.line, character: 0 }, end: { line: range.end.line + 1, character: 0 } };
}

function insert(at: Position, newText: string): TextEdit {
  return { range: { start: at, end: at }, newText };
}

function indentOf(line: string): string {
  return /^\s*/.exec(line)![0];
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

function key(r: Range): string {
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}
