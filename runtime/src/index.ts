/** The flowsmith SDK: what flow files import. */
export { task } from "./sdk/task.js";
export { workflow } from "./sdk/workflow.js";
export { file, FlowFile } from "./sdk/file.js";
export { asset, each, map, when } from "./sdk/dynamic.js";
export type {
  CallOptions,
  Each,
  ListsOf,
  MapInputs,
  MapOptions,
  When,
  WhenTest,
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
