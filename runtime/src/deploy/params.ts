/** A workflow's params as a deployment lists them: `{ epochs: "number = 3", url: "string", tag: "string?" }`. */
import type { WorkflowImpl } from "../sdk/workflow.js";
import type { ParamSummary } from "./artifacts.js";

interface ZodLike {
  def?: { type?: string; innerType?: ZodLike; defaultValue?: unknown; element?: ZodLike; entries?: Record<string, unknown>; values?: unknown[] };
}

function typeOf(schema: ZodLike | undefined, depth = 0): string {
  const def = schema?.def;
  if (!def?.type || depth > 8) return "unknown";
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
      return typeOf(def.innerType, depth + 1);
    case "array":
      return `${typeOf(def.element, depth + 1)}[]`;
    case "enum":
      return def.entries ? Object.values(def.entries).map((v) => JSON.stringify(v)).join(" | ") : "enum";
    case "literal":
      return (def.values ?? []).map((v) => JSON.stringify(v)).join(" | ") || "literal";
    default:
      return def.type;
  }
}

function describe(schema: ZodLike): string {
  const def = schema.def;
  if (def?.type === "default") {
    let value: unknown;
    try {
      value = typeof def.defaultValue === "function" ? (def.defaultValue as () => unknown)() : def.defaultValue;
    } catch {
      value = undefined;
    }
    const shown = JSON.stringify(value);
    return `${typeOf(schema)}${shown === undefined ? "" : ` = ${shown.length > 40 ? `${shown.slice(0, 37)}...` : shown}`}`;
  }
  return def?.type === "optional" ? `${typeOf(schema)}?` : typeOf(schema);
}

export function summarizeParams(flow: WorkflowImpl): ParamSummary {
  const shape = (flow.options.params?.shape ?? {}) as Record<string, ZodLike>;
  return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, describe(v)]));
}

/** `epochs: number = 3, url: string` */
export function paramsText(params: ParamSummary | undefined): string {
  const entries = Object.entries(params ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}: ${v}`).join(", ") : "no params";
}
