/**
 * Who is in the cluster: each worker keeps its WorkerInfo (running nodes included) in Redis under
 * a key that expires unless renewed (HEARTBEAT_TTL_MS), so a worker killed with -9 drops out on
 * its own; `flowsmith workers` lists the keys that are there.
 */
import { randomBytes } from "node:crypto";
import * as os from "node:os";
import type { Redis } from "ioredis";
import type { WorkerInfo, WorkerTask } from "@flowsmith/contract";
import { HEARTBEAT_MS, HEARTBEAT_TTL_MS, WORKER_KEY_PATTERN, workerKey } from "./protocol.js";
import { connect, type ClusterAddress } from "./redis.js";

/** `HOST:PID:RANDOM`: stable while the worker lives. */
export function newWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

export interface HeartbeatInfo {
  id: string;
  concurrency: number;
  store: string;
  running: () => WorkerTask[];
}

export class Heartbeat {
  private readonly redis: Redis;
  private readonly startedAt = new Date().toISOString();
  private timer: NodeJS.Timeout | undefined;
  private soonTimer: NodeJS.Timeout | undefined;

  constructor(
    address: ClusterAddress,
    private readonly info: HeartbeatInfo,
  ) {
    this.redis = connect(address, { retryStrategy: (times: number) => Math.min(200 * times, 2000) });
    this.redis.on("error", () => {}); // the worker says it once (worker.ts)
    this.redis.on("ready", () => this.timer && this.beat()); // back after a restart: at once
  }

  /** A second connection for pub/sub (a subscribed connection does nothing else). */
  subscriber(): Redis {
    const sub = this.redis.duplicate();
    sub.on("error", () => {});
    return sub;
  }

  start(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
  }

  /** What it runs changed: said within a moment (several changes, one write). */
  soon(): void {
    this.soonTimer ??= setTimeout(() => {
      this.soonTimer = undefined;
      this.beat();
    }, 20);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.soonTimer);
    await Promise.race([this.redis.del(workerKey(this.info.id)).catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    this.redis.disconnect();
  }

  private beat(): void {
    if (this.redis.status !== "ready") return;
    const info: WorkerInfo = {
      id: this.info.id,
      host: os.hostname(),
      pid: process.pid,
      concurrency: this.info.concurrency,
      running: this.info.running(),
      startedAt: this.startedAt,
      lastSeen: new Date().toISOString(),
      store: this.info.store,
    };
    this.redis.set(workerKey(info.id), JSON.stringify(info), "PX", HEARTBEAT_TTL_MS).catch(() => {});
  }
}

/** The live workers (their heartbeats), by id. */
export async function listWorkers(redis: Redis): Promise<WorkerInfo[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", WORKER_KEY_PATTERN, "COUNT", 200);
    cursor = next;
    keys.push(...found);
  } while (cursor !== "0");
  if (!keys.length) return [];
  const values = await redis.mget(...keys);
  const workers: WorkerInfo[] = [];
  for (const v of values) {
    if (!v) continue;
    try {
      workers.push(JSON.parse(v) as WorkerInfo);
    } catch {
      // a heartbeat being rewritten: the next one parses
    }
  }
  return workers.sort((a, b) => a.id.localeCompare(b.id));
}
