/**
 * A worker process of `flowsmith run --workers N` (`cli.js __flowsmith-worker`, started by
 * engine/executors/processPool.ts). It loads the run's flow file itself (taskHost.ts) and executes
 * the attempts it is sent with the in-process executor, several at once if it is sent several;
 * their logs, progress and results go back over the IPC channel.
 *
 * What the engine checks of an output in the run's process (checkTaskResult, then the store's JSON
 * check) is checked here first, with the same messages: an output that passes holds only what JSON
 * holds, so it crosses the boundary unchanged and the run stores exactly what it would have stored
 * running the task itself; one that fails never has to be cloned (a function, a class instance).
 *
 * A task that calls process.exit, or leaves an uncaught error, ends this process: before it goes,
 * it says which attempt did so on stderr (protocol.ts LastWords), so the run fails that node and
 * runs the others that were here again elsewhere.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import * as fs from "node:fs";
import * as v8 from "node:v8";
import { Attempt } from "../engine/attempt.js";
import type { AttemptChannel } from "../engine/executor.js";
import { InProcessExecutor } from "../engine/executors/inProcess.js";
import { describeUserError } from "../loader/load.js";
import { checkTaskResult } from "../sdk/task.js";
import { canonicalWithFields } from "../store/hash.js";
import { FlowsmithError, errorMessage } from "../util/errors.js";
import { MARK, WORKER_CACHE_ENV, revivedError, sendableError, type FromWorker, type LastWords, type SentError, type ToWorker } from "./protocol.js";
import { TaskHost } from "./taskHost.js";

/** The attempt whose code is running (its id), through timers and promises. */
const current = new AsyncLocalStorage<number>();

export function runWorkerChild(): void {
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write("flowsmith: this is a worker process of `flowsmith run --workers N`, started by the run\n");
    process.exit(2);
  }
  const post = (message: FromWorker) => {
    try {
      send(message);
    } catch {
      /* the run is gone: 'disconnect' ends this process */
    }
  };
  const host = new TaskHost(process.env[WORKER_CACHE_ENV] || undefined);
  const executor = new InProcessExecutor((task) => host.resolve(task));
  const live = new Map<number, Attempt>();

  const lastWords = (words: LastWords) => {
    try {
      fs.writeSync(2, `\n${MARK}${JSON.stringify(words)}\n`);
    } catch {
      /* stderr closed */
    }
  };
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) => {
    const id = current.getStore();
    const n = Number(code ?? process.exitCode ?? 0);
    lastWords({ exit: Number.isFinite(n) ? n : 1, ...(id !== undefined ? { id } : {}) });
    exit(code ?? undefined);
  }) as typeof process.exit;
  const crash = (error: unknown) => {
    const id = current.getStore();
    lastWords({ crash: describeUserError(error), ...(id !== undefined ? { id } : {}) });
    exit(1);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  // Ctrl-C in a terminal reaches the whole process group: the run stops the attempts here through
  // their signals; a second Ctrl-C quits at once, as it does the run.
  let interrupts = 0;
  process.on("SIGINT", () => interrupts++ && exit(130));
  // The run is gone (or closed the pool): nothing is left to do here.
  process.on("disconnect", () => exit(0));

  const start = (id: number, message: Extract<ToWorker, { type: "run" }>) => {
    const { attempt } = message;
    const trial = new Attempt();
    live.set(id, trial);
    const channel: AttemptChannel = {
      get signal() {
        return trial.signal;
      },
      onAbort: (listener) => trial.listen(listener),
      log: (line) => post({ type: "log", id, line }),
      progress: (fraction) => post({ type: "progress", id, fraction }),
    };
    const failed = (error: SentError) => {
      live.delete(id);
      post({ type: "failed", id, error });
    };
    current.run(id, () => {
      let result: Promise<unknown>;
      try {
        result = executor.execute(attempt, channel);
      } catch (error) {
        result = Promise.reject(error);
      }
      result.then(
        (output) => {
          const problem = outputProblem(attempt.task.name, output);
          if (problem) return failed(problem);
          live.delete(id);
          try {
            send({ type: "done", id, output } satisfies FromWorker);
          } catch (error) {
            failed(sendableError(new FlowsmithError(`${errorMessage(error)} — outputs are stored as JSON`)));
          }
        },
        (error) => failed(sendableError(error)),
      );
    });
  };

  process.on("message", (message: ToWorker) => {
    if (message.type === "run") start(message.id, message);
    else if (message.type === "abort") live.get(message.id)?.abort(revivedError(message.reason));
  });
  post({ type: "ready", pid: process.pid, heapLimitMb: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20) });
}

/**
 * Why the run would refuse this output (attempt.ts checkTaskResult; nodeRunner.ts storing it as
 * JSON, with the same words), or undefined when it would take it.
 */
function outputProblem(task: string, output: unknown): SentError | undefined {
  try {
    checkTaskResult(task, output);
    if (output !== undefined) canonicalWithFields(output, "output");
    return undefined;
  } catch (error) {
    if (error instanceof FlowsmithError) return sendableError(error);
    return sendableError(new FlowsmithError(`${errorMessage(error)} — outputs are stored as JSON`));
  }
}
