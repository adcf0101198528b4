/**
 * Which tsconfig.json a file belongs to, as tsserver decides it: the nearest tsconfig.json above
 * the file that includes it (directly, or through a solution config's `references`); else the
 * nearest one that is not a solution config (inside `root` when one is given: a flow file outside
 * its project's `include` still wants the project's module settings); else none (the caller's
 * defaults). Configs are read by TypeScript itself (`extends`, `paths`, `references`).
 *
 * One rule for the editor and the run: the analysis (server/src/analysis/project.ts) types each file
 * with its config's program, and the loader (loader/tsconfig-resolve.ts) resolves `paths` aliases and
 * unbuilt workspace packages with the same config. TypeScript is passed in — the server's bundled
 * one, or the one the loader requires only when it needs it (it costs ≈ 0.3 s to load).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as TS from "typescript";

/** A tsconfig as read: its options (as the user wrote them), references and files. */
export interface ProjectConfig {
  /** Absolute path of the tsconfig.json. */
  file: string;
  parsed: TS.ParsedCommandLine;
  /** The files it includes (absolute). */
  files: Set<string>;
  /** `files: []` with references: includes nothing itself (a solution config). */
  solution: boolean;
  /** Why the config could not be read as written (a syntax error…), if it could not. */
  error?: string;
  readAt: number;
}

/** A config's file list is listed again at most this often, for files created since. */
const RELIST_MS = 3000;

export class ConfigLocator {
  private readonly configs = new Map<string, ProjectConfig | null>();
  private readonly ofFile = new Map<string, ProjectConfig | null>();

  /** `root`: where a fallback config may be (anywhere above the file when absent). */
  constructor(
    private readonly ts: typeof TS,
    private readonly root?: string,
  ) {}

  /** The config of a file (cached; `forget()` after a tsconfig changes); undefined: none. */
  configOf(file: string): ProjectConfig | undefined {
    const abs = path.resolve(file);
    if (!this.ofFile.has(abs)) this.ofFile.set(abs, this.find(abs) ?? null);
    return this.ofFile.get(abs) ?? undefined;
  }

  /** A tsconfig by its path (references are followed with it). */
  read(configFile: string): ProjectConfig | undefined {
    const key = path.resolve(configFile);
    if (!this.configs.has(key)) this.configs.set(key, fs.existsSync(key) ? this.parse(key) : null);
    return this.configs.get(key) ?? undefined;
  }

  /** A tsconfig (or something it extends) changed: read every config again. */
  forget(): void {
    this.configs.clear();
    this.ofFile.clear();
  }

  private find(file: string): ProjectConfig | undefined {
    let fallback: ProjectConfig | undefined;
    const root = this.root && path.resolve(this.root);
    for (let dir = path.dirname(file); ; ) {
      const config = this.read(path.join(dir, "tsconfig.json"));
      if (config) {
        const owner = this.owner(config, file, 0);
        if (owner) return owner;
        if (!fallback && !config.solution && (!root || isInside(dir, root))) fallback = config;
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    return fallback;
  }

  /** The config that includes `file`: this one, or one it references (depth-first, bounded). */
  private owner(config: ProjectConfig, file: string, depth: number): ProjectConfig | undefined {
    if (this.includes(config, file)) return config;
    if (depth > 8) return undefined;
    for (const ref of config.parsed.projectReferences ?? []) {
      const child = this.read(this.ts.resolveProjectReferencePath(ref));
      const owner = child && this.owner(child, file, depth + 1);
      if (owner) return owner;
    }
    return undefined;
  }

  private includes(config: ProjectConfig, file: string): boolean {
    if (config.files.has(file)) return true;
    if (config.solution || Date.now() - config.readAt < RELIST_MS || !fs.existsSync(file)) return false;
    // A file created after the config was read: list its files again (rarely: flow files only).
    const again = this.parse(config.file);
    Object.assign(config, again);
    return config.files.has(file);
  }

  private parse(configFile: string): ProjectConfig {
    const ts = this.ts;
    const dir = path.dirname(configFile);
    let text = "";
    try {
      text = fs.readFileSync(configFile, "utf8");
    } catch (error) {
      return this.unreadable(configFile, error instanceof Error ? error.message : String(error));
    }
    const json = ts.parseConfigFileTextToJson(configFile, text);
    if (json.error) return this.unreadable(configFile, ts.flattenDiagnosticMessageText(json.error.messageText, " "));
    const parsed = ts.parseJsonConfigFileContent(json.config, ts.sys, dir, undefined, configFile);
    const raw = json.config as { files?: unknown[]; include?: unknown[] } | undefined;
    const solution = Array.isArray(raw?.files) && raw.files.length === 0 && !raw.include && (parsed.projectReferences?.length ?? 0) > 0;
    return { file: configFile, parsed, files: new Set(parsed.fileNames.map((f) => path.resolve(f))), solution, readAt: Date.now() };
  }

  private unreadable(configFile: string, error: string): ProjectConfig {
    const parsed: TS.ParsedCommandLine = { options: {}, fileNames: [], errors: [] };
    return { file: configFile, parsed, files: new Set(), solution: false, readAt: Date.now(), error };
  }
}

function isInside(dir: string, root: string): boolean {
  const rel = path.relative(root, dir);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}
