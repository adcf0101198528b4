/**
 * What the extension tells the TypeScript server plugin, and the rule the plugin applies: a
 * TypeScript diagnostic is dropped when a Flowsmith diagnostic of a mapped code covers the same
 * mistake on the same span of the same text. Pure (no imports): the extension builds a
 * `CoveredConfig` from its Flowsmith diagnostics, the plugin reads it in tsserver.
 */

/** The `pluginName` the extension contributes (package.json `typescriptServerPlugins`). */
export const PLUGIN_NAME = "flowsmith-ts-plugin";

/**
 * Which TypeScript errors say the same as a Flowsmith code, in the SDK's type names:
 * FS001 unknown input ↔ "Object literal may only specify known properties" (2353, 2561 with a
 * did-you-mean); FS002 missing input ↔ the argument or the property is missing (2345, 2741) or no
 * overload fits (2769); FS003 type mismatch ↔ not assignable (2322 at a property, 2345 at an
 * argument); FS005 unknown output ↔ "Property does not exist" (2339, 2551 with a did-you-mean).
 */
export const COVERED_TS_CODES: Readonly<Record<string, readonly number[]>> = {
  FS001: [2353, 2561],
  FS002: [2345, 2741, 2769],
  FS003: [2322, 2345],
  FS005: [2339, 2551],
};

/** A Flowsmith diagnostic's span: UTF-16 offsets into the text the fingerprint was taken of. */
export interface CoveredSpan {
  start: number;
  end: number;
  /** FS001, FS002, FS003 or FS005. */
  code: string;
}

export interface CoveredFile {
  /** `fingerprint()` of the document text the spans were measured in. */
  fingerprint: string;
  spans: CoveredSpan[];
}

/** The plugin's configuration (`configurePlugin`): flow files by `fileKey()` of their path. */
export interface CoveredConfig {
  files: Record<string, CoveredFile>;
}

/** A path as both sides can compare it: forward slashes, a lower-case drive letter. */
export function fileKey(path: string): string {
  const slashed = path.replace(/\\/g, "/");
  return /^[A-Za-z]:\//.test(slashed) ? slashed[0]!.toLowerCase() + slashed.slice(1) : slashed;
}

/** Length and FNV-1a (32 bit, over UTF-16 code units) of a text: spans apply to this text only. */
export function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${text.length}:${h.toString(16)}`;
}

/** Reads an unknown configuration; anything malformed becomes "nothing covered". */
export function readConfig(value: unknown): CoveredConfig {
  const files: Record<string, CoveredFile> = {};
  const raw = (value as { files?: unknown } | null | undefined)?.files;
  if (!raw || typeof raw !== "object") return { files };
  for (const [key, file] of Object.entries(raw as Record<string, unknown>)) {
    const f = file as Partial<CoveredFile> | null;
    if (!f || typeof f.fingerprint !== "string" || !Array.isArray(f.spans)) continue;
    const spans = f.spans.filter((s): s is CoveredSpan =>
      !!s && typeof s.start === "number" && typeof s.end === "number" && s.end >= s.start && typeof s.code === "string" && s.code in COVERED_TS_CODES);
    if (spans.length) files[fileKey(key)] = { fingerprint: f.fingerprint, spans };
  }
  return { files };
}

/**
 * Whether a TypeScript diagnostic (code, and its span widened to the mistake it sits in: a
 * property's name to the whole property) is covered by a Flowsmith span: a mapped code and an
 * overlapping span. The caller has checked that the file's text has the config's fingerprint.
 */
export function isCovered(file: CoveredFile, code: number, start: number, end: number): boolean {
  return file.spans.some((s) => (COVERED_TS_CODES[s.code] ?? []).includes(code) && overlaps(s.start, s.end, start, end));
}

function overlaps(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aStart === aEnd || bStart === bEnd) return aStart <= bEnd && bStart <= aEnd;
  return aStart < bEnd && bStart < aEnd;
}
