/**
 * Dynamic shapes (DESIGN "Dynamic shapes"): `map(task, { x: each(list) })` — one node per element
 * of a list, each cached on its own (Flyte's map_task); `when(subject).is(test, branch)…` — a
 * conditional chosen at run time (Flyte's conditional); `asset(path)` — a workspace file or
 * directory as an input, hashed by content (d6tflow's data change). All three are wired while the
 * workflow body runs, like task calls (graph/dynamic.ts).
 */
import { currentBuilder, type GraphBuilder } from "../graph/builder.js";
import { addMap, assetReference, EACH, WhenChain } from "../graph/dynamic.js";
import { isTask, type TaskImpl } from "./impl.js";
import type { Each, MapInputs, MapOptions, Ref, Reference, ListsOf, Task, When } from "./types.js";
import { FlowsmithError } from "../util/errors.js";

function builderFor(what: string): GraphBuilder {
  const builder = currentBuilder();
  if (!builder) throw new FlowsmithError(`${what} was called outside a workflow body; it wires nodes while a workflow's body runs`, "FS014");
  return builder;
}

/** The one input of a `map()` that is mapped over: one node per element of `list`. */
export function each<T>(list: Ref<T[]> | Ref<readonly T[]> | readonly T[]): Each<T> {
  return Object.freeze({ [EACH]: list }) as unknown as Each<T>;
}

/**
 * One node per element of the list given with `each()`; the other inputs are shared by every
 * element. Its outputs are references to lists (one entry per element, `null` for a failed one).
 */
export function map<I, O>(task: Task<I, O>, inputs: MapInputs<NoInfer<I>>, options?: MapOptions): Reference<ListsOf<O>> {
  const builder = builderFor("map()");
  if (!isTask(task)) throw new FlowsmithError("map() maps a task: map(task, { input: each(list), ... }, options?)", "FS014");
  return addMap(builder, task as unknown as TaskImpl, inputs as object, options) as Reference<ListsOf<O>>;
}

/**
 * A conditional on a reference or a param, compared with constants: `.is(test, () => outputs)`…
 * closed by `.otherwise(() => outputs)` or `.end()`. Every branch yields the same named outputs;
 * at run time one branch runs and the others' nodes are skipped ("branch not taken").
 */
export function when<T>(subject: Ref<T> | T, options?: { as?: string }): When<T, never> {
  return new WhenChain(builderFor("when()"), subject, options) as unknown as When<T, never>;
}

/**
 * A workspace file or directory as an input, hashed by content: its path is relative to the flow
 * file's directory; the task receives the absolute path. When its content changes, the nodes that
 * read it (and their downstream) are stale.
 */
export function asset(path: string): Ref<string> {
  const builder = builderFor("asset()");
  return assetReference(builder, path) as Ref<string>;
}

