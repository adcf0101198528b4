/**
 * Files as task outputs: a task returns `{ report: file("out/report.html") }`; when its output is
 * committed the engine copies the file into the store by content (sha256, read-only) and the output
 * records `{ $file: sha256, name, size }`. A downstream input that receives it gets a FlowFile whose
 * `path` is the stored, readable copy. (store/blobs.ts does the storing and the reading back.)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { currentBuilder } from "../graph/builder.js";
import { FlowsmithError } from "../util/errors.js";

/** A file a task returned (with `file()`) or received from upstream. */
export class FlowFile {
  /**
   * @param $file the sha256 of the content once the file is in the store ("" before: a file a task
   *   is returning, still at its own path)
   * @param path an absolute path to read it from: in the store (read-only) for a received file
   * @param name its file name (`report.html`)
   * @param size its size in bytes
   */
  constructor(
    readonly $file: string,
    readonly path: string,
    readonly name: string,
    readonly size: number,
  ) {
    Object.freeze(this);
    seen++;
  }

  /** Whether it is a stored file (received from upstream), not one still to be stored. */
  get stored(): boolean {
    return this.$file !== "";
  }

  /** How it prints: the output's record, with where to read it. */
  toJSON(): { $file: string; name: string; size: number; path: string } {
    return { $file: this.$file, name: this.name, size: this.size, path: this.path };
  }

  toString(): string {
    return this.path;
  }
}

let seen = 0;

/** How many FlowFiles this process made: none, and no output can hold one to store. */
export function flowFilesMade(): number {
  return seen;
}

/**
 * A file as a task output: `return { report: file("out/report.html") }`. `filePath` is relative to
 * the task's working directory (the directory `flowsmith run` was started in, normally the
 * workspace root) or absolute. The file must exist when the task returns; it is copied into the
 * store by its content, so later changes to it do not change the output.
 */
export function file(filePath: string, options: { name?: string } = {}): FlowFile {
  if (currentBuilder()) {
    throw new FlowsmithError(`file(${JSON.stringify(filePath)}) is called in a workflow body; call it in a task and return it as an output`, "FS004");
  }
  if (typeof filePath !== "string" || filePath === "") throw new FlowsmithError("file() needs a path: file(\"out/report.html\")");
  const absolute = path.resolve(filePath);
  const name = options.name ?? path.basename(absolute);
  if (typeof name !== "string" || name === "" || /[/\\]/.test(name)) throw new FlowsmithError(`file(): name ${JSON.stringify(name)} must be a file name without / or \\`);
  let size = 0;
  try {
    size = fs.statSync(absolute).size;
  } catch {
    // Checked when the output is stored (the task may still write it before returning).
  }
  return new FlowFile("", absolute, name, size);
}

/** A FlowFile, or the plain object a worker process sent for one (its prototype is lost on the way). */
export function isFlowFileLike(value: unknown): value is { $file: string; path: string; name: string; size?: number } {
  if (value instanceof FlowFile) return true;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.$file === "string" && typeof v.path === "string" && typeof v.name === "string";
}
