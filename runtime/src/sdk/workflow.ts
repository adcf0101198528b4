import type { z } from "zod";
import type { CallArgs, CallOptions, ParamRefs, Reference, Unwrap, Workflow, WorkflowOptions } from "./types.js";
import { currentBuilder } from "../graph/builder.js";
import { isWorkflow, markWorkflow, workflowName, type WorkflowImpl } from "./impl.js";
import { FlowsmithError } from "../util/errors.js";

export { isWorkflow, workflowName, type WorkflowImpl };

type AnySchema = z.ZodObject;

/**
 * Define a workflow. The body runs once, before any task, to wire the graph: inside it task calls
 * return references, and its params are references too (pass them to task inputs, sub-flows or
 * return them). Params come from a zod object schema (JSON values, defaults allowed).
 */
export function workflow<R>(body: () => R): Workflow<{}, Unwrap<R>>;
export function workflow<S extends AnySchema, R>(
  options: WorkflowOptions<S> & { params: S },
  body: (params: ParamRefs<z.output<S>>) => R,
): Workflow<z.input<S>, Unwrap<R>>;
export function workflow<R>(options: WorkflowOptions<undefined>, body: () => R): Workflow<{}, Unwrap<R>>;
export function workflow(
  // (The body gets param references at run time: WorkflowImpl's body is called with them.)
  a: WorkflowOptions | ((params: never) => unknown),
  b?: (params: never) => unknown,
): Workflow<unknown, unknown> {
  const options: WorkflowOptions = typeof a === "function" ? {} : { ...a };
  const body = typeof a === "function" ? a : b;
  if (typeof body !== "function") throw new FlowsmithError("workflow() needs a body: workflow(options?, (params) => { ... })");
  if (options.params !== undefined && !isZodObject(options.params)) {
    throw new FlowsmithError("workflow params must be a zod object schema: { params: z.object({ ... }) }");
  }
  const impl = function call(input?: object, callOptions?: CallOptions) {
    const builder = currentBuilder();
    if (!builder) {
      throw new FlowsmithError(
        `workflow ${workflowName(impl as unknown as WorkflowImpl) ?? ""} was called outside a workflow body; run it with flowsmith run FILE#workflow`,
      );
    }
    return builder.addSubflow(impl as unknown as WorkflowImpl, input ?? {}, callOptions);
  } as unknown as WorkflowImpl & Workflow<unknown, unknown>;
  markWorkflow(impl);
  Object.defineProperties(impl, {
    kind: { value: "workflow" },
    options: { value: Object.freeze(options) },
    body: { value: body },
  });
  return impl;
}

function isZodObject(value: unknown): value is AnySchema {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { safeParse?: unknown }).safeParse === "function" &&
    typeof (value as { shape?: unknown }).shape === "object"
  );
}

export type { CallArgs, Reference };
