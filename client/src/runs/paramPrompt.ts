/**
 * Asks for a workflow's params before a run: one pick to run with the remembered (or default) values,
 * or input boxes per param, prefilled and checked by type. Values are remembered per workflow.
 */
import * as vscode from "vscode";
import type { FlowInfo } from "@flowsmith/contract";
import { initialParamText, parseParamText, type ParamValues } from "./params";

const key = (target: string) => `flowsmith.params:${target}`;

export function rememberedParams(state: vscode.Memento, target: string): ParamValues | undefined {
  return state.get<ParamValues>(key(target));
}

export async function rememberParams(state: vscode.Memento, target: string, values: ParamValues): Promise<void> {
  await state.update(key(target), values);
}

function describe(values: ParamValues): string {
  const entries = Object.entries(values).filter(([, v]) => v !== undefined);
  return entries.length ? entries.map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(", ") : "defaults";
}

/** undefined = the user cancelled. */
export async function askParams(state: vscode.Memento, flow: FlowInfo | undefined, target: string, title: string): Promise<ParamValues | undefined> {
  const remembered = rememberedParams(state, target);
  if (!flow) return remembered ?? {};
  const params = flow.params;
  if (!params.length) return {};
  const current: ParamValues = {};
  for (const p of params) {
    if (remembered && p.name in remembered) current[p.name] = remembered[p.name];
    else if (p.default !== undefined) current[p.name] = p.default;
  }
  const missing = params.some((p) => p.required && !(p.name in current));
  if (!missing) {
    const choice = await vscode.window.showQuickPick(
      [
        { label: `$(play) Run with ${describe(current)}`, edit: false, description: remembered ? "last used" : "defaults" },
        { label: "$(edit) Edit params…", edit: true, description: params.map((p) => p.name).join(", ") },
      ],
      { title, placeHolder: "Params" },
    );
    if (!choice) return undefined;
    if (!choice.edit) return current;
  }
  const values: ParamValues = {};
  for (const [i, p] of params.entries()) {
    const text = await vscode.window.showInputBox({
      title: `${title} — param ${i + 1}/${params.length}`,
      prompt: `${p.name}: ${p.type}${p.required ? "" : " (optional)"}${p.default !== undefined ? ` — default ${JSON.stringify(p.default)}` : ""}${p.description ? ` — ${p.description}` : ""}`,
      value: initialParamText(p, remembered),
      ignoreFocusOut: true,
      validateInput: (t) => {
        const r = parseParamText(p, t);
        return r.ok ? undefined : r.error;
      },
    });
    if (text === undefined) return undefined;
    const r = parseParamText(p, text);
    if (r.ok && r.value !== undefined) values[p.name] = r.value;
  }
  await rememberParams(state, target, values);
  return values;
}
