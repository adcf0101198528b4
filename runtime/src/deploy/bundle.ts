/**
 * A deployment's code: the flow file and everything it imports bundled by esbuild into one CommonJS
 * file for Node, so a worker that loads it needs no checkout and no `npm install`.
 *
 * What stays outside the bundle (decisions.md, "Deploy"):
 *   - `flowsmith`: the worker's own runtime (the loader hands every flow its SDK, so tasks are the
 *     engine's tasks); Node's built-in modules;
 *   - packages named with `--external` (native addons, or what must be the worker's own copy): they are
 *     required at run time from the artifact's place in the store, else from the worker's working
 *     directory, where the user installs them.
 * Every other package — zod included — is bundled at the version installed when deploying, as a
 * Flyte image or a Malevich app pins its dependencies.
 *
 * Names: the loader names a task by the first module (dependencies first) exporting it; one bundle has
 * one module, so the bundle's entry names its tasks and workflows the same way itself, in the order the
 * source load gave (see namingEntry), and a task keeps its name, hence its cache keys.
 */
import * as path from "node:path";
import { build, type Message } from "esbuild";
import type { LoadedFlows } from "../loader/load.js";
import { sha256 } from "../store/hash.js";
import { FlowsmithError } from "../util/errors.js";

export interface Bundle {
  code: string;
  /** The sha256 of `code`: the artifact's name in the store. */
  hash: string;
}

/**
 * In the bundle, before anything of the user's: a package named with --external is required from the
 * artifact's place (the store), else from the working directory of the process that loads it.
 */
const REQUIRE_FALLBACK = `var require = (function (r) {
  var fallback;
  return Object.assign(function (id) {
    try { return r(id); } catch (e) {
      if (!e || e.code !== "MODULE_NOT_FOUND" || /^[./]/.test(id)) throw e;
      fallback = fallback || r("module").createRequire(r("path").join(process.cwd(), "noop.js"));
      return fallback(id);
    }
  }, r);
})(require);`;

/** A module specifier esbuild resolves from the workspace root, with `/`. */
function specifier(root: string, file: string): string {
  const rel = path.relative(root, file).split(path.sep).join("/");
  return JSON.stringify(rel.startsWith("..") || path.isAbsolute(rel) ? file : `./${rel}`);
}

/**
 * The bundle's entry: the flow file's exports, then the names the loader would give, module by module
 * in the source load's order (its dependencies first, the flow file last; in each, named exports before
 * `default`; a name already given is kept), as loader/load.ts names them.
 */
function namingEntry(root: string, flows: LoadedFlows, hasDefault: boolean): string {
  const modules = [...flows.modules, flows.file];
  const lines = [`import * as m0 from ${specifier(root, flows.file)};`];
  flows.modules.forEach((file, i) => lines.push(`import * as m${i + 1} from ${specifier(root, file)};`));
  lines.push(`export * from ${specifier(root, flows.file)};`);
  if (hasDefault) lines.push(`export { default } from ${specifier(root, flows.file)};`);
  const order = modules.map((file) => (file === flows.file ? "m0" : `m${flows.modules.indexOf(file) + 1}`));
  lines.push(
    `const TASK = Symbol.for("flowsmith.task"), WORKFLOW = Symbol.for("flowsmith.workflow");`,
    `for (const ns of [${order.join(", ")}]) {`,
    `  const entries = Object.entries(ns);`,
    `  for (const [name, value] of [...entries.filter(([n]) => n !== "default"), ...entries.filter(([n]) => n === "default")]) {`,
    `    if (typeof value !== "function" || value.exportName !== undefined) continue;`,
    `    if (value[TASK] === true && !(value.options && value.options.name)) value.exportName = name;`,
    `    else if (value[WORKFLOW] === true) value.exportName = name;`,
    `  }`,
    `}`,
  );
  return `${lines.join("\n")}\n`;
}

function firstError(errors: Message[]): string {
  const e = errors[0];
  if (!e) return "unknown error";
  const where = e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ` : "";
  return `${where}${e.text}`;
}

/**
 * Bundle a loaded flow file (`root`: the workspace root, which paths in the bundle are relative to, so
 * the same code deployed from the same place bundles to the same bytes).
 */
export async function bundleFlow(root: string, flows: LoadedFlows, externals: string[] = []): Promise<Bundle> {
  const hasDefault = Object.prototype.hasOwnProperty.call(require.cache[flows.file]?.exports ?? {}, "default");
  let code: string;
  try {
    const result = await build({
      stdin: { contents: namingEntry(root, flows, hasDefault), resolveDir: root, sourcefile: "flowsmith-deployment.js", loader: "js" },
      absWorkingDir: root,
      outfile: path.join(root, "flowsmith-deployment.js"),
      bundle: true,
      write: false,
      platform: "node",
      format: "cjs",
      target: "node20",
      external: ["flowsmith", "flowsmith/*", ...externals],
      banner: { js: REQUIRE_FALLBACK },
      sourcemap: "inline",
      sourcesContent: false,
      legalComments: "none",
      logLevel: "silent",
      supported: { "dynamic-import": false },
    });
    code = result.outputFiles[0]!.text;
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors ?? [];
    const text = errors.length ? firstError(errors) : String((error as Error).message ?? error);
    const native = /No loader is configured for "\.node" files/.test(text);
    throw new FlowsmithError(
      `cannot bundle ${path.relative(process.cwd(), flows.file) || flows.file}: ${text}` +
        (native ? "; a package with native code cannot be bundled: install it where the workers run and deploy with --external PACKAGE" : ""),
    );
  }
  return { code, hash: sha256(code) };
}
