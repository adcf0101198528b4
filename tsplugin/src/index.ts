/**
 * Flowsmith's TypeScript server plugin: one squiggle per mistake. tsserver loads it (the extension
 * contributes it as a `typescriptServerPlugin`); the extension sends it, through the TypeScript
 * extension's `configurePlugin`, the spans its Flowsmith diagnostics cover in each open flow file,
 * with a fingerprint of the text they were measured in. The plugin drops TypeScript's own
 * diagnostic of a mapped code where such a span covers it, and only while the file's text is the
 * fingerprinted one: anything stale, unknown or malformed leaves TypeScript's diagnostics as they
 * are. It never throws into tsserver.
 */
import type * as ts from "typescript";
import { readConfig, fileKey, fingerprint, isCovered, type CoveredConfig, type CoveredFile } from "./covered";

type RegionDiagnostics = (fileName: string, ranges: unknown) => { diagnostics: ts.Diagnostic[] } | undefined;

let config: CoveredConfig = { files: {} };
/** Projects the plugin was created in: one of them asks tsserver to send diagnostics again. */
const projects = new Set<ts.server.Project>();
const fingerprints = new WeakMap<ts.SourceFile, string>();

function init(modules: { typescript: typeof ts }): ts.server.PluginModule {
  const tsm = modules.typescript;

  /** The TypeScript diagnostic's span, a property's name widened to the whole `name: value`. */
  function mistakeSpan(source: ts.SourceFile, start: number, length: number): [number, number] {
    let node: ts.Node = source;
    for (;;) {
      const child: ts.Node | undefined = tsm.forEachChild(node, (c) => (c.getStart(source) <= start && start < c.end ? c : undefined));
      if (!child) break;
      node = child;
    }
    const parent = node.parent;
    if (parent && tsm.isPropertyAssignment(parent) && parent.name === node) return [parent.getStart(source), parent.end];
    return [start, start + length];
  }

  function coveredFile(fileName: string, source: ts.SourceFile | undefined): CoveredFile | undefined {
    const file = config.files[fileKey(fileName)];
    if (!file || !source) return undefined;
    let fp = fingerprints.get(source);
    if (fp === undefined) fingerprints.set(source, (fp = fingerprint(source.text)));
    return fp === file.fingerprint ? file : undefined;
  }

  function filter<D extends ts.Diagnostic>(ls: ts.LanguageService, fileName: string, diagnostics: readonly D[]): D[] {
    try {
      const source = ls.getProgram()?.getSourceFile(fileName);
      const file = coveredFile(fileName, source);
      if (!file || !source) return [...diagnostics];
      return diagnostics.filter((d) => {
        if (d.start === undefined || d.length === undefined || d.file?.fileName !== source.fileName) return true;
        const [start, end] = mistakeSpan(source, d.start, d.length);
        return !isCovered(file, d.code, start, end);
      });
    } catch {
      return [...diagnostics];
    }
  }

  return {
    create(info) {
      projects.add(info.project);
      const adopted = readConfig(info.config);
      if (Object.keys(adopted.files).length) config = adopted;
      const ls = info.languageService;
      const proxy = Object.create(null) as ts.LanguageService;
      for (const key of Object.keys(ls) as (keyof ts.LanguageService)[]) {
        const member = ls[key];
        (proxy as unknown as Record<string, unknown>)[key] = typeof member === "function" ? (...args: unknown[]) => (member as (...a: unknown[]) => unknown).apply(ls, args) : member;
      }
      proxy.getSemanticDiagnostics = (fileName) => filter(ls, fileName, ls.getSemanticDiagnostics(fileName));
      proxy.getSuggestionDiagnostics = (fileName) => filter(ls, fileName, ls.getSuggestionDiagnostics(fileName));
      // Internal, used by tsserver for the visible part of a large file first (regionSemanticDiag).
      const regional = ls as unknown as Partial<Record<"getRegionSemanticDiagnostics", RegionDiagnostics>>;
      const getRegion = regional.getRegionSemanticDiagnostics;
      if (typeof getRegion === "function") {
        (proxy as unknown as typeof regional).getRegionSemanticDiagnostics = (fileName, ranges) => {
          const region = getRegion.call(ls, fileName, ranges);
          return region && { ...region, diagnostics: filter(ls, fileName, region.diagnostics) };
        };
      }
      return proxy;
    },
    onConfigurationChanged(value: unknown) {
      try {
        config = readConfig(value);
        // tsserver does not re-check after configurePlugin; "projects updated" makes the editor ask again.
        for (const project of projects) {
          if (project.isClosed()) projects.delete(project);
        }
        const [project] = projects;
        project?.refreshDiagnostics();
      } catch {
        // A tsserver without refreshDiagnostics: the next edit or focus re-checks.
      }
    },
  };
}

export = init;
