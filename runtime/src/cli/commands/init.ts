/**
 * `flowsmith init [DIR]`: sets Flowsmith up in a project — a starter flow (flows/hello.ts), a
 * tsconfig.json when there is none, and `.flowsmith/` (the store) in .gitignore. Nothing that exists
 * is overwritten: each step says what it did or what it kept. Running it twice changes nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { FlowsmithError, errorMessage } from "../../util/errors.js";

export const STARTER_FLOW = `/**
 * A starter flow. Run it:   npx flowsmith run flows/hello.ts#hello --param name=Ada
 * Run it again and nothing runs: every node is complete (its output is in .flowsmith/).
 * Change a task's code and that node, and what is downstream of it, runs again.
 */
import { task, workflow } from "flowsmith";
import { z } from "zod";

/** A task takes one object of named inputs and returns an object of named outputs. */
export const greet = task(async ({ name }: { name: string }) => ({
  greeting: \`Hello, \${name}!\`,
}));

export const shout = task(async ({ text }: { text: string }, ctx) => {
  ctx.log(\`shouting \${text.length} characters\`);
  return { loud: text.toUpperCase() };
});

/**
 * The body runs once, before any task, to wire the graph: inside it a task call returns a
 * reference to the task's outputs, which you pass to other tasks' inputs.
 */
export const hello = workflow(
  { params: z.object({ name: z.string().default("world") }) },
  ({ name }) => {
    const greeting = greet({ name });
    const loud = shout({ text: greeting.greeting });
    return { greeting: greeting.greeting, loud: loud.loud };
  },
);
`;

const FLOW_FILE = path.join("flows", "hello.ts");
/** .gitignore lines that already ignore the store at the project root. */
const IGNORES_STORE = new Set([".flowsmith", ".flowsmith/", "/.flowsmith", "/.flowsmith/", ".flowsmith/*", "/.flowsmith/*", "**/.flowsmith", "**/.flowsmith/"]);

/** Is package `name` installed where Node would find it from `dir` (its node_modules or a parent's)? */
function installed(dir: string, name: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, "node_modules", name, "package.json"))) return true;
    if (path.dirname(d) === d) return false;
  }
}

function readPackageJson(dir: string, shown: (file: string) => string): { type?: unknown } | undefined {
  const file = path.join(dir, "package.json");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new FlowsmithError(`cannot read ${shown(file)}: ${errorMessage(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FlowsmithError(`${shown(file)} is not valid JSON (${errorMessage(error)}); fix it and run flowsmith init again`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new FlowsmithError(`${shown(file)} is not a JSON object; fix it and run flowsmith init again`);
  }
  return parsed as { type?: unknown };
}

/** Writes `text` to `file` unless it exists; false when it did. */
function writeNew(file: string, text: string): boolean {
  try {
    fs.writeFileSync(file, text, { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

function tsconfigFor(withNodeTypes: boolean): string {
  const compilerOptions: Record<string, unknown> = {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  };
  if (withNodeTypes) compilerOptions.types = ["node"];
  return `${JSON.stringify({ compilerOptions }, null, 2)}\n`;
}

export function init(dirArg: string): string[] {
  const dir = path.resolve(dirArg);
  const shown = (file: string) => {
    const rel = path.relative(process.cwd(), file);
    return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
  };
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new FlowsmithError(`no such directory: ${dirArg} (create it, or run flowsmith init in your project)`);
  }
  if (!stat.isDirectory()) throw new FlowsmithError(`${dirArg} is not a directory; give your project's directory`);

  const pkg = readPackageJson(dir, shown);
  const esm = pkg?.type === "module";
  const lines: string[] = [];

  // The starter flow.
  const flowsDir = path.join(dir, "flows");
  if (fs.existsSync(flowsDir) && !fs.statSync(flowsDir).isDirectory()) {
    throw new FlowsmithError(`${shown(flowsDir)} is a file, not a directory; the starter flow goes in ${shown(path.join(dir, FLOW_FILE))}`);
  }
  fs.mkdirSync(flowsDir, { recursive: true });
  const flowFile = path.join(dir, FLOW_FILE);
  const createdFlow = writeNew(flowFile, STARTER_FLOW);
  lines.push(
    createdFlow
      ? `created ${shown(flowFile)}: a starter flow, tasks greet and shout wired by workflow hello`
      : `kept ${shown(flowFile)} (it exists)`,
  );

  // A tsconfig.json, when there is none.
  const tsconfig = path.join(dir, "tsconfig.json");
  const existing = fs.existsSync(tsconfig);
  const nodeTypes = installed(dir, "@types/node");
  if (existing) {
    lines.push(`kept ${shown(tsconfig)} (it exists; Flowsmith uses your settings as they are)`);
  } else {
    writeNew(tsconfig, tsconfigFor(nodeTypes));
    lines.push(
      `created ${shown(tsconfig)}: module NodeNext, ${esm ? 'an ES module package ("type": "module")' : 'files are CommonJS (package.json has no "type": "module")'}, strict, noEmit`,
    );
  }

  // The store stays out of git.
  const gitignore = path.join(dir, ".gitignore");
  let ignore: string | undefined;
  try {
    ignore = fs.readFileSync(gitignore, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new FlowsmithError(`cannot read ${shown(gitignore)}: ${errorMessage(error)}`);
  }
  if (ignore === undefined) {
    fs.writeFileSync(gitignore, ".flowsmith/\n");
    lines.push(`created ${shown(gitignore)} with .flowsmith/ (the store: outputs and run records)`);
  } else if (ignore.split(/\r?\n/).some((l) => IGNORES_STORE.has(l.trim()))) {
    lines.push(`kept ${shown(gitignore)} (it already ignores .flowsmith/)`);
  } else {
    fs.appendFileSync(gitignore, `${ignore === "" || ignore.endsWith("\n") ? "" : "\n"}.flowsmith/\n`);
    lines.push(`added .flowsmith/ to ${shown(gitignore)} (the store: outputs and run records)`);
  }

  // What is still to install.
  if (!pkg) lines.push(`there is no package.json in ${dir === process.cwd() ? "this directory" : shown(dir)}: run npm init -y first`);
  const missing = ["flowsmith", "zod"].filter((name) => !installed(dir, name));
  if (missing.length) lines.push(`${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not installed here: npm install ${missing.join(" ")}`);
  const devMissing = ["typescript", "@types/node"].filter((name) => !installed(dir, name));
  if (devMissing.length) lines.push(`to type-check flows with tsc: npm install --save-dev ${devMissing.join(" ")}`);
  if (!existing && !nodeTypes) lines.push(`once @types/node is installed, add "types": ["node"] to tsconfig.json's compilerOptions`);

  lines.push("", "next:");
  if (dir !== process.cwd()) lines.push(`  cd ${shown(dir)}`);
  if (createdFlow) lines.push("  npx flowsmith run flows/hello.ts#hello                 run the workflow; run it again and nothing runs");
  lines.push(
    "  npx flowsmith list .                                   the workflows and tasks found",
    "  npx flowsmith check .                                  Flowsmith's diagnostics, exit 1 on an error",
    "  npx tsc --noEmit                                       TypeScript's own type check",
  );
  return lines;
}

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("set up Flowsmith in a project: a starter flow (flows/hello.ts), a tsconfig.json if there is none, .flowsmith/ in .gitignore")
    .argument("[dir]", "the project directory", ".")
    .action((dir: string) => {
      process.stdout.write(`${init(dir).join("\n")}\n`);
    });
}
