/**
 * Params from the command line: `--param k=v` values are read as JSON when the schema wants a
 * non-string (so `epochs=5` is a number, `flag=true` a boolean) and as text otherwise; `--matrix
 * k=a,b` expands into one param set per combination (d6tflow's WorkflowMulti).
 */
import { FlowsmithError, hint } from "../util/errors.js";
import { canonicalJson } from "../store/hash.js";
import type { WorkflowImpl } from "../sdk/workflow.js";

interface FieldSchema {
  safeParse(value: unknown): { success: boolean; data?: unknown; error?: { issues: { message: string; path: PropertyKey[] }[] } };
}

function splitPair(text: string, flag: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new FlowsmithError(`${flag} "${text}" must look like key=value`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** Interpret one raw string for a field: JSON if that fits the schema, else the string itself. */
function coerce(field: FieldSchema | undefined, raw: string): unknown {
  let json: unknown;
  let isJson = false;
  try {
    json = JSON.parse(raw);
    isJson = true;
  } catch {
    /* not JSON: a string */
  }
  if (!field) return isJson ? json : raw;
  if (isJson && field.safeParse(json).success) return json;
  if (field.safeParse(raw).success) return raw;
  return isJson ? json : raw;
}

function shapeOf(flow: WorkflowImpl): Record<string, FieldSchema> {
  return (flow.options.params?.shape ?? {}) as Record<string, FieldSchema>;
}

function checkKey(flow: WorkflowImpl, name: string, key: string): void {
  const shape = shapeOf(flow);
  if (!Object.hasOwn(shape, key)) {
    const keys = Object.keys(shape);
    throw new FlowsmithError(
      `workflow ${name} has no param "${key}"${hint(key, keys)}` + (keys.length ? `; its params are ${keys.join(", ")}` : "; it takes no params"),
    );
  }
}

export function parseParamPairs(flow: WorkflowImpl, name: string, pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const [key, raw] = splitPair(pair, "--param");
    checkKey(flow, name, key);
    out[key] = coerce(shapeOf(flow)[key], raw);
  }
  return out;
}

export function parseMatrix(flow: WorkflowImpl, name: string, pairs: string[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const pair of pairs) {
    const [key, raw] = splitPair(pair, "--matrix");
    checkKey(flow, name, key);
    let values: unknown[];
    const trimmed = raw.trim();
    if (trimmed.startsWith("[")) {
      try {
        values = JSON.parse(trimmed) as unknown[];
      } catch {
        throw new FlowsmithError(`--matrix ${key}: ${raw} is not a JSON array`);
      }
      if (!Array.isArray(values)) throw new FlowsmithError(`--matrix ${key}: expected a list`);
    } else {
      values = raw.split(",").map((v) => coerce(shapeOf(flow)[key], v));
    }
    if (values.length === 0 || raw === "") throw new FlowsmithError(`--matrix ${key} needs at least one value`);
    out[key] = values;
  }
  return out;
}

/** Validate a full param set against the schema: defaults filled, one clear line on error. */
export function validateParams(flow: WorkflowImpl, name: string, given: Record<string, unknown>): Record<string, unknown> {
  const schema = flow.options.params as unknown as FieldSchema | undefined;
  if (!schema) {
    const keys = Object.keys(given);
    if (keys.length) throw new FlowsmithError(`workflow ${name} takes no params, but got ${keys.join(", ")}`);
    return {};
  }
  const parsed = schema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error?.issues[0];
    const key = issue?.path.map(String).join(".") || "params";
    const value = issue?.path.length ? given[String(issue.path[0])] : undefined;
    throw new FlowsmithError(
      value === undefined
        ? `workflow ${name} needs param "${key}": ${issue?.message ?? "missing"} (pass --param ${key}=...)`
        : `bad param ${key}=${JSON.stringify(value)}: ${issue?.message ?? "invalid"}`,
    );
  }
  const data = parsed.data as Record<string, unknown>;
  try {
    canonicalJson(data);
  } catch (error) {
    throw new FlowsmithError(`workflow ${name}'s params are not JSON: ${(error as Error).message}`, "FS006");
  }
  return data;
}

/** All param sets: the cartesian product of the matrix over the fixed params. */
export function expandParamSets(fixed: Record<string, unknown>, matrix: Record<string, unknown[]>): Record<string, unknown>[] {
  let sets: Record<string, unknown>[] = [{ ...fixed }];
  for (const [key, values] of Object.entries(matrix)) {
    sets = sets.flatMap((set) => values.map((v) => ({ ...set, [key]: v })));
  }
  return sets;
}

/** `--config node.key=value` (or `*.key=value` for every node) into per-node config objects. */
const RESERVED = new Set(["__proto__", "constructor", "prototype"]);

export function parseConfig(pairs: string[]): Record<string, Record<string, unknown>> {
  // Null-prototype objects: a key like __proto__ must never reach Object.prototype.
  const out: Record<string, Record<string, unknown>> = Object.create(null);
  for (const pair of pairs) {
    const [lhs, raw] = splitPair(pair, "--config");
    const dot = lhs.lastIndexOf(".");
    if (dot <= 0 || dot === lhs.length - 1) throw new FlowsmithError(`--config "${pair}" must look like node.key=value`);
    const node = lhs.slice(0, dot);
    const key = lhs.slice(dot + 1);
    if (RESERVED.has(node) || RESERVED.has(key)) throw new FlowsmithError(`--config "${pair}": "${RESERVED.has(node) ? node : key}" cannot be used as a node or key name`);
    (out[node] ??= Object.create(null) as Record<string, unknown>)[key] = coerce(undefined, raw);
  }
  return out;
}

export function configFor(config: Record<string, Record<string, unknown>>, nodeId: string, taskName: string): Record<string, unknown> {
  const own = (k: string) => (Object.hasOwn(config, k) ? config[k] : undefined);
  const all = own("*");
  const task = own(taskName);
  const node = own(nodeId);
  // (Most runs have no --config: three spreads of nothing per node are not free.)
  return all || task || node ? { ...all, ...task, ...node } : {};
}
