/**
 * What the engine, the loader and the graph builder know of a task or a workflow besides its
 * callable: the marks `task()` and `workflow()` put on it and the name it goes by. Apart from
 * task.ts and workflow.ts so that the graph builder, which those two call into, does not import
 * them back.
 */
import type { TaskFn, TaskOptions, WorkflowOptions } from "./types.js";

const TASK = Symbol.for("flowsmith.task");
const WORKFLOW = Symbol.for("flowsmith.workflow");

/** The runtime side of a task: what the engine needs besides the callable. */
export interface TaskImpl {
  readonly [TASK]: true;
  readonly options: Readonly<TaskOptions>;
  readonly fn: TaskFn<any, any>;
  /** Set by the loader from the export name when `options.name` is absent. */
  exportName?: string;
  /** Absolute path of the file that defined the task, when the loader could tell. */
  file?: string;
}

export interface WorkflowImpl {
  readonly [WORKFLOW]: true;
  readonly options: Readonly<WorkflowOptions>;
  readonly body: (params: Record<string, unknown>) => unknown;
  exportName?: string;
  file?: string;
}

export function isTask(value: unknown): value is TaskImpl & ((...args: never[]) => unknown) {
  return typeof value === "function" && (value as unknown as Record<symbol, unknown>)[TASK] === true;
}

export function isWorkflow(value: unknown): value is WorkflowImpl & ((...args: never[]) => unknown) {
  return typeof value === "function" && (value as unknown as Record<symbol, unknown>)[WORKFLOW] === true;
}

/** Marks a new task or workflow function as what it is (called by `task()` and `workflow()`). */
export function markTask(fn: object): void {
  Object.defineProperty(fn, TASK, { value: true });
}
export function markWorkflow(fn: object): void {
  Object.defineProperty(fn, WORKFLOW, { value: true });
}

/** A task's name: its `name` option, else the name it is exported under. */
export function taskName(t: TaskImpl): string | undefined {
  return t.options.name ?? t.exportName;
}

export function workflowName(w: WorkflowImpl): string | undefined {
  return w.options.name ?? w.exportName;
}
