/**
 * Outputs: one file per cache key, a line with its meta, then the data (canonical JSON, one line).
 * It is written whole to a temp file, fsynced, then renamed: its presence means complete. Stores
 * made before 0.1.1 kept the meta and the data in two files; those are still read.
 */
import * as fs from "node:fs";
import { readJson, writeFileAtomic, writeJsonAtomic } from "./files.js";
import { canonicalWithFields, sha256 } from "./hash.js";
import type { StoreLayout } from "./layout.js";
import { STORE_FORMAT, type OutputMeta } from "@flowsmith/contract";
import { ShardListings } from "./shardListing.js";
import type { StoreWriter } from "./writer.js";

export type OutputMetaInput = Omit<OutputMeta, "format" | "key" | "outputHash" | "fieldHashes" | "bytes">;

export interface PreparedOutput {
  text: string;
  meta: OutputMeta;
  stored: unknown;
}

/** An output as read: its meta, checked against the file's size, and maybe its data's text. */
interface Found {
  meta: OutputMeta;
  data?: string;
}

/** Data texts up to this size are kept from a lookup for a later readOutput (readMetaWithData). */
const KEEP_DATA_CHARS = 4096;
const NOT_JSON = Symbol("not JSON");

export class Outputs {
  /** Shard listings that answer misses of a run alone in the store (Store.expectLookups). */
  readonly listings: ShardListings;

  constructor(
    private readonly layout: StoreLayout,
    /** Problems met while reading (corrupt outputs): reported, never thrown. */
    private readonly problem: (message: string) => void,
  ) {
    this.listings = new ShardListings(layout);
  }

  /**
   * Whether this store may hold outputs in the format before 0.1.1: not when it was created by
   * this version (marked by `format.json`), so a miss costs one lookup, not two.
   */
  private mayHaveLegacy(): boolean {
    return (this.legacy ??= !fs.existsSync(this.layout.formatMarker));
  }
  private legacy: boolean | undefined;

  /** Mark a store this version creates (before its first output). */
  markFormat(): void {
    if (fs.existsSync(this.layout.objectsDir) || fs.existsSync(this.layout.formatMarker)) return;
    writeJsonAtomic(this.layout.formatMarker, { objects: 2, note: "outputs are one file each: a meta line, then the data" });
  }

  /** The meta of a complete output, or undefined when missing, partial or corrupt. */
  readMeta(key: string): OutputMeta | undefined {
    return this.read(key, false)?.meta;
  }

  /** readMeta, with a small output's data text as it was read with its meta (one read of the file). */
  readMetaWithData(key: string): Found | undefined {
    const found = this.read(key, true);
    if (!found) return undefined;
    return found.data !== undefined && found.data.length <= KEEP_DATA_CHARS ? { meta: found.meta, data: found.data } : { meta: found.meta };
  }

  /** Small output files are read whole with one call, into this buffer (a meta line is ~400 bytes). */
  private readonly readBuffer = Buffer.allocUnsafe(64 * 1024);

  /**
   * An output's meta, checked against its file's size, and with `withData` its data's text (not
   * yet checked against its hash); undefined when missing, partial or corrupt. An output of a store
   * of 0.1.0 comes without its data (read apart, by readOutput).
   */
  private read(key: string, withData: boolean): Found | undefined {
    const how = this.listings.lookup(key);
    if (how === "miss") return undefined;
    const file = this.layout.object(key);
    const legacy = () => {
      const meta = this.mayHaveLegacy() ? this.readLegacyMeta(key) : undefined;
      return meta && { meta };
    };
    let fd: number;
    try {
      // A miss is the common case of a cold run: stat without throwing (an exception per miss costs
      // more than the lookup itself).
      if (how === "stat" && !fs.statSync(file, { throwIfNoEntry: false })) return legacy();
      fd = fs.openSync(file, "r");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return legacy();
      this.problem(`output ${key}: ${code ?? errorText(error)}; treated as missing`);
      return undefined;
    }
    try {
      const buf = this.readBuffer;
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      let size: number;
      let header: { text: string; bytes: number } | undefined;
      let data: string | undefined;
      if (n < buf.length) {
        // The whole file, in one read.
        size = n;
        const nl = buf.subarray(0, n).indexOf(10);
        header = nl < 0 ? undefined : { text: buf.toString("utf8", 0, nl), bytes: nl + 1 };
        if (header && withData) data = buf.toString("utf8", header.bytes, n);
      } else {
        size = fs.fstatSync(fd).size; // of the file opened (it may have been replaced since the stat)
        header = readFirstLine(fd, size);
        if (header && withData) data = readRest(fd, header.bytes, size);
      }
      if (header === undefined) {
        this.problem(`output ${key}: its file is truncated; treated as missing`);
        return undefined;
      }
      const m = this.checkMeta(key, parseJson(header.text));
      if (!m) return undefined;
      if (size !== header.bytes + m.bytes) {
        this.problem(`output ${key}: its data is truncated; treated as missing`);
        return undefined;
      }
      return { meta: m, data };
    } finally {
      fs.closeSync(fd);
    }
  }

  private checkMeta(key: string, m: unknown): OutputMeta | undefined {
    if (!isObject(m) || m.key !== key || typeof m.outputHash !== "string" || typeof m.bytes !== "number" || !isStringRecord(m.fieldHashes)) {
      this.problem(`output ${key}: its record is malformed; treated as missing`);
      return undefined;
    }
    return m as OutputMeta;
  }

  private readLegacyMeta(key: string): OutputMeta | undefined {
    const meta = readJson<OutputMeta>(this.layout.legacyObject(key, "meta"));
    if (!meta.ok) {
      if (!meta.missing) this.problem(`output ${key}: ${meta.problem}; treated as missing`);
      return undefined;
    }
    const m = this.checkMeta(key, meta.value);
    if (!m) return undefined;
    try {
      if (fs.statSync(this.layout.legacyObject(key, "out")).size !== m.bytes) {
        this.problem(`output ${key}: its data file is truncated; treated as missing`);
        return undefined;
      }
    } catch {
      return undefined;
    }
    return m;
  }

  hasOutput(key: string): boolean {
    return this.readMeta(key) !== undefined;
  }

  /** The output value, verified against its recorded hash. `read`: as readMetaWithData gave it. */
  readOutput(key: string, read?: Found): { meta: OutputMeta; value: unknown } | undefined {
    const found = read?.data !== undefined ? read : this.read(key, true);
    if (!found) return undefined;
    const { meta } = found;
    let text: string;
    try {
      text = found.data ?? fs.readFileSync(this.layout.legacyObject(key, "out"), "utf8");
    } catch (error) {
      // Its meta says complete but the data is gone: discard it so the node runs again.
      this.problem(`output ${key}: ${(error as NodeJS.ErrnoException).code ?? "unreadable"}; discarded, its node will run again`);
      this.deleteOutput(key);
      return undefined;
    }
    const value = parseJson(text);
    if (value === NOT_JSON || sha256(text) !== meta.outputHash) {
      // Corrupt data under a complete-looking meta: discard it so the node runs again.
      this.problem(`output ${key}: content does not match its hash; discarded, its node will run again`);
      this.deleteOutput(key);
      return undefined;
    }
    return { meta, value };
  }

  /**
   * An output as it will be stored: its canonical text, its meta and the value as it reads back.
   * Computation only. Throws naming the path of a value JSON cannot hold.
   */
  prepareOutput(key: string, value: unknown, meta: OutputMetaInput, root = "$"): PreparedOutput {
    const { text, fields } = canonicalWithFields(value, root);
    const fieldHashes: Record<string, string> = {};
    if (fields) for (const k of Object.keys(fields)) fieldHashes[k] = sha256(fields[k]!);
    const full: OutputMeta = {
      format: STORE_FORMAT,
      key,
      ...meta,
      outputHash: sha256(text),
      fieldHashes,
      bytes: Buffer.byteLength(text),
    };
    return { text, meta: full, stored: JSON.parse(text) as unknown };
  }

  /** Write an output through the run's store writer (temp file, fsync, rename), then `then`'s journal line. */
  commitOutput(output: PreparedOutput, writer: StoreWriter, then?: { journal: string; line: string }): Promise<void> {
    return writer.writeObject(this.layout.object(output.meta.key), objectText(output), then);
  }

  /** prepareOutput + the same writes, synchronously (tools and tests). */
  writeOutput(key: string, value: unknown, meta: OutputMetaInput): OutputMeta {
    const out = this.prepareOutput(key, value, meta);
    writeFileAtomic(this.layout.object(key), objectText(out), true);
    return out.meta;
  }

  deleteOutput(key: string): boolean {
    const files = [this.layout.object(key), this.layout.legacyObject(key, "meta"), this.layout.legacyObject(key, "out")];
    const existed = fs.existsSync(files[0]!) || fs.existsSync(files[1]!);
    for (const file of files) fs.rmSync(file, { force: true });
    return existed;
  }
}

/** An object file's text: the meta on the first line, then the data. */
function objectText(out: PreparedOutput): string {
  return `${JSON.stringify(out.meta)}\n${out.text}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((v) => typeof v === "string");
}

/**
 * The first line of an open file (its meta) and how many bytes it takes with its newline, reading
 * only as much as needed; undefined when the file has no newline.
 */
function readFirstLine(fd: number, size: number): { text: string; bytes: number } | undefined {
  const chunks: Buffer[] = [];
  let read = 0;
  let chunkSize = 4096;
  while (read < size) {
    const buf = Buffer.allocUnsafe(Math.min(chunkSize, size - read));
    const n = fs.readSync(fd, buf, 0, buf.length, read);
    if (n === 0) break;
    const nl = buf.subarray(0, n).indexOf(10);
    if (nl >= 0) {
      chunks.push(buf.subarray(0, nl));
      const text = Buffer.concat(chunks).toString("utf8");
      return { text, bytes: read + nl + 1 };
    }
    chunks.push(buf.subarray(0, n));
    read += n;
    chunkSize = Math.min(chunkSize * 4, 1 << 22);
  }
  return undefined;
}

/** The text of an open file from byte `from` up to `size` (or as far as it goes). */
function readRest(fd: number, from: number, size: number): string {
  const rest = Buffer.allocUnsafe(size - from);
  let at = 0;
  while (at < rest.length) {
    const got = fs.readSync(fd, rest, at, rest.length - at, from + at);
    if (got === 0) break;
    at += got;
  }
  return rest.toString("utf8", 0, at);
}
