/**
 * One TypeScript program of the analysis: the files of one tsconfig (or of TypeScript's defaults)
 * that the analysis asked for, with what they import. Each edit replaces one file's tree, and the
 * next program reuses every other tree (and the old program's structure).
 *
 * Every tree the analysis walks comes from the program (`sourceFile`), so a walk and the checker
 * that answers it always see the same nodes. Trees parsed ahead of the program (in slices at start,
 * or on an edit) are parsed with the module format the program will ask for (NodeNext decides it
 * by the nearest package.json's "type"), so the program takes them as they are.
 *
 * Files are parsed the way tsc parses them where it matters for speed: declaration files (the
 * default libraries, @types/node, packages) without their JSDoc (only JS files take types from it)
 * and without a parent-pointer pass (the binder sets parents); workspace sources with both (the
 * fingerprinter reuses their trees).
 */
import * as path from "node:path";
import { getLibFiles, libFolderInMemoryPath, ts } from "@ts-morph/common";
import type { ProjectConfig as TsConfig } from "../../../runtime/src/analysis/tsconfig.js";

/** A program's settings: a tsconfig's (as the user wrote them, made emit-free) or TypeScript's defaults. */
export interface ProjectConfig {
  /** Absolute path of the tsconfig.json; undefined for the defaults. */
  file: string | undefined;
  options: ts.CompilerOptions;
  references: readonly ts.ProjectReference[];
  /** Why the config could not be used as written (a syntax error…), if it could not. */
  error?: string;
}

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

/**
 * The settings a file's program is built with, from the config the locator found for it (the
 * runtime's types are another TypeScript's declarations of the same shapes). The user's options
 * are taken as TypeScript reads them, with none of ours mixed in (a `module` without
 * `moduleResolution` implies its own); the analysis never emits or checks libraries.
 */
export function projectConfig(config: TsConfig | undefined): ProjectConfig {
  if (!config) return { file: undefined, options: DEFAULT_OPTIONS, references: [] };
  if (config.error) return { file: config.file, options: DEFAULT_OPTIONS, references: [], error: config.error };
  const options = config.parsed.options as unknown as ts.CompilerOptions;
  return {
    file: config.file,
    options: { ...options, noEmit: true, skipLibCheck: true, composite: false, declaration: false, declarationMap: false, emitDeclarationOnly: false, incremental: false },
    references: (config.parsed.projectReferences ?? []) as unknown as readonly ts.ProjectReference[],
  };
}

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
export const norm = (file: string): string => path.posix.normalize(file.replace(/\\/g, "/"));

/** What a program reads besides the disk: the texts of open documents. */
export interface Overlay {
  text(file: string): string | undefined;
  /** A folder holding an open document (a new file may live in a folder not yet on disk). */
  hasDir(dir: string): boolean;
}

export class ConfigProgram {
  readonly options: ts.CompilerOptions;
  /** Parsed files by path, kept across programs: a new program re-parses only what changed. */
  private readonly parsedFiles = new Map<string, ts.SourceFile>();
  /** What programs are built from (flow files, open documents, files asked for); their imports come with them. */
  private readonly roots = new Set<string>();
  private program: ts.Program | undefined;
  /** The last program, until the next is built (it reuses its structure). */
  private previous: ts.Program | undefined;
  private readonly host: ts.CompilerHost;
  /** package.json lookups for module formats; made anew with each program (a "type" may change). */
  private packageJsons: ts.PackageJsonInfoCache | undefined;

  /** `root`: the workspace folder, the current directory of a program without a tsconfig. */
  constructor(
    readonly config: ProjectConfig,
    private readonly overlay: Overlay,
    private readonly root: string,
  ) {
    this.options = config.options;
    this.host = this.createHost();
  }

  /** The program, built when files changed since the last one. */
  current(): ts.Program {
    if (!this.program) {
      this.program = ts.createProgram({
        rootNames: [...this.roots],
        options: this.options,
        host: this.host,
        ...(this.config.references.length ? { projectReferences: this.config.references } : {}),
        ...(this.previous ? { oldProgram: this.previous } : {}),
      });
      this.previous = undefined;
      this.packageJsons = undefined;
    }
    return this.program;
  }

  /** `file`'s tree in the current program, `file` added as a root first (with what it imports). */
  sourceFile(file: string, text: string): ts.SourceFile | undefined {
    const key = norm(file);
    this.addRoot(key, text);
    return this.current().getSourceFile(key);
  }

  /** The tree of a file if it is parsed already (nothing is added or built). */
  parsed(file: string): ts.SourceFile | undefined {
    return this.parsedFiles.get(norm(file));
  }

  has(file: string): boolean {
    return this.parsedFiles.has(norm(file));
  }

  /** Make `file` a root, parsed with `text` (kept when it is that text already). */
  addRoot(key: string, text: string): void {
    const sf = this.parsedFiles.get(key);
    if (!sf || sf.text !== text) this.parseAhead(key, text);
    if (!this.roots.has(key)) {
      this.roots.add(key);
      if (this.program && !this.program.getSourceFile(key)) this.invalidate();
    }
  }

  /** A file's text changed (an edit, the disk): re-parse it if this program has it. */
  update(file: string, text: string | undefined): void {
    const key = norm(file);
    const sf = this.parsedFiles.get(key);
    if (text === undefined) {
      if (sf || this.roots.has(key)) {
        this.parsedFiles.delete(key);
        this.roots.delete(key);
        this.invalidate();
      }
      return;
    }
    if (sf && sf.text !== text) this.parseAhead(key, text);
  }

  private invalidate(): void {
    if (this.program) this.previous = this.program;
    this.program = undefined;
  }

  /** Parse a workspace file before the program asks for it, as the program will ask. */
  private parseAhead(key: string, text: string): void {
    this.packageJsons ??= ts.createModuleResolutionCache(this.host.getCurrentDirectory(), (f) => f, this.options).getPackageJsonInfoCache();
    const impliedNodeFormat = ts.getImpliedNodeFormatForFile(key, this.packageJsons, this.host, this.options);
    const sf = this.parse(key, text, {
      languageVersion: this.options.target ?? ts.ScriptTarget.ES2022,
      impliedNodeFormat,
    });
    this.parsedFiles.set(key, sf);
    this.invalidate();
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

  private createHost(): ts.CompilerHost {
    const sys = ts.sys;
    const overlay = this.overlay;
    const host: ts.CompilerHost & { useSourceOfProjectReferenceRedirect(): boolean } = {
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
        const text = overlay.text(fileName) ?? libText(key) ?? sys.readFile(fileName);
        if (text === undefined) return undefined;
        const sf = this.parse(key, text, languageVersionOrOptions);
        this.parsedFiles.set(key, sf);
        return sf;
      },
      getDefaultLibFileName: (options) => `${LIB_DIR}/${ts.getDefaultLibFileName(options)}`,
      getDefaultLibLocation: () => LIB_DIR,
      writeFile: () => undefined,
      getCurrentDirectory: () => norm(this.config.file ? path.dirname(this.config.file) : this.root),
      getCanonicalFileName: (fileName) => fileName,
      useCaseSensitiveFileNames: () => true,
      getNewLine: () => "\n",
      fileExists: (fileName) => this.parsedFiles.has(norm(fileName)) || overlay.text(fileName) !== undefined || libText(norm(fileName)) !== undefined || sys.fileExists(fileName),
      readFile: (fileName) => overlay.text(fileName) ?? libText(norm(fileName)) ?? sys.readFile(fileName),
      directoryExists: (dir) => LIB_DIRS.has(norm(dir)) || overlay.hasDir(norm(dir)) || sys.directoryExists(dir),
      getDirectories: (dir) => sys.getDirectories(dir),
      // Project references: the program reads each referenced tsconfig and lists its files
      // (without it, createProgram fails a Debug assertion and no flow is found).
      readDirectory: (dir, extensions, excludes, includes, depth) => sys.readDirectory(dir, extensions, excludes, includes, depth),
      realpath: (p) => (sys.realpath ? sys.realpath(p) : p),
      getEnvironmentVariable: (name) => process.env[name] ?? "",
      // A monorepo's packages import each other's sources, as in the editor, not d.ts outputs
      // that may not be built.
      useSourceOfProjectReferenceRedirect: () => true,
    };
    return host;
  }
}
