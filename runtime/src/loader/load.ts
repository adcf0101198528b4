/**
 * Loads flow files as they are: TypeScript is transformed per module by esbuild in a require hook
 * (no build step, no temp files), and `import "flowsmith"` resolves to this very runtime so the
 * engine recognises the tasks and workflows the file defines.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Module from "node:module";
import { transformSync, version as esbuildVersion } from "esbuild";
import * as sdk from "../index.js";
import { isTask, isWorkflow, taskName, workflowName, type TaskImpl, type WorkflowImpl } from "../sdk/impl.js";
import { sha256 } from "../store/hash.js";
import { writeFileAtomic } from "../store/files.js";
import { FlowsmithError, errorMessage } from "../util/errors.js";
import { forgetTsconfigs, resolveWithTsconfig } from "./tsconfig-resolve.js";
import { cacheEntry } from "../store/layout.js";

const TS_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts"];

export interface LoadedFlows {
  file: string;
  /** Workflows exported by the file, by export name. */
  workflows: Map<string, WorkflowImpl>;
  /** Every named task reachable from the file's modules, by task name. */
  tasks: Map<string, TaskImpl>;
  /** The TypeScript modules the load compiled besides the flow file (absolute paths, dependencies first). */
  modules: string[];
}

interface ModuleInternals {
  _extensions: Record<string, (m: { _compile(code: string, file: string): void }, file: string) => void>;
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
  _load(request: string, parent: unknown, isMain: boolean): unknown;
}

const M = Module as unknown as ModuleInternals;
/** Files compiled by the hook, in load order (dependencies finish after their importers start). */
const loaded: string[] = [];
let installed = false;

function installHook(): void {
  if (installed) return;
  installed = true;
  process.setSourceMapsEnabled(true);
  const compile = (m: { _compile(code: string, file: string): void }, file: string) => {
    const source = fs.readFileSync(file, "utf8");
    let code: string;
    try {
      code = transform(source, file);
    } catch (error) {
      const first = (error as { errors?: { text: string; location?: { line: number; column: number } }[] }).errors?.[0];
      const where = first?.location ? `:${first.location.line}:${first.location.column + 1}` : "";
      throw new FlowsmithError(`${displayPath(file)}${where}: syntax error: ${first?.text ?? errorMessage(error)}`);
    }
    loaded.push(file);
    m._compile(code, file);
  };
  for (const ext of TS_EXTENSIONS) M._extensions[ext] = compile;

  const load = M._load;
  M._load = function (request, parent, isMain) {
    if (request === "flowsmith") return sdk;
    return load.call(this, request, parent, isMain);
  };
  const resolve = M._resolveFilename;
  M._resolveFilename = function (request, parent, isMain, options) {
    try {
      return resolve.call(this, request, parent, isMain, options);
    } catch (error) {
      // TypeScript's ESM style imports "./x.js" for "./x.ts".
      if (/^\.\.?\//.test(request) && /\.[mc]?js$/.test(request)) {
        return resolve.call(this, request.replace(/js$/, "ts"), parent, isMain, options);
      }
      // What only the importing file's tsconfig resolves: a `paths` alias, an unbuilt workspace
      // package of a monorepo (its sources, through the project reference), as the editor does.
      const from = (parent as { filename?: unknown } | undefined)?.filename;
      const viaTsconfig = typeof from === "string" ? resolveWithTsconfig(request, from) : undefined;
      if (viaTsconfig) return viaTsconfig;
      throw error;
    }
  };
}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") ? rel : file;
}

/** Where in the user's code an error was thrown, from the source-mapped stack. */
function userFrame(error: unknown): string {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  for (const line of stack.split("\n")) {
    const m = /\(?((?:\/|[A-Za-z]:\\)[^():]+\.(?:ts|tsx|mts|cts)):(\d+):(\d+)\)?/.exec(line);
    if (m && !m[1]!.includes("node_modules")) return ` (at ${displayPath(m[1]!)}:${m[2]})`;
  }
  return "";
}

/** One line: Node's "Require stack" and multi-line messages (zod issues…) would flood the terminal. */
export function describeUserError(error: unknown): string {
  let message = errorMessage(error);
  if ((error as NodeJS.ErrnoException)?.code === "MODULE_NOT_FOUND") message = message.split("\n")[0]!;
  message = message.replace(/\s*\n\s*/g, " ").trim();
  if (message.length > 400) message = `${message.slice(0, 397)}...`;
  return `${message}${userFrame(error)}`;
}

/** Where transformed modules are kept (the store's cache/js), for the load going on. */
let transformCache: string | undefined;

/**
 * A module as esbuild transforms it (each transformSync call starts esbuild's process, ~70 ms);
 * kept in the cache by the hash of its text, path and the options, so an unchanged file is read
 * back instead. Cache writes that fail are ignored.
 */
function transform(source: string, file: string): string {
  const options = {
    loader: file.endsWith(".tsx") ? ("tsx" as const) : ("ts" as const),
    format: "cjs" as const,
    target: "node20",
    sourcemap: "inline" as const,
    sourcefile: file,
    supported: { "dynamic-import": false },
  };
  const cached = transformCache && cacheEntry(transformCache, "js", `${sha256(`${esbuildVersion}\0${JSON.stringify(options)}\0${source}`)}.js`);
  if (cached) {
    try {
      return fs.readFileSync(cached, "utf8");
    } catch {
      /* not cached yet */
    }
  }
  const code = transformSync(source, options).code;
  if (cached) {
    try {
      writeFileAtomic(cached, code, false);
      pruneTransformCache(path.dirname(cached));
    } catch {
      /* a read-only or full store: transformed again next time */
    }
  }
  return code;
}

/** Modules kept at most (each edit of a file adds one): past it, the least recently written half goes. */
const TRANSFORM_CACHE_FILES = 2000;

function pruneTransformCache(dir: string): void {
  const names = fs.readdirSync(dir);
  if (names.length <= TRANSFORM_CACHE_FILES) return;
  const aged = names.map((name) => {
    try {
      return { name, at: fs.statSync(path.join(dir, name)).mtimeMs };
    } catch {
      return { name, at: 0 };
    }
  });
  aged.sort((a, b) => a.at - b.at);
  for (const { name } of aged.slice(0, aged.length - TRANSFORM_CACHE_FILES / 2)) fs.rmSync(path.join(dir, name), { force: true });
}

/**
 * Load a flow file and name its tasks and workflows from their exports. With `cacheDir` (the
 * store's cache/), transformed modules are kept there.
 */
export function loadFlowFile(file: string, cacheDir?: string): LoadedFlows {
  return loadOne(file, cacheDir, true);
}

/**
 * Load several flow files as one program (a composition's): a module two of them import is
 * loaded once, so a task they share is one task. The first load starts afresh, as loadFlowFile.
 */
export function loadFlowFiles(files: string[], cacheDir?: string): LoadedFlows[] {
  return files.map((file, i) => loadOne(file, cacheDir, i === 0));
}

function loadOne(file: string, cacheDir: string | undefined, fresh: boolean): LoadedFlows {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new FlowsmithError(`no such flow file: ${displayPath(abs)}`);
  if (!fs.statSync(abs).isFile()) throw new FlowsmithError(`${displayPath(abs)} is not a file`);
  if (!TS_EXTENSIONS.includes(path.extname(abs)) && !/\.[cm]?js$/.test(abs)) {
    throw new FlowsmithError(`${displayPath(abs)} is not a TypeScript or JavaScript file`);
  }
  installHook();
  // A fresh load each time: flow files change between calls of a long-lived process.
  if (fresh) {
    for (const f of loaded.splice(0)) delete require.cache[f];
    delete require.cache[abs];
    forgetTsconfigs();
  }
  const start = loaded.length;

  let exports: Record<string, unknown>;
  transformCache = cacheDir;
  try {
    exports = require(abs) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof FlowsmithError) throw error;
    throw new FlowsmithError(`${displayPath(abs)} could not be loaded: ${describeUserError(error)}`);
  } finally {
    transformCache = undefined;
  }

  // Name from the defining modules first (dependencies), then the flow file's own exports.
  const modules = loaded.slice(start).reverse().filter((f) => f !== abs);
  const workflows = new Map<string, WorkflowImpl>();
  const tasks = new Map<string, TaskImpl>();
  const nameExports = (moduleExports: Record<string, unknown> | undefined, moduleFile: string) => {
    if (!moduleExports || typeof moduleExports !== "object") return;
    // A named export names a definition before `default` does: `export const main = workflow(...);
    // export default main;` is `main` (FILE#default reaches it too), as the static analysis and
    // the code fingerprints name it; one exported only as default is named "default".
    const entries = Object.entries(moduleExports);
    const ordered = [...entries.filter(([name]) => name !== "default"), ...entries.filter(([name]) => name === "default")];
    for (const [name, value] of ordered) {
      if (isTask(value)) {
        if (value.exportName === undefined && !value.options.name) value.exportName = name;
        value.file ??= moduleFile;
      } else if (isWorkflow(value)) {
        if (value.exportName === undefined) value.exportName = name;
        value.file ??= moduleFile;
      }
    }
  };
  for (const f of modules) nameExports(require.cache[f]?.exports as Record<string, unknown>, f);
  nameExports(exports, abs);

  for (const f of [...modules, abs]) {
    const mod = f === abs ? exports : (require.cache[f]?.exports as Record<string, unknown> | undefined);
    for (const value of Object.values(mod ?? {})) {
      if (isTask(value)) {
        const name = taskName(value);
        if (name && !tasks.has(name)) tasks.set(name, value);
      }
    }
  }
  for (const [name, value] of Object.entries(exports)) {
    if (isWorkflow(value)) workflows.set(name, value);
  }
  return { file: abs, workflows, tasks, modules };
}

export { workflowName };
