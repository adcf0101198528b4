/** The flowsmith SDK: what flow files import. */
export { task } from "./sdk/task.js";
export { workflow } from "./sdk/workflow.js";
export type {
  CallOptions,
  InputOf,
  Ref,
  Reference,
  Task,
  TaskContext,
  TaskFn,
  TaskOptions,
  Unwrap,
  Workflow,
  WorkflowOptions,
} from "./sdk/types.js";
