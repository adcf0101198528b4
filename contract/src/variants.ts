/**
 * How the variants of a matrix run (`flowsmith run … --matrix k=a,b`) are named, everywhere: the run
 * log, the execution summary, `flowsmith results` (keys and `--node` addresses), the `--events ndjson`
 * stream and the extension's Runs view all go through `variantNames` and `variantLabel`.
 *
 *   train[doPreprocess=false]          a node of the variant whose doPreprocess is false
 *   train[doPreprocess=false,lr=0.1]   several matrix params: sorted by name, joined by ","
 *   train[1]                           the index form (0-based, the events' and records' `variant`)
 *
 * A variant is named by the params that differ between the run's param sets (the ones shared by
 * all are left out). Values are JSON scalars; a string is shown without quotes unless quotes are
 * needed to read it back (it is empty, has `,` `[` `]` `=` `"` or outer spaces, or reads as another
 * JSON value like `true` or `3`). Two param sets that are the same get the index form.
 *
 * Part of the contract: the CLI and the extension name variants with this same code.
 */

/** JSON with object keys sorted: equal values give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
      .join(",")}}`;
  }
  const text = JSON.stringify(value);
  return text === undefined ? "null" : text;
}

function readsAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** One param value as it appears in a variant name. */
export function formatParamValue(value: unknown): string {
  if (typeof value === "string") {
    const bare = value !== "" && !/[,[\]="\u0000-\u001f]/.test(value) && value.trim() === value && !readsAsJson(value);
    return bare ? value : JSON.stringify(value);
  }
  return canonical(value);
}

/**
 * The name of each variant of a run with these param sets (`doPreprocess=false`), in order; empty
 * for a run with one param set (its nodes are named by their ids alone).
 */
export function variantNames(paramSets: readonly Record<string, unknown>[] | undefined): string[] {
  if (!paramSets || paramSets.length < 2) return [];
  const keys = [...new Set(paramSets.flatMap((p) => Object.keys(p)))].sort();
  const varying = keys.filter((k) => new Set(paramSets.map((p) => canonical(p[k]))).size > 1);
  const names = paramSets.map((p) => varying.filter((k) => p[k] !== undefined).map((k) => `${k}=${formatParamValue(p[k])}`).join(","));
  const seen = new Map<string, number>();
  for (const n of names) seen.set(n, (seen.get(n) ?? 0) + 1);
  return names.map((n, i) => (n === "" || seen.get(n)! > 1 ? String(i) : n));
}

/** `train`, or `train[doPreprocess=false]` for a node (or workflow) of a variant of a matrix run. */
export function variantLabel(name: string, variant: number | undefined, names: readonly string[]): string {
  if (variant === undefined) return name;
  return `${name}[${names[variant] ?? String(variant)}]`;
}

/** `train[doPreprocess=false]` → `{ id: "train", selector: "doPreprocess=false" }`; `train` → `{ id: "train" }`. */
export function parseVariantAddress(text: string): { id: string; selector?: string } {
  const m = /^(.*?)\s*\[(.*)\]\s*$/s.exec(text);
  if (!m || m[1]!.trim() === "") return { id: text };
  return { id: m[1]!.trim(), selector: m[2]!.trim() };
}

/** Split `a=1,b="x,y",c=[1,2]` at the commas outside quotes and brackets. */
function splitEntries(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") depth--;
    else if (c === "," && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((e) => e.trim());
}

function valueMatches(actual: unknown, given: string): boolean {
  if (formatParamValue(actual) === given) return true;
  if (typeof actual === "string" && actual === given) return true;
  try {
    return canonical(JSON.parse(given)) === canonical(actual);
  } catch {
    return false;
  }
}

/**
 * The variants (indexes into `paramSets`) a selector names: an index (`1`), a variant's name, or
 * `key=value` pairs that must all hold (any of the run's params, in any order). A string says
 * what is wrong with the selector itself.
 */
export function selectVariants(selector: string, paramSets: readonly Record<string, unknown>[]): number[] | string {
  const count = Math.max(1, paramSets.length);
  if (/^\d+$/.test(selector)) {
    const index = Number(selector);
    return index < count ? [index] : `there are ${count} param set${count === 1 ? "" : "s"} (0 to ${count - 1}), not ${selector}`;
  }
  const names = variantNames(paramSets);
  const named = names.indexOf(selector);
  if (named >= 0) return [named];
  const pairs: [string, string][] = [];
  for (const entry of splitEntries(selector)) {
    const eq = entry.indexOf("=");
    if (eq <= 0) return `"${entry}" must look like param=value`;
    pairs.push([entry.slice(0, eq).trim(), entry.slice(eq + 1).trim()]);
  }
  const known = new Set(paramSets.flatMap((p) => Object.keys(p)));
  const unknown = pairs.find(([k]) => !known.has(k));
  if (unknown) return `the run has no param "${unknown[0]}"${known.size ? `; its params are ${[...known].sort().join(", ")}` : ""}`;
  const sets = paramSets.length ? paramSets : [{}];
  const out: number[] = [];
  sets.forEach((params, i) => {
    if (pairs.every(([k, v]) => Object.hasOwn(params, k) && valueMatches(params[k], v))) out.push(i);
  });
  return out;
}
