/**
 * One worker process of `flowsmith run --workers N`, as the run sees it: started with fork (no
 * shell) from the CLI's own bundle (`cli.js __flowsmith-worker`), messages queued until it says it
 * is ready, its own stdout and stderr copied line by line to the run's stderr (prefixed
 * `[worker PID]`: the run's stdout may be an --events ndjson stream), and, once it is gone, one line
 * saying why (exited with a code, ran out of memory, killed by a signal, an uncaught error).
 */
import { fork, type ChildProcess } from "node:child_process";
import { MARK, WORKER_ARG, WORKER_CACHE_ENV, type FromWorker, type LastWords, type ToWorker } from "./protocol.js";

export interface WorkerProcessOptions {
  /** The script to fork: the CLI bundle (runtime/dist/cli.js). */
  entry: string;
  /** The store's cache directory (the worker's loader keeps transformed modules there). */
  cacheDir?: string;
  /** node's --max-old-space-size for the worker, in MB. */
  heapMb?: number;
  /** Where the worker's own stdout and stderr lines go. */
  output: (line: string) => void;
}

/** How a worker process ended. */
export interface Ending {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Its last words: which attempt called process.exit, or an uncaught error. */
  words?: LastWords;
  /** Its stderr said the V8 heap limit was reached. */
  outOfMemory: boolean;
  /** It could not be started at all. */
  startError?: Error;
  /** It was gone before it said it was ready, and the last line it wrote. */
  beforeReady: boolean;
  lastLine?: string;
}

export class WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Attempts running here, by id. */
  readonly running = new Set<number>();
  /** No new attempts: it is being killed. */
  retiring = false;
  heapLimitMb: number | undefined;
  private ready = false;
  private readonly queued: ToWorker[] = [];
  private words: LastWords | undefined;
  private outOfMemory = false;
  private startError: Error | undefined;
  private lastLine: string | undefined;

  constructor(options: WorkerProcessOptions, onMessage: (message: FromWorker) => void, onGone: (ending: Ending) => void) {
    const heap = options.heapMb ? [`--max-old-space-size=${options.heapMb}`] : [];
    this.child = fork(options.entry, [WORKER_ARG], {
      execArgv: heap,
      serialization: "advanced",
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: { ...process.env, ...(options.cacheDir ? { [WORKER_CACHE_ENV]: options.cacheDir } : {}) },
    });
    this.pid = this.child.pid ?? 0;
    const forward = (line: string) => {
      if (line.startsWith(MARK)) {
        try {
          this.words = JSON.parse(line.slice(MARK.length)) as LastWords;
        } catch {
          /* garbled: the exit code still tells */
        }
        return;
      }
      if (/Reached heap limit|JavaScript heap out of memory/.test(line)) this.outOfMemory = true;
      if (!line.trim()) return;
      this.lastLine = line.trim();
      options.output(`[worker ${this.pid}] ${line}`);
    };
    lines(this.child.stdout!, forward);
    lines(this.child.stderr!, forward);
    this.child.on("message", (message: FromWorker) => {
      if (message.type === "ready") {
        this.ready = true;
        this.heapLimitMb = message.heapLimitMb;
        for (const m of this.queued.splice(0)) this.send(m);
      }
      onMessage(message);
    });
    // Gone once it has exited and its stdout and stderr are read to the end (its last words
    // included); not 'close', which does not come after the run disconnects from it. Streams a
    // grandchild still holds are given 200 ms.
    let ended = 0;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let reported = false;
    const gone = () => {
      if (reported || !exit || (ended < 2 && !this.startError)) return;
      reported = true;
      onGone({
        ...exit,
        outOfMemory: this.outOfMemory,
        beforeReady: !this.ready,
        ...(this.words ? { words: this.words } : {}),
        ...(this.startError ? { startError: this.startError } : {}),
        ...(this.lastLine ? { lastLine: this.lastLine } : {}),
      });
    };
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      stream.on("end", () => {
        ended++;
        gone();
      });
    }
    this.child.on("error", (error) => {
      // Sending to a process that is going away fails too: only a start that failed matters.
      if (this.ready) return;
      this.startError ??= error;
      // Never started: no 'exit' will come.
      if (this.child.pid === undefined) {
        exit = { code: null, signal: null };
        gone();
      }
    });
    this.child.on("exit", (code, signal) => {
      exit = { code, signal };
      gone();
      setTimeout(() => {
        ended = 2;
        gone();
      }, 200).unref();
    });
  }

  send(message: ToWorker): void {
    if (!this.ready) {
      this.queued.push(message);
      return;
    }
    if (!this.child.connected) return;
    this.child.send(message, (error) => {
      if (error) this.kill();
    });
  }

  kill(): void {
    this.retiring = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  /** Idle: let it go (it exits when its channel closes). */
  release(): void {
    this.retiring = true;
    if (this.child.connected) this.child.disconnect();
  }
}

/** Why a worker process is gone, in one line (`running`: the node(s) it was running, for the message). */
export function describeEnding(pid: number, ending: Ending, running: string, heapLimitMb?: number): string {
  const who = `worker process ${pid}`;
  const during = running ? ` while running ${running}` : "";
  if (ending.startError) return `could not start a worker process: ${ending.startError.message}`;
  if (ending.beforeReady && !ending.words && !ending.signal) {
    return `${who} exited with code ${ending.code} before it was ready${ending.lastLine ? `: ${ending.lastLine.slice(0, 300)}` : ""}`;
  }
  if (ending.outOfMemory) return `${who} ran out of memory (heap limit${heapLimitMb ? ` ${heapLimitMb} MB` : ""})${during}`;
  const words = ending.words;
  if (words && "crash" in words) return `${who} crashed${during}: uncaught ${words.crash}`;
  if (words && "exit" in words) return `${who} exited with code ${words.exit}${during} (the task called process.exit)`;
  if (ending.signal) return `${who} was killed by ${ending.signal}${during}`;
  return `${who} exited with code ${ending.code}${during} (did the task call process.exit?)`;
}

function lines(stream: NodeJS.ReadableStream, each: (line: string) => void): void {
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    for (const p of parts) each(p.replace(/\r$/, ""));
  });
  stream.on("end", () => {
    if (rest) each(rest);
    rest = "";
  });
}
