/**
 * Workflow params as the editor asks for them: text typed into an input box is checked against the
 * param's JSON type and turned into `--param k=v` pairs the CLI reads (JSON for non-strings).
 * Pure: the prompting itself is in paramPrompt.ts.
 */
import type { ParamInfo } from "@flowsmith/contract";

export type ParamValues = Record<string, unknown>;

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/** Reads what was typed for one param. An empty box means "leave it to the default" when there is one. */
export function parseParamText(param: ParamInfo, text: string): Parsed | { ok: true; value: undefined } {
  const t = text.trim();
  if (t === "") {
    if (param.type === "string" && param.default === undefined && param.required) return { ok: true, value: "" };
    if (param.required && param.default === undefined) return { ok: false, error: `${param.name} is required` };
    return { ok: true, value: undefined };
  }
  switch (param.type) {
    case "string":
      return { ok: true, value: text };
    case "number": {
      const n = Number(t);
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, error: `${param.name} must be a number` };
    }
    case "boolean":
      if (t === "true" || t === "false") return { ok: true, value: t === "true" };
      return { ok: false, error: `${param.name} must be true or false` };
    default:
      try {
        return { ok: true, value: JSON.parse(t) };
      } catch {
        return { ok: false, error: `${param.name} must be JSON (an object, array, number, string in quotes, true, false or null)` };
      }
  }
}

/** The text an input box starts with: the remembered value, else the schema default. */
export function initialParamText(param: ParamInfo, remembered: ParamValues | undefined): string {
  const value = remembered && param.name in remembered ? remembered[param.name] : param.default;
  if (value === undefined) return "";
  if (param.type === "string" && typeof value === "string") return value;
  return JSON.stringify(value);
}

/** `--param k=v` arguments: strings as they are, everything else as JSON. */
export function paramArgs(values: ParamValues): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    args.push("--param", `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  return args;
}
