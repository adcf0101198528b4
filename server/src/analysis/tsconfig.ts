/**
 * Which tsconfig.json a file belongs to, as tsserver decides it: the nearest tsconfig.json above
 * the file that includes it (directly, or through a solution config's `references`); else the
 * nearest one inside the workspace root (a flow file outside its `include` still wants the
 * project's module settings); else TypeScript's defaults for a Node project. Configs are read
 * with `extends`, `paths` and `references` resolved by TypeScript itself.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ts } from "@ts-morph/common";

export const DEFAULT_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  allowJs: false,
  types: [],
};

/** What the analysis needs of a config: its options, its references, the files it includes. */
export interface ProjectConfig {
  /** Absolute path of the tsconfig.json; undefined for the defaults. */
  file: string | undefined;
  options: ts.CompilerOptions;
  references: readonly ts.ProjectReference[];
  /** Why the config could not be used as written (a syntax error…), if it could not. */
  error?: string;
}

interface ReadConfig extends ProjectConfig {
  file: string;
  fileNames: Set<string>;
  /** `files: []` with references: includes nothing itself (a solution config). */
  solution: boolean;
  readAt: number;
}

const DEFAULTS: ProjectConfig = { file: undefined, options: DEFAULT_OPTIONS, references: [] };
/** A config's file list is listed again at most this often, for files created since. */
const RELIST_MS = 3000;

export class ConfigLocator {
  private readonly configs = new Map<string, ReadConfig | null>();
  private readonly ofFile = new Map<string, ProjectConfig>();

  constructor(private readonly root: string) {}

  /** The config of a file (cached; `forget()` after a tsconfig changes). */
  configOf(file: string): ProjectConfig {
    const known = this.ofFile.get(file);
    if (known) return known;
    const found = this.find(path.resolve(file));
    this.ofFile.set(file, found);
    return found;
  }

  /** A tsconfig (or something it extends) changed: read every config again. */
  forget(): void {
    this.configs.clear();
    this.ofFile.clear();
  }

  private find(file: string): ProjectConfig {
    let nearestInRoot: ReadConfig | undefined;
    const root = path.resolve(this.root);
    for (let dir = path.dirname(file); ; ) {
      const config = this.read(path.join(dir, "tsconfig.json"));
      if (config) {
        const owner = this.owner(config, file, 0);
        if (owner) return owner;
        if (!nearestInRoot && !config.solution && isInside(dir, root)) nearestInRoot = config;
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    return nearestInRoot ?? DEFAULTS;
  }

  /** The config that includes `file`: this one, or one it references (depth-first, bounded). */
  private owner(config: ReadConfig, file: string, depth: number): ReadConfig | undefined {
    if (this.includes(config, file)) return config;
    if (depth > 8) return undefined;
    for (const ref of config.references) {
      const child = this.read(ts.resolveProjectReferencePath(ref));
      const owner = child && this.owner(child, file, depth + 1);
      if (owner) return owner;
    }
    return undefined;
  }

  private includes(config: ReadConfig, file: string): boolean {
    if (config.fileNames.has(file)) return true;
    if (config.solution || Date.now() - config.readAt < RELIST_MS || !fs.existsSync(file)) return false;
    // A file created after the config was read: list its files again (rarely: flow files only).
    const again = this.parse(config.file);
    if (!again) return false;
    this.configs.set(config.file, again);
    Object.assign(config, again);
    return config.fileNames.has(file);
  }

  private read(configFile: string): ReadConfig | undefined {
    const key = path.resolve(configFile);
    if (!this.configs.has(key)) this.configs.set(key, fs.existsSync(key) ? this.parse(key) : null);
    return this.configs.get(key) ?? undefined;
  }

  private parse(configFile: string): ReadConfig | null {
    let text: string;
    try {
      text = fs.readFileSync(configFile, "utf8");
    } catch {
      return null;
    }
    const dir = path.dirname(configFile);
    const json = ts.parseConfigFileTextToJson(configFile, text);
    if (json.error) {
      const message = ts.flattenDiagnosticMessageText(json.error.messageText, " ");
      return { file: configFile, options: DEFAULT_OPTIONS, references: [], fileNames: new Set(), solution: false, readAt: Date.now(), error: message };
    }
    const parsed = ts.parseJsonConfigFileContent(json.config, ts.sys, dir, undefined, configFile);
    const raw = json.config as { files?: unknown[]; include?: unknown[] } | undefined;
    const solution = Array.isArray(raw?.files) && raw.files.length === 0 && !raw.include && (parsed.projectReferences?.length ?? 0) > 0;
    return {
      file: configFile,
      // The user's settings as TypeScript reads them (no defaults of ours mixed in: a `module`
      // without `moduleResolution` implies its own); the analysis never emits or checks libraries.
      options: { ...parsed.options, noEmit: true, skipLibCheck: true, composite: false, declaration: false, declarationMap: false, emitDeclarationOnly: false, incremental: false },
      references: parsed.projectReferences ?? [],
      fileNames: new Set(parsed.fileNames.map((f) => path.resolve(f))),
      solution,
      readAt: Date.now(),
    };
  }
}

function isInside(dir: string, root: string): boolean {
  const rel = path.relative(root, dir);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}
