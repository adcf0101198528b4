/** Each node's log in a run: a file under the run's logs/ and a node-log event per line. */
import * as fs from "node:fs";
import * as path from "node:path";
import { shortHash, type Store } from "../store/store.js";
import type { EventSink } from "@flowsmith/contract";
import type { NodeRun } from "./plan.js";

const LOG_LIMIT_BYTES = 10 * 1024 * 1024;

export class NodeLogs {
  private readonly dir: string;

  constructor(
    store: Store,
    private readonly runId: string,
    private readonly emit: EventSink,
  ) {
    this.dir = path.join(store.runDir(runId), "logs");
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** A line of `run`'s log: capped at LOG_LIMIT_BYTES (bytes on disk), then one truncation line and silence. */
  log(run: NodeRun, line: string): void {
    run.record.log ??= `${run.variant !== undefined ? `${run.variant}-` : ""}${run.node.id.replace(/[^\w.-]/g, "_")}-${shortHash(`${run.variant}:${run.node.id}`).slice(0, 6)}.log`;
    if (run.logBytes >= LOG_LIMIT_BYTES) return;
    const bytes = Buffer.byteLength(line) + 1;
    const truncated = run.logBytes + bytes > LOG_LIMIT_BYTES;
    const written = truncated ? `[log truncated at ${LOG_LIMIT_BYTES / 1048576} MB]` : line;
    run.logBytes = truncated ? LOG_LIMIT_BYTES : run.logBytes + bytes;
    try {
      fs.appendFileSync(path.join(this.dir, run.record.log), `${written}\n`);
    } catch {
      /* a full disk must not fail the task over its log */
    }
    this.emit({ type: "node-log", runId: this.runId, node: run.node.id, ...(run.variant !== undefined ? { variant: run.variant } : {}), line: written });
  }
}
