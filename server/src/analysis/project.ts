/**
 * The workspace's TypeScript behind the analysis: which files are flows, the texts of open
 * documents (they win over the disk), and one program per tsconfig (program.ts), so every file is
 * typed with its own project's settings: NodeNext or Bundler, `paths`, a monorepo's packages.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ts } from "@ts-morph/common";
import { ConfigLocator } from "../../../runtime/src/analysis/tsconfig.js";
import { ConfigProgram, norm, projectConfig, type Overlay, type ProjectConfig } from "./program.js";

const SKIP_DIRS = new Set(["node_modules", ".git", ".flowsmith", "dist", "out", ".vscode-test", "test-results"]);
const FLOW_EXT = /\.(ts|tsx|mts|cts)$/;

export class FlowProject {
  /** Texts of open documents, which win over the disk. */
  private readonly overlay = new Map<string, string>();
  /** Folders of open documents (a new file may live in a folder not yet on disk). */
  private readonly overlayDirs = new Map<string, number>();
  private readonly packageNames = new Map<string, string | undefined>();
  private readonly configs: ConfigLocator;
  /** One program per config (by the config's path; "" for TypeScript's defaults). */
  private readonly programs = new Map<string, ConfigProgram>();
  private readonly sources: Overlay = {
    text: (file) => (this.overlay.size ? this.overlay.get(file) ?? this.overlay.get(path.normalize(file)) : undefined),
    hasDir: (dir) => this.overlayDirs.has(dir),
  };

  constructor(readonly root: string) {
    // The locator is the runtime's (the loader resolves imports with the same configs), given the
    // bundled TypeScript.
    this.configs = new ConfigLocator(ts as unknown as ConstructorParameters<typeof ConfigLocator>[0], root);
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

  /** The tsconfig a file is typed with (undefined `file`: TypeScript's defaults). */
  configOf(file: string): ProjectConfig {
    return projectConfig(this.configs.configOf(file));
  }

  /** The program of a file's tsconfig. */
  private programOf(file: string): ConfigProgram {
    const config = this.configOf(file);
    const key = config.file ?? "";
    let program = this.programs.get(key);
    if (!program) this.programs.set(key, (program = new ConfigProgram(config, this.sources, this.root)));
    return program;
  }

  /**
   * A file's tree and the checker of the program it belongs to, the file added (with what it
   * imports) on first use. The tree is the program's own: walk it with this checker only.
   */
  typed(file: string): { sourceFile: ts.SourceFile; checker: ts.TypeChecker } | undefined {
    const text = this.readText(file);
    if (text === undefined) return undefined;
    const program = this.programOf(file);
    const sourceFile = program.sourceFile(file, text);
    return sourceFile ? { sourceFile, checker: program.current().getTypeChecker() } : undefined;
  }

  /** The tree of a file in its own program if it is parsed already (nothing is added). */
  parsed(file: string): ts.SourceFile | undefined {
    return this.programOf(file).parsed(file);
  }

  /** Add many files at once: one program build per tsconfig instead of one per file. */
  addFiles(files: string[]): void {
    const touched = this.parseFiles(files);
    for (const program of touched) program.current();
  }

  /** Parse files into their programs without building them (`addFiles` builds them). */
  parseFiles(files: string[]): Set<ConfigProgram> {
    const touched = new Set<ConfigProgram>();
    for (const file of files) {
      const text = this.readText(file);
      if (text === undefined) continue;
      const program = this.programOf(file);
      try {
        program.addRoot(norm(file), text);
      } catch {
        // A file the parser cannot take (absurd nesting): left out, and reported when it is analysed.
        continue;
      }
      touched.add(program);
    }
    return touched;
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
    this.setOverlay(file, text);
    const own = this.programOf(file);
    const sf = own.parsed(file);
    if (sf && sf.text === text) return before !== undefined && before !== text;
    for (const program of this.programs.values()) program.update(file, text);
    own.addRoot(norm(file), text);
    own.current();
    return true;
  }

  /** A document closed: the disk is the truth again. */
  closeText(file: string): void {
    this.setOverlay(file, undefined);
    this.refreshFromDisk(file);
  }

  /** A file changed, appeared or disappeared on disk. */
  refreshFromDisk(file: string): void {
    this.flowFileCache = undefined;
    if (isSettingsFile(file)) {
      // Settings changed: which config a file belongs to, module formats, package names.
      this.configs.forget();
      this.programs.clear();
      this.packageNames.clear();
      return;
    }
    if (this.overlay.has(file)) return;
    const text = this.readText(file);
    for (const program of this.programs.values()) program.update(file, text);
  }

  private setOverlay(file: string, text: string | undefined): void {
    const dir = norm(path.dirname(file));
    const had = this.overlay.has(file);
    if (text === undefined) {
      if (!had) return;
      this.overlay.delete(file);
      const n = (this.overlayDirs.get(dir) ?? 1) - 1;
      if (n > 0) this.overlayDirs.set(dir, n);
      else this.overlayDirs.delete(dir);
      return;
    }
    this.overlay.set(file, text);
    if (!had) this.overlayDirs.set(dir, (this.overlayDirs.get(dir) ?? 0) + 1);
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


/** A file that decides how others are typed: a tsconfig (or a config it extends), a package.json. */
export function isSettingsFile(file: string): boolean {
  return /(^|[\\/])(tsconfig[^\\/]*\.json|jsconfig\.json|package\.json)$/.test(file);
}

export function mentionsFlowsmith(text: string): boolean {
  return /["']flowsmith["']/.test(text) || /\b(task|workflow)\s*\(/.test(text);
}
