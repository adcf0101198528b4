/** Entry of the `flowsmith` executable (runtime/dist/cli.js). */
import { errorMessage } from "../util/errors.js";
import { main } from "./main.js";
import "./analysis-commands.js";

// A closed pipe (`flowsmith runs | head`, an editor window that went away) is not an error worth a
// trace, and must not kill a run half-way: output is dropped and the run finishes and records itself.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    stream.write = (() => true) as typeof stream.write;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Tasks that ignored their abort signal may still hold the event loop: leave anyway.
    setTimeout(() => process.exit(code), 50).unref();
  },
  (error) => {
    process.stderr.write(`flowsmith: internal error: ${errorMessage(error)}\n`);
    process.exit(70);
  },
);
