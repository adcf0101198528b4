/**
 * The TypeScript program behind the analysis: files are added lazily (flow files and what they
 * import), open documents overlay the disk, and each edit replaces one file's text so the next
 * program reuses every other parsed file (and the old program's structure).
 *
 * Files are parsed here, the way tsc parses them where it matters for speed: declaration files
 * (the default libraries, @types/node, packages) without their JSDoc (only JS files take types
 * from it) and without a parent-pointer pass (the binder sets parents); workspace sources with
 * both, as before (the fingerprinter reuses their trees).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { getLibFiles, libFolderInMemoryPath, ts } from "@ts-morph/common";

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
const DECLARATION = /\.d\.[cm]?ts$|\.d\.[^/\\]*\.ts$/;

/**
 * The bundled TypeScript's default libraries (lib.*.d.ts) are not on disk: their texts ship with
 * @ts-morph/common, under a virtual folder (the one ts-morph used).
 */
const LIB_DIR = libFolderInMemoryPath as string;
let libTexts: Map<string, string> | undefined;
function libText(file: string): string | undefined {
  if (!file.startsWith(`${LIB_DIR}/`)) return undefined;
  libTexts ??= new Map(getLibFiles().map((f) => [`${LIB_DIR}/${f.fileName}`, f.text]));
  return libTexts.get(file);
}
const LIB_DIRS = new Set(["/", "/node_modules", "/node_modules/typescript", LIB_DIR]);

/** Paths as TypeScript writes them (forward slashes, no `.` or `..`). */
const norm = (file: string): string => path.posix.normalize(file.replace(/\\/g, "/"));

/** The module format TypeScript gives a workspace file by its extension alone (no package.json lookup). */
function impliedFormatOf(file: string): ts.ResolutionMode {
  if (/\.m[jt]s$/.test(file)) return ts.ModuleKind.ESNext;
  if (/\.c[jt]s$/.test(file)) return ts.ModuleKind.CommonJS;
  return undefined;
}

export class FlowProject {
  readonly options: ts.CompilerOptions;
  /** Texts of open documents, which win over the disk. */
  private readonly overlay = new Map<string, string>();
  /** Folders of open documents (a new file may live in a folder not yet on disk). */
  private readonly overlayDirs = new Map<string, number>();
  private readonly packageNames = new Map<string, string | undefined>();
  /** Parsed files by path, kept across programs: a new program re-parses only what changed. */
  private readonly parsedFiles = new Map<string, ts.SourceFile>();
  /** What programs are built from (flow files, open documents, files asked for); their imports come with them. */
  private readonly roots = new Set<string>();
  private program: ts.Program | undefined;
  /** The last program, until the next is built (it reuses its structure). */
  private previous: ts.Program | undefined;
  private readonly host: ts.CompilerHost;

  constructor(readonly root: string) {
    this.options = readCompilerOptions(root);
    this.host = this.createHost();
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

  /** The source file for a path, added (with what it imports) on first use. */
  sourceFile(file: string): ts.SourceFile | undefined {
    const key = norm(file);
    let sf = this.parsedFiles.get(key);
    if (!sf) {
      const text = this.readText(file);
      if (text === undefined) return undefined;
      sf = this.parseRoot(key, text);
    }
    if (!this.roots.has(key)) {
      this.roots.add(key);
      if (this.program && !this.program.getSourceFile(key)) this.invalidate();
    }
    return sf;
  }

  /** The source file of a path if it is parsed already (nothing is added). */
  parsed(file: string): ts.SourceFile | undefined {
    return this.parsedFiles.get(norm(file));
  }

  /** The type checker of the current program (made anew after files change). */
  checker(): ts.TypeChecker {
    return this.currentProgram().getTypeChecker();
  }

  /** Add many files at once: one program build for all of them instead of one per file. */
  addFiles(files: string[]): void {
    this.parseFiles(files);
    this.currentProgram();
  }

  /** Parse files into the project without building a program (`addFiles` builds it). */
  parseFiles(files: string[]): void {
    for (const file of files) {
      const key = norm(file);
      if (this.parsedFiles.has(key)) {
        if (!this.roots.has(key)) {
          this.roots.add(key);
          if (this.program && !this.program.getSourceFile(key)) this.invalidate();
        }
        continue;
      }
      const text = this.readText(file);
      if (text === undefined) continue;
      this.parseRoot(key, text);
      this.roots.add(key);
    }
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
    const key = norm(file);
    const sf = this.parsedFiles.get(key);
    if (sf && sf.text === text) return before !== undefined && before !== text;
    this.parseRoot(key, text);
    this.roots.add(key);
    this.currentProgram();
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
    if (this.overlay.has(file)) return;
    const key = norm(file);
    const sf = this.parsedFiles.get(key);
    const text = this.readText(file);
    if (text === undefined) {
      if (sf) {
        this.parsedFiles.delete(key);
        this.roots.delete(key);
        this.invalidate();
      }
      return;
    }
    if (sf && sf.text !== text) this.parseRoot(key, text);
  }

  // ---- the program ---------------------------------------------------------------------------

  private currentProgram(): ts.Program {
    if (!this.program) {
      this.program = ts.createProgram({ rootNames: [...this.roots], options: this.options, host: this.host, ...(this.previous ? { oldProgram: this.previous } : {}) });
      this.previous = undefined;
    }
    return this.program;
  }

  private invalidate(): void {
    if (this.program) this.previous = this.program;
    this.program = undefined;
  }

  /**
   * Parse (or re-parse) a workspace file with `text`; the next program uses it. Parsed ahead of
   * the program (in slices at start, or on an edit), so without the module format the program
   * will ask for: `host.getSourceFile` parses it again in the rare case that differs.
   */
  private parseRoot(key: string, text: string): ts.SourceFile {
    const sf = this.parse(key, text, { languageVersion: this.options.target ?? ts.ScriptTarget.ES2022, impliedNodeFormat: impliedFormatOf(key) });
    this.parsedFiles.set(key, sf);
    this.invalidate();
    return sf;
  }

  private parse(file: string, text: string, options: ts.ScriptTarget | ts.CreateSourceFileOptions): ts.SourceFile {
    const declaration = DECLARATION.test(file);
    const base = typeof options === "object" ? options : { languageVersion: options };
    return ts.createSourceFile(
      file,
      text,
      { ...base, jsDocParsingMode: declaration ? ts.JSDocParsingMode.ParseNone : ts.JSDocParsingMode.ParseAll },
      /* setParentNodes */ !declaration,
    );
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

  private overlayText(file: string): string | undefined {
    return this.overlay.size ? this.overlay.get(file) ?? this.overlay.get(path.normalize(file)) : undefined;
  }

  private createHost(): ts.CompilerHost {
    const sys = ts.sys;
    return {
      getSourceFile: (fileName, languageVersionOrOptions) => {
        const key = norm(fileName);
        const cached = this.parsedFiles.get(key);
        const asked = typeof languageVersionOrOptions === "object" ? languageVersionOrOptions : undefined;
        if (cached) {
          if (!asked || (cached.impliedNodeFormat === asked.impliedNodeFormat && cached.languageVersion === asked.languageVersion)) {
            // What tsc's parse does last (module detection under the program's options).
            asked?.setExternalModuleIndicator?.(cached);
            return cached;
          }
          const again = this.parse(key, cached.text, asked);
          this.parsedFiles.set(key, again);
          return again;
        }
        const text = this.overlayText(fileName) ?? libText(key) ?? sys.readFile(fileName);
        if (text === undefined) return undefined;
        const sf = this.parse(key, text, languageVersionOrOptions);
        this.parsedFiles.set(key, sf);
        return sf;
      },
      getDefaultLibFileName: (options) => `${LIB_DIR}/${ts.getDefaultLibFileName(options)}`,
      getDefaultLibLocation: () => LIB_DIR,
      writeFile: () => undefined,
      getCurrentDirectory: () => norm(this.root),
      getCanonicalFileName: (fileName) => fileName,
      useCaseSensitiveFileNames: () => true,
      getNewLine: () => "\n",
      fileExists: (fileName) => this.parsedFiles.has(norm(fileName)) || this.overlayText(fileName) !== undefined || libText(norm(fileName)) !== undefined || sys.fileExists(fileName),
      readFile: (fileName) => this.overlayText(fileName) ?? libText(norm(fileName)) ?? sys.readFile(fileName),
      directoryExists: (dir) => LIB_DIRS.has(norm(dir)) || this.overlayDirs.has(norm(dir)) || sys.directoryExists(dir),
      getDirectories: (dir) => sys.getDirectories(dir),
      realpath: (p) => (sys.realpath ? sys.realpath(p) : p),
      getEnvironmentVariable: (name) => process.env[name] ?? "",
    };
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
