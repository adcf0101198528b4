/**
 * Completion in workflow bodies (DESIGN.md, "Editor features"): in a task call's input object the
 * task's inputs (in a sub-flow call's, its params), each with its type, and the references in scope
 * that fit each one ranked first (type-directed wiring); after `ref.`, the outputs of the node it names. A thin view over
 * analysis/taskCalls.ts; everywhere else it answers nothing and TypeScript's completion stands.
 */
import { CompletionItemKind, CompletionTriggerKind, MarkupKind, type CompletionItem, type CompletionList, type CompletionParams } from "vscode-languageserver/node";
import type { CompletionPlace, InputFacts, TaskCallFacts } from "../analysis/taskCalls.js";
import { completionPlaceAt } from "../analysis/taskCalls.js";
import type { RankedReference } from "../analysis/scope.js";
import { uriToPath } from "../convert.js";
import { caughtUp, type EditorContext, type EditorFeature } from "./context.js";

/**
 * `.` for outputs; `{` `,` for input names; `:` and space for a value (space also after `{`/`,`).
 * Typing a word triggers completion in every client anyway.
 */
const TRIGGERS = [".", "{", ",", ":", " "];

/** Wired items offered per input at a name (`rows: clean.rows`): the best few that fit. */
const WIRED_PER_INPUT = 3;

export const completion: EditorFeature = {
  capabilities: { completionProvider: { triggerCharacters: TRIGGERS, resolveProvider: false } },
  register(connection, context) {
    connection.onCompletion((params) => context.guard("completion", null, () => complete(context, params)));
  },
};

function complete(context: EditorContext, params: CompletionParams): CompletionList | null {
  const file = uriToPath(params.textDocument.uri);
  const analysis = file ? context.analysisOf(file) : undefined;
  if (!file || !analysis || !caughtUp(context, params.textDocument.uri, file)) return null;
  const site = analysis.workflowSiteAt(file, params.position);
  const place = site ? completionPlaceAt(site) : undefined;
  if (!place) return null;
  const trigger = params.context?.triggerKind === CompletionTriggerKind.TriggerCharacter ? params.context.triggerCharacter : undefined;
  if (trigger && !triggeredHere(trigger, place)) return null;
  return { isIncomplete: false, items: itemsOf(place) };
}

/** A trigger character opens the list only where it starts what the list offers. */
function triggeredHere(trigger: string, place: CompletionPlace): boolean {
  if (trigger === ".") return place.kind === "output";
  if (trigger === "{" || trigger === ",") return place.kind === "inputName";
  return place.kind === "inputValue" || (trigger === " " && place.kind === "inputName");
}

function itemsOf(place: CompletionPlace): CompletionItem[] {
  if (place.kind === "output") {
    return place.outputs.map((o, i) => ({
      label: o.name,
      kind: CompletionItemKind.Field,
      ...(o.type ? { detail: o.type } : {}),
      documentation: markdown([`output \`${o.name}\` of \`${place.base}\`${o.type ? `: \`${o.type}\`` : ""}`, o.documentation]),
      sortText: order(0, i),
      filterText: o.name,
      textEdit: { range: place.replace, newText: o.name },
    }));
  }
  if (place.kind === "inputValue") {
    return place.input.references.map((r, i) => referenceItem(place.call, place.input, r, i, place.replace));
  }
  const items: CompletionItem[] = [];
  const open = place.call.inputs.filter((i) => !i.given).sort((a, b) => Number(a.optional) - Number(b.optional));
  open.forEach((input, i) => {
    items.push({
      label: input.name,
      kind: CompletionItemKind.Field,
      detail: input.type,
      ...(input.optional ? { labelDetails: { detail: "?" } } : {}),
      documentation: inputDoc(place.call, input),
      sortText: order(0, i * (WIRED_PER_INPUT + 1)),
      filterText: input.name,
      textEdit: { range: place.replace, newText: `${input.name}: ` },
    });
    input.references.filter((r) => r.fit === "fits").slice(0, WIRED_PER_INPUT).forEach((r, j) => {
      items.push({
        label: `${input.name}: ${r.expression}`,
        kind: CompletionItemKind.Reference,
        detail: input.type,
        documentation: inputDoc(place.call, input, r),
        sortText: order(0, i * (WIRED_PER_INPUT + 1) + j + 1),
        filterText: input.name,
        textEdit: { range: place.replace, newText: `${input.name}: ${r.expression}` },
      });
    });
  });
  return items;
}

function referenceItem(call: TaskCallFacts, input: InputFacts, r: RankedReference, i: number, range: CompletionPlace["replace"]): CompletionItem {
  const what = r.kind === "param" ? `param \`${r.expression}\`` : `output \`${r.expression}\` of node \`${r.node}\``;
  const fit = r.fit === "fits" ? `fits input \`${input.name}: ${input.type}\`` : r.fit === "no" ? `does not fit input \`${input.name}: ${input.type}\`` : `input \`${input.name}\` expects \`${input.type}\``;
  return {
    label: r.expression,
    kind: r.kind === "param" ? CompletionItemKind.Variable : CompletionItemKind.Reference,
    ...(r.type ? { detail: r.type } : {}),
    documentation: markdown([`${what}${r.type ? `: \`${r.type}\`` : ""}`, `${fit} of ${callee(call)}`]),
    // Fitting first (ranked by the analysis), the rest after; the first fitting one is selected.
    sortText: order(r.fit === "fits" ? 0 : r.fit === "unknown" ? 1 : 2, i),
    ...(i === 0 && r.fit === "fits" ? { preselect: true } : {}),
    filterText: r.expression,
    textEdit: { range, newText: r.expression },
  };
}

function inputDoc(call: TaskCallFacts, input: InputFacts, wired?: RankedReference) {
  const fitting = input.references.filter((r) => r.fit === "fits").map((r) => `\`${r.expression}\``);
  return markdown([
    `${call.kind === "task" ? "input" : "param"} \`${input.name}${input.optional ? "?" : ""}: ${input.type}\` of ${callee(call)}`,
    input.documentation,
    wired ? `wired to ${wired.kind === "param" ? "param" : `node \`${wired.node}\`'s output`} \`${wired.expression}\`${wired.type ? `: \`${wired.type}\`` : ""}` : fitting.length ? `fits: ${fitting.join(", ")}` : undefined,
  ]);
}

/** `node \`train\` (task \`train\`)`, or `sub-flow \`prep\` (workflow \`prepare\`)`. */
function callee(call: TaskCallFacts): string {
  return call.kind === "task" ? `node \`${call.node}\` (task \`${call.task}\`)` : `sub-flow \`${call.node}\` (workflow \`${call.task}\`)`;
}

function markdown(parts: (string | undefined)[]) {
  return { kind: MarkupKind.Markdown, value: parts.filter((p): p is string => !!p).join("\n\n") };
}

/** A sort key: a group, then the position the analysis ranked it at. */
function order(group: number, i: number): string {
  return `${group}${String(i).padStart(4, "0")}`;
}
