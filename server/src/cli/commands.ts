/**
 * `flowsmith check`, `graph` and `list`: the language server's analysis on the command line, so
 * the editor and the CLI never disagree. Bundled as runtime/dist/analysis.js and loaded by the CLI
 * only when one of these commands runs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FlowAnalysis, storeStatuses, type FlowDiagnostic, type StaticStatus, type WorkflowInfo } from "../analysis/index.js";
import { syntaxErrorLine } from "../analysis/syntaxErrors.js";
import { FlowsmithError, hint } from "../../../runtime/src/util/errors.js";
import { parseTarget } from "../../../runtime/src/engine/target.js";
import { findWorkspaceRoot, Store } from "../../../runtime/src/store/store.js";
import { defaultExportAlias } from "../analysis/discover.js";
import { cachedCheck, type CheckResults } from "./checkCache.js";
import { diagnosticLine, rel, reportCheck } from "./checkOutput.js";
import { compositionCheckResult, compositionGraphCommand, compositionListEntry, isCompositionFile, isCompositionTarget } from "./compositionCommands.js";
import { discoverCompositionFiles } from "../compositions/discover.js";
import { serveCheckDaemon } from "./checkDaemon.js";
import { DOT_COLOR, MERMAID_CLASSES } from "./graphStyle.js";


/**
 * The analysis for a directory's or a file's flow files, as the language server has it: rooted at
 * the workspace the directory is in (so `list valid` reads the workspace's tsconfig, as `list .`
 * and the editor do), with every file loaded into one program before any is analysed (as the
 * server's first scan does), so no file is analysed against a program that lacks the others.
 */
export function analysisFor(dirOrFile: string, store?: string): { analysis: FlowAnalysis; files: string[] } {
  const abs = path.resolve(dirOrFile);
  if (!fs.existsSync(abs)) throw new FlowsmithError(`no such file or directory: ${dirOrFile}`);
  const isDir = fs.statSync(abs).isDirectory();
  const root = isDir ? findWorkspaceRoot(abs) : process.cwd();
  const analysis = new FlowAnalysis(root, { statuses: storeStatuses(Store.forWorkspace(root, store)) });
  // Compositions (*.flows.yaml) are checked and listed too; only flow files go into the program.
  const files = isDir ? [...analysis.project.discoverFlowFiles(abs), ...discoverCompositionFiles(abs)].sort() : [abs];
  analysis.project.addFiles(files.filter((f) => !isCompositionFile(f)));
  return { analysis, files };
}


const within = (inner: FlowDiagnostic["range"], outer: FlowDiagnostic["range"]): boolean =>
  (inner.start.line > outer.start.line || (inner.start.line === outer.start.line && inner.start.character >= outer.start.character)) &&
  (inner.end.line < outer.end.line || (inner.end.line === outer.end.line && inner.end.character <= outer.end.character));

/**
 * The errors `check` finds that stop `flowsmith run` of one workflow, as `check` prints them: every
 * error in its flow file except those inside the file's other workflows (they do not run).
 */
export function runBlockers(file: string, workflow: string, opts: { store?: string }): string[] {
  const { analysis } = analysisFor(file, opts.store);
  const abs = path.resolve(file);
  const others = analysis.analyzeFile(abs).workflows.filter((w) => w.name !== workflow).map((w) => w.declRange);
  return analysis
    .diagnostics(abs)
    .filter((d) => d.file === abs && d.severity === "error" && !others.some((r) => within(d.range, r)))
    .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character)
    .map(diagnosticLine);
}

export function check(target: string, opts: { format?: string; store?: string }): number {
  const abs = path.resolve(target);
  if (!fs.existsSync(abs)) throw new FlowsmithError(`no such file or directory: ${target}`);
  const root = fs.statSync(abs).isDirectory() ? findWorkspaceRoot(abs) : process.cwd();
  // What the code says is kept between checks (checkCache.ts); FS012 comes from the store each time.
  const { files, results } = cachedCheck(abs, [Store.forWorkspace(root, opts.store).dir], () => {
    const { analysis, files } = analysisFor(target, opts.store);
    return checkResultsOf(analysis, files);
  });
  return reportCheck(root, opts, files, results);
}

/** What a check of `files` found with `analysis` (FS012 aside: it comes from the store when printed). The check daemon computes the same. */
export function checkResultsOf(analysis: FlowAnalysis, files: string[]): CheckResults {
  return {
    files,
    results: files.map((file) => isCompositionFile(file) ? compositionCheckResult(analysis, file) : ({
      file,
      diagnostics: analysis.diagnostics(file).filter((d) => d.file === file && d.code !== "FS012"),
      workflows: analysis.analyzeFile(file).workflows,
    })),
  };
}

function findWorkflow(targetText: string, store?: string): { analysis: FlowAnalysis; wf: WorkflowInfo } {
  const spec = parseTarget(targetText);
  const file = path.resolve(spec.file);
  if (!fs.existsSync(file)) throw new FlowsmithError(`no such flow file: ${spec.file}`);
  const analysis = new FlowAnalysis(process.cwd(), { statuses: storeStatuses(Store.forWorkspace(process.cwd(), store)) });
  const broken = syntaxErrorLine(analysis.analyzeFile(file).diagnostics, rel);
  if (broken) throw new FlowsmithError(broken);
  const flows = analysis.analyzeFile(file).workflows.filter((w) => w.exported);
  const names = flows.map((w) => w.name);
  let wf: WorkflowInfo | undefined;
  if (spec.workflow === undefined) {
    if (flows.length !== 1) throw new FlowsmithError(flows.length ? `${spec.file} exports several workflows (${names.join(", ")}); name one: ${spec.file}#${names[0]}` : `${spec.file} exports no workflow`);
    wf = flows[0];
  } else {
    wf = flows.find((w) => w.name === spec.workflow) ?? (spec.workflow === "default" ? defaultAlias(analysis, file, flows) : undefined);
    if (!wf) throw new FlowsmithError(`${spec.file} has no exported workflow "${spec.workflow}"${hint(spec.workflow, names)}${names.length ? `; it exports ${names.join(", ")}` : ""}`);
  }
  if (spec.node !== undefined && !wf!.nodes.some((n) => n.id === spec.node)) {
    const ids = wf!.nodes.map((n) => n.id);
    throw new FlowsmithError(`workflow ${wf!.name} has no node "${spec.node}"${hint(spec.node, ids)}; its nodes are ${ids.join(", ")}`);
  }
  return { analysis, wf: wf! };
}

/** `FILE#default` where the default export is a workflow the file also exports by name (`export default main`). */
function defaultAlias(analysis: FlowAnalysis, file: string, flows: WorkflowInfo[]): WorkflowInfo | undefined {
  const sf = analysis.project.parsed(file);
  const alias = sf && defaultExportAlias(sf);
  return alias ? flows.find((w) => w.name === alias) : undefined;
}

export function graph(targetText: string, opts: { format?: string; store?: string }): number {
  if (isCompositionTarget(targetText)) return compositionGraphCommand(targetText, opts);
  const { analysis, wf } = findWorkflow(targetText, opts.store);
  const statuses = analysis.statuses(wf);
  const status = (id: string) => statuses.get(id)?.status ?? "pending";
  const format = opts.format ?? "json";
  if (format === "json") {
    const out = {
      target: analysis.targetOf(wf),
      name: wf.name,
      params: wf.params,
      nodes: wf.nodes.map((n) => ({
        id: n.id,
        task: n.task,
        status: status(n.id),
        deps: n.deps,
        scope: n.scope,
        file: rel(n.file),
        line: n.range.start.line + 1,
        fingerprint: n.fingerprint,
        ...lastRun(statuses.get(n.id)),
      })),
      edges: wf.edges.map((e) => ({ from: e.from, to: e.to, output: e.output, input: e.input })),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else if (format === "dot") {
    const lines = [`digraph "${wf.name}" {`, "  rankdir=LR;", '  node [shape=box, style="rounded,filled"];'];
    for (const n of wf.nodes) lines.push(`  "${n.id}" [label="${n.id}\\n(${status(n.id)})", fillcolor=${DOT_COLOR[status(n.id)] ?? "white"}];`);
    for (const e of wf.edges) lines.push(`  "${e.from}" -> "${e.to}" [label="${e.output || "*"} → ${e.input}"];`);
    lines.push("}");
    process.stdout.write(`${lines.join("\n")}\n`);
  } else if (format === "mermaid") {
    const ids = new Map(wf.nodes.map((n, i) => [n.id, `n${i}`]));
    const lines = ["flowchart LR"];
    for (const n of wf.nodes) lines.push(`  ${ids.get(n.id)}["${n.id} (${status(n.id)})"]:::${status(n.id)}`);
    for (const e of wf.edges) lines.push(`  ${ids.get(e.from)} -- "${e.output || "*"} → ${e.input}" --> ${ids.get(e.to)}`);
    lines.push(...MERMAID_CLASSES);
    process.stdout.write(`${lines.join("\n")}\n`);
  } else {
    throw new FlowsmithError(`unknown --format "${format}" (json, dot or mermaid)`);
  }
  return 0;
}

function lastRun(s: StaticStatus | undefined): Record<string, unknown> {
  const st = s?.state;
  if (!st) return {};
  return { lastRun: { runId: st.runId, status: st.status, finishedAt: st.finishedAt, durationMs: st.durationMs, cacheKey: st.cacheKey, error: st.error } };
}

export function list(dir: string, opts: { format?: string }): number {
  const { analysis, files } = analysisFor(dir);
  const entries = files.map((file) => {
    if (isCompositionFile(file)) return compositionListEntry(analysis, file);
    const a = analysis.analyzeFile(file);
    return {
      file: rel(file),
      workflows: a.workflows.filter((w) => w.exported).map((w) => ({
        name: w.name,
        target: `${rel(file)}#${w.name}`,
        line: w.nameRange.start.line + 1,
        nodes: w.nodes.length,
        nodeIds: w.nodes.map((n) => n.id),
        params: w.params,
      })),
      tasks: a.tasks.map((t) => ({ name: t.name, line: t.nameRange.start.line + 1, signature: analysis.signatureOf(file, t.name) })),
    };
  }).filter((e) => e.workflows.length || e.tasks.length || ("compositions" in e && e.compositions.length));
  if (opts.format === "json") {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  if (!entries.length) {
    process.stdout.write(`no flows under ${dir}\n`);
    return 0;
  }
  for (const e of entries) {
    process.stdout.write(`${e.file}\n`);
    for (const w of e.workflows) process.stdout.write(`  workflow  ${w.target}  (line ${w.line}, ${w.nodes} node${w.nodes === 1 ? "" : "s"})\n`);
    for (const t of e.tasks) process.stdout.write(`  task      ${t.name}  (line ${t.line})\n`);
    for (const c of "compositions" in e ? e.compositions : []) process.stdout.write(`  composition  ${c.target}  (line ${c.line}, ${c.flows.length} flow${c.flows.length === 1 ? "" : "s"}, ${c.nodes} node${c.nodes === 1 ? "" : "s"})\n`);
  }
  return 0;
}

/** `flowsmith check-daemon`: serve checks from a kept analysis until idle (checkDaemon.ts). */
export function runCheckDaemon(options: Parameters<typeof serveCheckDaemon>[1]): void {
  serveCheckDaemon({ analysisFor, checkResultsOf }, options);
}
