/**
 * The queue's events stream (`flowsmith:nodes:events`, what BullMQ's QueueEvents reads), read by a
 * runner for the events it acts on — a job active, its progress (a worker's notices), completed,
 * failed — and nothing else. QueueEvents turns each entry of the stream (several per job) into an
 * object and two emitted events; a 10,000-node run reads some 50,000 entries, so the runner reads
 * them itself: one blocking XREAD on its own connection, from the stream's end as it was when the
 * runner connected (nothing added after is missed), the same fields parsed as QueueEvents parses.
 */
import type { Redis } from "ioredis";
import { PREFIX, QUEUE } from "./protocol.js";

export interface QueueEventHandlers {
  active(jobId: string): void;
  progress(jobId: string, data: unknown): void;
  completed(jobId: string, returnvalue: unknown): void;
  failed(jobId: string, failedReason: string): void;
}

export const EVENTS_KEY = `${PREFIX}:${QUEUE}:events`;
/** How long one XREAD blocks (then it is asked again): as QueueEvents' blockingTimeout. */
const BLOCK_MS = 5000;
/** After a failed read (no connection: ioredis queues it and reconnects), wait this long before the next. */
const RETRY_MS = 200;

export class EventReader {
  private closed = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly redis: Redis,
    private lastId: string,
    private readonly on: QueueEventHandlers,
  ) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      let data: [string, [string, string[]][]][] | null;
      try {
        data = (await this.redis.xread("BLOCK", BLOCK_MS, "STREAMS", EVENTS_KEY, this.lastId)) as [string, [string, string[]][]][] | null;
      } catch {
        if (this.closed) return;
        await new Promise((r) => setTimeout(r, RETRY_MS));
        continue;
      }
      if (!data || this.closed) continue;
      for (const [id, fields] of data[0]![1]) {
        this.lastId = id;
        this.entry(fields);
      }
    }
  }

  /** One entry: `event NAME jobId ID …` (BullMQ's scripts write `event` first). */
  private entry(fields: string[]): void {
    let event: string | undefined;
    let jobId: string | undefined;
    let value: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const k = fields[i];
      if (k === "event") event = fields[i + 1];
      else if (k === "jobId") jobId = fields[i + 1];
      else if (k === "returnvalue" || k === "failedReason" || k === "data") value = fields[i + 1];
    }
    if (jobId === undefined) return;
    if (event === "active") this.on.active(jobId);
    else if (event === "failed") this.on.failed(jobId, value ?? "");
    else if (event === "progress" || event === "completed") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value ?? "null");
      } catch {
        return; // not what a worker of ours wrote
      }
      if (event === "progress") this.on.progress(jobId, parsed);
      else this.on.completed(jobId, parsed);
    }
  }

  /** Stop reading (the blocked XREAD ends with the connection). */
  async close(): Promise<void> {
    this.closed = true;
    this.redis.disconnect();
    await this.done.catch(() => {});
  }
}
