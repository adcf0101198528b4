/** The executor of a local run: each task runs in this process, from the code the loader loaded. */
import type { TaskImpl } from "../../sdk/task.js";
import type { TaskContext } from "../../sdk/types.js";
import type { AttemptChannel, Executor, NodeAttempt, TaskIdentity } from "../executor.js";

export class InProcessExecutor implements Executor {
  /**
   * `tasks`: the loaded tasks by name (plan.ts tasksByName), or how to find one (a worker process
   * loads the code itself: worker/taskHost.ts).
   */
  constructor(private readonly tasks: ReadonlyMap<string, TaskImpl> | ((task: TaskIdentity) => TaskImpl)) {}

  execute(attempt: NodeAttempt, channel: AttemptChannel): Promise<unknown> {
    const task = typeof this.tasks === "function" ? this.tasks(attempt.task) : this.tasks.get(attempt.task.name);
    if (!task) throw new Error(`task ${attempt.task.name} is not loaded in this process`);
    const ctx: TaskContext = {
      get signal() {
        return channel.signal;
      },
      log: (...args: unknown[]) => channel.log(args.map((a) => (typeof a === "string" ? a : safeInspect(a))).join(" ")),
      progress: (fraction: number) => channel.progress(fraction),
      runId: attempt.runId,
      node: attempt.node,
      attempt: attempt.attempt,
      config: attempt.config,
    };
    // A task that throws at once throws here, as one whose promise rejects rejects.
    return Promise.resolve(task.fn(attempt.input, ctx));
  }
}

function safeInspect(value: unknown): string {
  try {
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  } catch {
    return String(value);
  }
}
