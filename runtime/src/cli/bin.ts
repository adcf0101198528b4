/** Entry of the `flowsmith` executable (runtime/dist/cli.js). */
import { errorMessage } from "../util/errors.js";
import { main } from "./main.js";
import "./analysis-commands.js";
import { runWorkerChild } from "../worker/child.js";
import { WORKER_ARG } from "../worker/protocol.js";

// A closed pipe (`flowsmith runs | head`, an editor window that went away) is not an error worth a
// trace, and must not kill a run half-way: output is dropped and the run finishes and records itself.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    stream.write = (() => true) as typeof stream.write;
  });
}

/** Resolves once everything written to stdout and stderr has been handed to the OS. */
function drained(): Promise<void> {
  const flush = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => {
      if (stream.destroyed || stream.writableLength === 0) return resolve();
      stream.write("", () => resolve());
    });
  return Promise.all([flush(process.stdout), flush(process.stderr)]).then(() => undefined);
}

// `cli.js __flowsmith-worker`: a worker process of `flowsmith run --workers N` (worker/child.ts).
if (process.argv[2] === WORKER_ARG) runWorkerChild();
else main(process.argv.slice(2)).then(
  async (code) => {
    process.exitCode = code;
    // A slow reader of --events must still get run-finished: exit only once output is delivered.
    await drained();
    // Tasks that ignored their abort signal may still hold the event loop: leave anyway.
    setTimeout(() => process.exit(code), 50).unref();
  },
  (error) => {
    process.stderr.write(`flowsmith: internal error: ${errorMessage(error)}\n`);
    process.exit(70);
  },
);
