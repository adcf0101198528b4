/** Content hashing: canonical JSON (sorted keys) hashed with sha256. */
import * as crypto from "node:crypto";

/** crypto.hash (Node ≥ 20.12): one call, no Hash object — a third of the time for small texts. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;

export function sha256(text: string): string {
  return oneShot ? oneShot("sha256", text, "hex") : crypto.createHash("sha256").update(text).digest("hex");
}

/**
 * JSON with object keys sorted, so equal values hash equally whatever their key order.
 * Throws a plain Error naming the path for values JSON cannot represent faithfully.
 */
export function canonicalJson(value: unknown, path = "$"): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new Error(`${path} is ${value}, which JSON cannot hold`);
      return JSON.stringify(value);
    case "undefined":
      return "null";
    case "bigint":
    case "function":
    case "symbol":
      throw new Error(`${path} is a ${typeof value}, which is not JSON`);
  }
  if (Array.isArray(value)) {
    let items = "";
    for (let i = 0; i < value.length; i++) items += `${i ? "," : ""}${canonicalJson(value[i], `${path}[${i}]`)}`;
    return `[${items}]`;
  }
  const obj = value as Record<string, unknown>;
  // Only plain objects: a Date would survive in memory but come back from the store as a string.
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) {
    const kind = (obj.constructor as { name?: string } | undefined)?.name ?? "object";
    throw new Error(`${path} is a ${kind} instance, which is not JSON; return plain objects and arrays`);
  }
  let text = "";
  for (const k of sortedKeys(obj)) {
    if (obj[k] === undefined) continue;
    text += `${text ? "," : ""}${JSON.stringify(k)}:${canonicalJson(obj[k], `${path}.${k}`)}`;
  }
  return `{${text}}`;
}

/**
 * An object's keys in the order of Array.prototype.sort() (UTF-16 code units), sorted in place:
 * the few keys of most objects by insertion, which allocates nothing (this runs for every node).
 */
export function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/**
 * canonicalJson of a value, and for a plain object also the canonical text of each field (what
 * downstream inputs hash), each serialised once: the object's text is made of its fields' texts.
 */
export function canonicalWithFields(value: unknown, path = "$"): { text: string; fields?: Record<string, string> } {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { text: canonicalJson(value, path) };
  const obj = value as Record<string, unknown>;
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) return { text: canonicalJson(value, path) }; // throws, naming it
  const fields: Record<string, string> = {};
  let whole = "";
  for (const k of sortedKeys(obj)) {
    if (obj[k] === undefined) continue;
    const text = canonicalJson(obj[k], `${path}.${k}`);
    fields[k] = text;
    whole += `${whole ? "," : ""}${JSON.stringify(k)}:${text}`;
  }
  return { text: `{${whole}}`, fields };
}

export function contentHash(value: unknown): string {
  return sha256(canonicalJson(value));
}
