/**
 * A composition target (`nightly.flows.yaml#nightly`) prepared like a workflow's: the YAML read and
 * checked (document.ts), each composing flow's file loaded (relative to the YAML file) and checked
 * against the names the YAML uses — one line at the offending key for anything wrong — and one
 * workflow made of them (body.ts) that the engine plans, runs, previews and resets as any other:
 * its nodes are `FLOW/NODE`, and cache keys are the composing flows' own, so what a standalone run
 * of a flow computed is complete here too.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { buildGraph } from "../graph/builder.js";
import { describeUserError, loadFlowFiles, type LoadedFlows } from "../loader/load.js";
import { workflow } from "../sdk/workflow.js";
import type { TaskImpl, WorkflowImpl } from "../sdk/impl.js";
import { findWorkspaceRoot, resolveStoreDir, Store } from "../store/store.js";
import { taskFingerprints } from "../engine/keys.js";
import type { PreparedFlow } from "../engine/prepare.js";
import { canonicalTarget, parseTarget } from "../engine/target.js";
import { FlowsmithError, hint } from "../util/errors.js";
import { compositionBody, type PlannedFlow } from "./body.js";
import { expectDbParam, RESULTS_DB_FINGERPRINT, RESULTS_DB_TASK, resultsDbTask, type DbParent } from "./db.js";
import { flowOrder, isCompositionFile, parseCompositionFile, type ComposingFlow, type Composition, type CompositionProblem } from "./document.js";
import { CompositionText } from "./located.js";
import { compositionSchema, type CompositionParam, type FieldSchema } from "./params.js";

export { isCompositionFile };

/** What a run of a composition needs besides the PreparedFlow. */
export interface CompositionInfo {
  /** The parents of its db mappings (recorded in the results database after a run). */
  dbParents: DbParent[];
  /** Each composing flow's file and workflow (what `flowsmith check` is asked about before a run). */
  flows: { name: string; loaded: LoadedFlows; workflow: string; shown: string }[];
}

const infos = new WeakMap<PreparedFlow, CompositionInfo>();

/** The composition behind a prepared target, when it is one. */
export function compositionInfo(prepared: PreparedFlow): CompositionInfo | undefined {
  return infos.get(prepared);
}

/** Is this target text a composition's (`FILE.flows.yaml#NAME…`)? */
export function isCompositionTarget(target: string): boolean {
  try {
    return isCompositionFile(parseTarget(target).file);
  } catch {
    return false;
  }
}

export function prepareComposition(targetText: string, options: { cwd?: string; store?: string } = {}): PreparedFlow {
  const cwd = options.cwd ?? process.cwd();
  const spec = parseTarget(targetText);
  const file = path.resolve(cwd, spec.file);
  const root = findWorkspaceRoot(cwd);
  const store = new Store(resolveStoreDir(root, options.store));
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new FlowsmithError(`no such composition file: ${spec.file}`);
  }
  const doc = new CompositionText(spec.file, text);
  const parsed = parseCompositionFile(text);
  throwFirst(doc, parsed.problems);
  const composition = pickComposition(doc, parsed.compositions, spec.workflow, spec.file);
  throwFirst(doc, composition.problems);
  const name = composition.name!.value;
  const target = canonicalTarget(root, file, name);

  // Every composing flow's file, loaded as one program (a task two flows share is one task).
  const flows = composition.flows;
  const refs = flows.map((f) => splitFlowRef(doc, file, f));
  const files = [...new Set(refs.map((r) => r.abs))];
  let loadedList: LoadedFlows[];
  try {
    loadedList = loadFlowFiles(files, store.cacheDir);
  } catch (error) {
    // (The loader's message names the file; the first composing flow of it is where it is said.)
    const message = describeUserError(error);
    const at = refs.find((r) => message.includes(path.basename(r.abs))) ?? refs[0];
    throw doc.error(at?.span ?? composition.span, "FS011", `a composing flow's file could not be loaded: ${message}`);
  }
  const loaded = new Map(files.map((f, i) => [f, loadedList[i]!]));

  const byName = new Map<string, { flow: ComposingFlow; impl: WorkflowImpl; nodes: string[] }>();
  for (const [i, flow] of flows.entries()) {
    const ref = refs[i]!;
    const impl = loaded.get(ref.abs)!.workflows.get(ref.workflow);
    if (!impl) {
      const names = [...loaded.get(ref.abs)!.workflows.keys()];
      throw doc.error(ref.span, "FS011", `${ref.file} has no exported workflow "${ref.workflow}"${hint(ref.workflow, names)}${names.length ? `; it exports ${names.join(", ")}` : "; it exports no workflow"}`);
    }
    byName.set(flow.name!.value, { flow, impl, nodes: nodeIds(doc, flow, impl) });
  }

  const params: CompositionParam[] = [];
  const planned: PlannedFlow[] = [];
  const dbParents: DbParent[] = [];
  for (const flow of flowOrder(composition)) {
    const { impl } = byName.get(flow.name!.value)!;
    const shape = ((impl.options.params as { shape?: Record<string, FieldSchema> } | undefined)?.shape ?? {}) as Record<string, FieldSchema>;
    const flowName = flow.name!.value;
    const keys = Object.keys(shape);
    const mapped = new Set(flow.mapped.map((m) => m.param));
    for (const p of flow.parameters) {
      if (!Object.hasOwn(shape, p.key)) throw doc.error(p.keySpan, "FS011", `composing flow "${flowName}" has no param "${p.key}"${hint(p.key, keys)}${keys.length ? `; its params are ${keys.join(", ")}` : "; it takes no params"}`);
      if (mapped.has(p.key)) throw doc.error(p.keySpan, "FS013", `param "${p.key}" of composing flow "${flowName}" is both given in parameters and mapped; keep one`);
      const checked = shape[p.key]!.safeParse(p.value);
      if (!checked.success) throw doc.error(p.valueSpan, "FS003", `composing flow "${flowName}" param "${p.key}": ${checked.error?.issues[0]?.message ?? "invalid"}`);
    }
    for (const m of flow.mapped) {
      if (!Object.hasOwn(shape, m.param)) throw doc.error(m.keySpan, "FS011", `composing flow "${flowName}" has no param "${m.param}"${hint(m.param, keys)}${keys.length ? `; its params are ${keys.join(", ")}` : "; it takes no params"}`);
      const parentName = m.parentFlow!.value;
      const parent = byName.get(parentName);
      if (!parent) {
        const names = [...byName.keys()];
        throw doc.error(m.parentFlow!.span, "FS011", `mapped param "${m.param}": no composing flow "${parentName}"${hint(parentName, names)}; the flows are ${names.join(", ")}`);
      }
      const node = m.parentTask!.value;
      if (!parent.nodes.includes(node)) {
        throw doc.error(m.parentTask!.span, "FS011", `composing flow "${parentName}" has no node "${node}"${hint(node, parent.nodes)}; its nodes are ${parent.nodes.join(", ")}`);
      }
      if (m.mapType === "db") {
        if (!dbParents.some((d) => d.flow === parentName && d.node === node)) dbParents.push({ flow: parentName, node });
        expectDbParam(target, `${flowName}.${m.param}`, shape[m.param]!);
      }
    }
    const constants = new Map(flow.parameters.map((p) => [p.key, p.value]));
    const own: string[] = [];
    for (const key of keys) {
      if (mapped.has(key)) continue;
      own.push(key);
      const param: CompositionParam = { key: `${flowName}.${key}`, field: shape[key]!, ...(constants.has(key) ? { constant: { value: constants.get(key) } } : {}) };
      if (!constants.has(key) && !shape[key]!.safeParse(undefined).success) {
        throw doc.error(flow.name!.span, "FS002", `composing flow "${flowName}" needs param "${key}": give it under parameters or mapped_parameters (or --param ${flowName}.${key}=...)`);
      }
      params.push(param);
    }
    planned.push({ name: flowName, impl, params: own, mapped: flow.mapped });
  }

  const body = compositionBody(planned, target);
  const impl = workflow({ params: compositionSchema(params) as never }, body as never) as unknown as WorkflowImpl;
  impl.exportName = name;
  impl.file = file;

  const tasks = new Map<string, TaskImpl>();
  const fingerprints = new Map<string, string>();
  const modules: string[] = [];
  for (const l of loaded.values()) {
    for (const [n, t] of l.tasks) if (!tasks.has(n)) tasks.set(n, t);
    for (const [n, fp] of taskFingerprints(l, store.cacheDir)) if (!fingerprints.has(n)) fingerprints.set(n, fp);
    modules.push(l.file, ...l.modules.filter((m) => !modules.includes(m)));
  }
  tasks.set(RESULTS_DB_TASK, resultsDbTask);
  fingerprints.set(RESULTS_DB_TASK, RESULTS_DB_FINGERPRINT);
  const flowsOfFile: LoadedFlows = { file, workflows: new Map([[name, impl]]), tasks, modules };
  const prepared: PreparedFlow = { root, store, flows: flowsOfFile, spec, name, flow: impl, target, shown: spec.file, fingerprints };
  infos.set(prepared, {
    dbParents,
    flows: flows.map((f, i) => ({ name: f.name!.value, loaded: loaded.get(refs[i]!.abs)!, workflow: refs[i]!.workflow, shown: path.relative(cwd, refs[i]!.abs) || refs[i]!.abs })),
  });
  return prepared;
}

/** The first problem (by position) as the one error line. */
function throwFirst(doc: CompositionText, problems: CompositionProblem[]): void {
  if (!problems.length) return;
  const first = [...problems].sort((a, b) => a.span.start - b.span.start)[0]!;
  throw doc.error(first.span, first.code, first.message);
}

function pickComposition(doc: CompositionText, compositions: Composition[], wanted: string | undefined, shown: string): Composition {
  const named = compositions.filter((c) => c.name);
  const names = named.map((c) => c.name!.value);
  if (wanted === undefined) {
    if (compositions.length === 1) return compositions[0]!;
    throw new FlowsmithError(`${shown} holds several compositions (${names.join(", ")}); name one: ${shown}#${names[0]}`);
  }
  const found = named.find((c) => c.name!.value === wanted);
  // One without a name may be the one meant: what is wrong with it comes first.
  if (!found) for (const c of compositions) if (!c.name) throwFirst(doc, c.problems);
  if (!found) throw new FlowsmithError(`${shown} has no composition "${wanted}"${hint(wanted, names)}${names.length ? `; it holds ${names.join(", ")}` : ""}`);
  return found;
}

/** `flow: pipelines/ingest.ts#ingest`, its file resolved against the YAML file's directory. */
function splitFlowRef(doc: CompositionText, yamlFile: string, flow: ComposingFlow): { file: string; abs: string; workflow: string; span: CompositionProblem["span"] } {
  const { value, span } = flow.flow!;
  const hash = value.lastIndexOf("#");
  const file = value.slice(0, hash);
  const abs = path.resolve(path.dirname(yamlFile), file);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) {
    const dir = path.dirname(abs);
    let siblings: string[] = [];
    try {
      siblings = fs.readdirSync(dir).filter((n) => /\.[cm]?[jt]sx?$/.test(n));
    } catch {
      // No such directory: nothing to suggest.
    }
    const guess = hint(path.basename(abs), siblings);
    throw doc.error(span, "FS011", `composing flow "${flow.name!.value}": no flow file ${file}${guess} (relative to ${path.basename(yamlFile)})`);
  }
  return { file, abs, workflow: value.slice(hash + 1), span };
}

/** A composing flow's node ids (its graph does not depend on param values: they are references). */
function nodeIds(doc: CompositionText, flow: ComposingFlow, impl: WorkflowImpl): string[] {
  try {
    return [...buildGraph(impl, {}).nodes.keys()];
  } catch (error) {
    throw doc.error(flow.flow!.span, "FS011", `composing flow "${flow.name!.value}": its workflow's body failed: ${describeUserError(error)}`);
  }
}
