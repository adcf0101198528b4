import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import ts from "typescript";
import { fingerprintTasks } from "../../analysis/fingerprint.js";
import { FlowsmithError } from "../../util/errors.js";

const SKIP = new Set(["node_modules", ".git", ".flowsmith", "dist", "out", ".vscode-test"]);

export function flowFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      if (entry.name.startsWith(".") && entry.name !== ".") continue;
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name)) walk(p);
      } else if (/\.(ts|tsx|mts|cts)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
        const text = fs.readFileSync(p, "utf8");
        if (/from\s+["']flowsmith["']/.test(text)) out.push(p);
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** Exported workflows of a file, found syntactically (nothing is executed). */
function workflowsIn(file: string): { name: string; line: number }[] {
  const text = fs.readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const locals = new Set<string>();
  for (const stmt of sf.statements) {
    if (ts.isImportDeclaration(stmt) && ts.isStringLiteral(stmt.moduleSpecifier) && stmt.moduleSpecifier.text === "flowsmith") {
      const bindings = stmt.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements) if ((el.propertyName ?? el.name).text === "workflow") locals.add(el.name.text);
      }
    }
  }
  const found: { name: string; line: number }[] = [];
  for (const stmt of sf.statements) {
    if (!ts.isVariableStatement(stmt) || !stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    for (const decl of stmt.declarationList.declarations) {
      const init = decl.initializer;
      if (init && ts.isCallExpression(init) && ts.isIdentifier(init.expression) && locals.has(init.expression.text) && ts.isIdentifier(decl.name)) {
        found.push({ name: decl.name.text, line: sf.getLineAndCharacterOfPosition(decl.getStart()).line + 1 });
      }
    }
  }
  return found;
}

export function registerList(program: Command): void {
  program
    .command("list")
    .description("flows and tasks found, with locations (nothing is executed)")
    .argument("[dir]", "directory to search", ".")
    .option("--format <format>", "text or json", "text")
    .action((dir: string, opts: { format: string }) => {
      const root = path.resolve(dir);
      if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new FlowsmithError(`no such directory: ${dir}`);
      const entries = flowFiles(root).map((file) => {
        const text = fs.readFileSync(file, "utf8");
        const lineOf = (offset: number) => text.slice(0, offset).split("\n").length;
        const tasks = [...fingerprintTasks(file).values()].filter((t) => t.file === file).map((t) => ({ name: t.name, line: lineOf(t.start) }));
        return { file: path.relative(process.cwd(), file) || file, workflows: workflowsIn(file), tasks };
      });
      if (opts.format === "json") {
        process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
        return;
      }
      if (!entries.length) {
        process.stdout.write(`no flow files under ${dir}\n`);
        return;
      }
      for (const e of entries) {
        process.stdout.write(`${e.file}\n`);
        for (const w of e.workflows) process.stdout.write(`  workflow ${e.file}#${w.name}  (line ${w.line})\n`);
        for (const t of e.tasks) process.stdout.write(`  task     ${t.name}  (line ${t.line})\n`);
      }
    });
}
