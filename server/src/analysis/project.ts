/**
 * The ts-morph project behind the analysis: files are added lazily (flow files and what they
 * import), open documents overlay the disk, and each edit replaces one file's text so the type
 * checker rebuilds incrementally.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Project, ts } from "ts-morph";

const DEFAULT_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  allowJs: false,
  types: [],
};

const SKIP_DIRS = new Set(["node_modules", ".git", ".flowsmith", "dist", "out", ".vscode-test", "test-results"]);
const FLOW_EXT = /\.(ts|tsx|mts|cts)$/;

export class FlowProject {
  readonly project: Project;
  /** Texts of open documents, which win over the disk. */
  private readonly overlay = new Map<string, string>();
  private readonly packageNames = new Map<string, string | undefined>();

  constructor(readonly root: string) {
    this.project = new Project({
      compilerOptions: readCompilerOptions(root),
      skipAddingFilesFromTsConfig: true,
      skipFileDependencyResolution: true,
    });
  }

  private flowFileCache: { files: string[]; at: number } | undefined;

  /**
   * Flow files under the root, cached until a file appears or disappears (`refreshFromDisk`) and
   * for a few seconds at most, for clients that do not report file events.
   */
  flowFiles(): string[] {
    if (!this.flowFileCache || Date.now() - this.flowFileCache.at > 3000) {
      this.flowFileCache = { files: this.discoverFlowFiles(), at: Date.now() };
    }
    return this.flowFileCache.files;
  }

  /** Every file under `dir` that imports flowsmith (a text check; nothing is parsed). */
  discoverFlowFiles(dir = this.root, limit = 20_000): string[] {
    const found: string[] = [];
    const walk = (d: string) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        if (found.length >= limit) return;
        const p = path.join(d, entry.name);
        if (entry.isDirectory()) {
          if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith(".")) walk(p);
        } else if (entry.isFile() && FLOW_EXT.test(entry.name) && !entry.name.endsWith(".d.ts")) {
          const text = this.readText(p);
          if (text !== undefined && mentionsFlowsmith(text)) found.push(p);
        }
      }
    };
    walk(dir);
    return found.sort();
  }

  readText(file: string): string | undefined {
    const open = this.overlay.get(file);
    if (open !== undefined) return open;
    try {
      const stat = fs.statSync(file);
      if (!stat.isFile() || stat.size > 8 * 1024 * 1024) return undefined;
      return fs.readFileSync(file, "utf8");
    } catch {
      return undefined;
    }
  }

  /** The source file for a path, added (and its imports resolved) on first use. */
  sourceFile(file: string): ts.SourceFile | undefined {
    const existing = this.project.getSourceFile(file);
    if (existing) return existing.compilerNode;
    const text = this.readText(file);
    if (text === undefined) return undefined;
    const sf = this.project.createSourceFile(file, text, { overwrite: true });
    this.resolve();
    return sf.compilerNode;
  }

  /** The source file of a path if the project has parsed it already (nothing is added). */
  parsed(file: string): ts.SourceFile | undefined {
    return this.project.getSourceFile(file)?.compilerNode;
  }

  /** The type checker of the current program (made anew after files change). */
  checker(): ts.TypeChecker {
    return this.project.getTypeChecker().compilerObject;
  }

  /** Files parsed by `parseFiles` whose imports are not resolved yet. */
  private unresolved = false;

  /** Add many files at once: one program build for all of them instead of one per file. */
  addFiles(files: string[]): void {
    this.parseFiles(files);
    if (this.unresolved) this.resolve();
  }

  /** Parse files into the project without building a program (`addFiles` resolves their imports). */
  parseFiles(files: string[]): void {
    for (const file of files) {
      if (this.project.getSourceFile(file)) continue;
      const text = this.readText(file);
      if (text === undefined) continue;
      this.project.createSourceFile(file, text, { overwrite: true });
      this.unresolved = true;
    }
  }

  private resolve(): void {
    this.unresolved = false;
    this.project.resolveSourceFileDependencies();
  }

  /**
   * An open document changed (or opened): replace its text. False when the project already had
   * this very text for it (an open right after the file was loaded, the change event that comes
   * with every open): nothing to re-analyse.
   */
  setText(file: string, text: string): boolean {
    // A document we did not know of: the workspace changed under us, look again.
    if (this.flowFileCache && !this.overlay.has(file) && !this.flowFileCache.files.includes(file)) this.flowFileCache = undefined;
    const before = this.overlay.get(file);
    this.overlay.set(file, text);
    const sf = this.project.getSourceFile(file);
    if (sf) {
      if (sf.getFullText() === text) return before !== undefined && before !== text;
      sf.replaceWithText(text);
    } else {
      this.project.createSourceFile(file, text, { overwrite: true });
    }
    this.resolve();
    return true;
  }

  /** A document closed: the disk is the truth again. */
  closeText(file: string): void {
    this.overlay.delete(file);
    this.refreshFromDisk(file);
  }

  /** A file changed, appeared or disappeared on disk. */
  refreshFromDisk(file: string): void {
    this.flowFileCache = undefined;
    if (this.overlay.has(file)) return;
    const sf = this.project.getSourceFile(file);
    const text = this.readText(file);
    if (text === undefined) {
      if (sf) this.project.removeSourceFile(sf);
      return;
    }
    if (sf) {
      if (sf.getFullText() !== text) sf.replaceWithText(text);
    }
  }

  /** The npm package a file belongs to (by the nearest package.json), cached per directory. */
  packageOf(file: string): string | undefined {
    let dir = path.dirname(file);
    const visited: string[] = [];
    for (;;) {
      if (this.packageNames.has(dir)) {
        const name = this.packageNames.get(dir);
        for (const v of visited) this.packageNames.set(v, name);
        return name;
      }
      visited.push(dir);
      const pkg = path.join(dir, "package.json");
      if (fs.existsSync(pkg)) {
        let name: string | undefined;
        try {
          name = (JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: string }).name;
        } catch {
          name = undefined;
        }
        for (const v of visited) this.packageNames.set(v, name);
        return name;
      }
      const parent = path.dirname(dir);
      if (parent === dir) {
        for (const v of visited) this.packageNames.set(v, undefined);
        return undefined;
      }
      dir = parent;
    }
  }
}

export function mentionsFlowsmith(text: string): boolean {
  return /["']flowsmith["']/.test(text) || /\b(task|workflow)\s*\(/.test(text);
}

function readCompilerOptions(root: string): ts.CompilerOptions {
  const configPath = ts.findConfigFile(root, (f) => fs.existsSync(f), "tsconfig.json");
  if (!configPath || path.dirname(configPath) !== root) return DEFAULT_OPTIONS;
  const read = ts.readConfigFile(configPath, (f) => fs.readFileSync(f, "utf8"));
  if (read.error) return DEFAULT_OPTIONS;
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root);
  return { ...DEFAULT_OPTIONS, ...parsed.options, noEmit: true, skipLibCheck: true };
}
