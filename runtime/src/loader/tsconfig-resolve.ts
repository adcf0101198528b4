/**
 * What Node cannot resolve in a flow's imports, resolved as the editor does: with the importing
 * file's tsconfig. Two shapes need it at run time:
 *  - `paths` aliases (`@tasks/clean` → src/tasks/clean.ts), which only TypeScript knows of;
 *  - a monorepo's workspace package that is not built (`@mono/core` whose package.json points at
 *    dist/, which does not exist): the language server uses its sources through the project
 *    reference (`useSourceOfProjectReferenceRedirect`); the run loads those same sources.
 * Asked only after Node's own resolution failed, so whatever Node resolves (an installed package,
 * a built dist/) is loaded as before, and TypeScript (≈ 0.3 s to load) is loaded only then.
 *
 * The importing file's tsconfig is the one the analysis types it with (analysis/tsconfig.ts: the
 * nearest that includes it, directly or through a solution config's `references`, else the nearest).
 * Module names are resolved by TypeScript itself (ts.resolveModuleName) with that config's options,
 * so `paths`, `baseUrl`, `extends`, package "exports" and the module resolution mode behave as in
 * the editor; the outputs (.js, .d.ts) of the projects the config references, transitively, count
 * as present and stand for their source files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as TS from "typescript";
import { ConfigLocator, type ProjectConfig } from "../analysis/tsconfig.js";

const RUNNABLE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const DECLARATION = /\.d\.[cm]?ts$|\.d\.[^/\\]*\.ts$/;

let tsModule: typeof TS | undefined;
function typescript(): typeof TS | undefined {
  if (tsModule) return tsModule;
  try {
    return (tsModule = require("typescript") as typeof TS);
  } catch {
    return undefined;
  }
}

/** A config, and the outputs of the projects it references (real path → the source they are built from). */
interface Project {
  config: ProjectConfig;
  outputs?: Map<string, string>;
}

let locator: ConfigLocator | undefined;
const projects = new Map<ProjectConfig, Project>();
const answers = new Map<string, string | null>();

/** Read tsconfigs and answers again (a long-lived process loads flow files again after edits). */
export function forgetTsconfigs(): void {
  locator?.forget();
  projects.clear();
  answers.clear();
}

/**
 * The file a module name resolves to for `parentFile` through its tsconfig, when it is a file Node
 * can load (a source, never a declaration file); undefined when TypeScript cannot resolve it either.
 */
export function resolveWithTsconfig(request: string, parentFile: string): string | undefined {
  if (/^\.\.?([\\/]|$)/.test(request) || path.isAbsolute(request) || /^node:/.test(request)) return undefined;
  if (parentFile.split(/[\\/]/).includes("node_modules")) return undefined;
  const key = `${path.dirname(parentFile)}\0${request}`;
  if (answers.has(key)) return answers.get(key) ?? undefined;
  let answer: string | undefined;
  try {
    answer = resolve(request, parentFile);
  } catch {
    answer = undefined;
  }
  answers.set(key, answer ?? null);
  return answer;
}

function resolve(request: string, parentFile: string): string | undefined {
  const ts = typescript();
  if (!ts) return undefined;
  const project = projectOf(ts, parentFile);
  if (!project) return undefined;
  const outputs = outputsOf(ts, project);
  const outputDirs = new Set<string>();
  for (const out of outputs.keys()) for (let d = path.dirname(out); !outputDirs.has(d) && path.dirname(d) !== d; d = path.dirname(d)) outputDirs.add(d);
  const host: TS.ModuleResolutionHost = {
    fileExists: (f) => outputs.has(realish(f)) || ts.sys.fileExists(f),
    readFile: (f) => ts.sys.readFile(f),
    directoryExists: (d) => outputDirs.has(realish(d)) || ts.sys.directoryExists(d),
    realpath: (f) => realish(f),
    getCurrentDirectory: () => path.dirname(parentFile),
    getDirectories: (d) => ts.sys.getDirectories(d),
  };
  const options = project.config.parsed.options;
  const mode = ts.getImpliedNodeFormatForFile(parentFile as TS.Path, undefined, host, options);
  const resolved = ts.resolveModuleName(request, parentFile, options, host, undefined, undefined, mode).resolvedModule;
  if (!resolved) return undefined;
  const real = realish(resolved.resolvedFileName);
  const file = outputs.get(real) ?? real;
  return RUNNABLE.test(file) && !DECLARATION.test(file) && fs.existsSync(file) ? file : undefined;
}

function projectOf(ts: typeof TS, file: string): Project | undefined {
  locator ??= new ConfigLocator(ts);
  const config = locator.configOf(file);
  if (!config || config.error) return undefined;
  let project = projects.get(config);
  if (!project) projects.set(config, (project = { config }));
  return project;
}

/** The outputs of the projects `project` references (transitively), by real path, to their sources. */
function outputsOf(ts: typeof TS, project: Project): Map<string, string> {
  if (project.outputs) return project.outputs;
  const outputs = new Map<string, string>();
  project.outputs = outputs;
  const seen = new Set<string>();
  const visit = (p: ProjectConfig, depth: number) => {
    if (depth > 8) return;
    for (const ref of p.parsed.projectReferences ?? []) {
      const configFile = path.resolve(ts.resolveProjectReferencePath(ref));
      if (seen.has(configFile)) continue;
      seen.add(configFile);
      const child = locator?.read(configFile);
      if (!child || child.error) continue;
      for (const source of child.parsed.fileNames) {
        if (DECLARATION.test(source)) continue;
        for (const out of ts.getOutputFileNames(child.parsed, source, false)) outputs.set(realish(out), realish(source));
      }
      visit(child, depth + 1);
    }
  };
  visit(project.config, 0);
  return outputs;
}

/** The real path of a file that may not exist: its deepest existing folder's real path, and the rest. */
function realish(file: string): string {
  const abs = path.resolve(file);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realish(parent), path.basename(abs));
  }
}
