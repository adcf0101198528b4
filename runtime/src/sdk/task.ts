import type { CallOptions, Reference, Task, TaskContext, TaskFn, TaskOptions } from "./types.js";
import { currentBuilder } from "../graph/builder.js";
import { isTask, markTask, taskName, type TaskImpl } from "./impl.js";
import { FlowsmithError } from "../util/errors.js";

export { isTask, taskName, type TaskImpl };

/**
 * Define a task. `fn(input, ctx)` returns an object whose fields are the task's named outputs.
 * Inside a workflow body, calling the task records a node and returns a reference to its outputs.
 */
export function task<I extends object = {}, O = unknown>(fn: TaskFn<I, O>): Task<I, O>;
export function task<I extends object = {}, O = unknown>(options: TaskOptions, fn: TaskFn<I, O>): Task<I, O>;
export function task(a: TaskOptions | TaskFn<object, unknown>, b?: TaskFn<object, unknown>): Task<object, unknown> {
  const options: TaskOptions = typeof a === "function" ? {} : { ...a };
  const fn = typeof a === "function" ? a : b;
  if (typeof fn !== "function") throw new FlowsmithError("task() needs a function: task(options?, async (input, ctx) => ({ ...outputs }))");
  validateOptions(options);
  const impl = function call(input?: object, callOptions?: CallOptions) {
    const builder = currentBuilder();
    if (!builder) {
      throw new FlowsmithError(
        `task ${taskName(impl as unknown as TaskImpl) ?? "(unnamed)"} was called outside a workflow body; ` +
          `tasks run as nodes of a workflow (flowsmith run FILE#workflow) — to call it directly use .run(input)`,
      );
    }
    return builder.addNode(impl as unknown as TaskImpl, input ?? {}, callOptions);
  } as unknown as Task<object, unknown> & TaskImpl & { exportName?: string };
  markTask(impl);
  Object.defineProperties(impl, {
    kind: { value: "task" },
    options: { value: Object.freeze(options) },
    fn: { value: fn },
    run: {
      value: async (input: object, ctx?: Partial<TaskContext>) =>
        fn(input, {
          signal: ctx?.signal ?? new AbortController().signal,
          log: ctx?.log ?? ((...args: unknown[]) => console.log(...args)),
          progress: ctx?.progress ?? (() => {}),
          runId: ctx?.runId ?? "direct",
          node: ctx?.node ?? taskName(impl) ?? "task",
          attempt: ctx?.attempt ?? 1,
          config: ctx?.config ?? {},
        }),
    },
  });
  return impl as unknown as Task<object, unknown>;
}

/**
 * What a task's function returned, as the engine takes it: an object whose fields are the task's
 * named outputs, or nothing (`undefined`: a task without outputs, as in Flyte). Anything else (a
 * number, a string, an array, null…) has no field a downstream input or the workflow's outputs
 * could name: it would be stored and lost in silence, so it fails the attempt, naming the task and
 * the value. (Class instances such as a Date or a Map are refused when the output is stored.)
 */
export function checkTaskResult(name: string, value: unknown): void {
  if (value === undefined || (typeof value === "object" && value !== null && !Array.isArray(value))) return;
  const shown = describeValue(value);
  const kind = value === null ? "" : ` (${Array.isArray(value) ? "an array" : `a ${typeof value}`})`;
  throw new FlowsmithError(
    `task ${name} returned ${shown}${kind}; a task returns an object of named outputs, e.g. { result: ${shown} }, or nothing when it has no outputs`,
  );
}

/** A short, one-line rendering of a returned value for messages. */
function describeValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "function" ? `[function ${value.name || "anonymous"}]` : typeof value === "bigint" ? `${value}n` : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function validateOptions(options: TaskOptions): void {
  const bad = (what: string) => {
    throw new FlowsmithError(`task option ${what}`);
  };
  if (options.name !== undefined && (typeof options.name !== "string" || !/^[A-Za-z_][\w.-]*$/.test(options.name))) {
    bad(`name ${JSON.stringify(options.name)} must start with a letter or _ and use only letters, digits, _ . -`);
  }
  if (options.retries !== undefined && !(Number.isInteger(options.retries) && options.retries >= 0)) {
    bad("retries must be a whole number ≥ 0");
  }
  if (options.timeoutMs !== undefined && !(typeof options.timeoutMs === "number" && options.timeoutMs > 0)) {
    bad("timeoutMs must be a number > 0");
  }
  if (options.version !== undefined && typeof options.version !== "string") bad("version must be a string");
}

export type { Reference };
