/**
 * What the runner and the cluster's workers agree on, besides the NodeAttempt a job carries: the
 * Redis names, the messages a worker sends back through its job's progress events, and the times
 * that bound every wait. One job per node, its id the node's cache key (two runs never compute a
 * key twice at once); the job's data is the NodeAttempt, its flowFile naming the code to load.
 */
import type { RedisOptions } from "ioredis";
import { serverOptions, type ClusterAddress } from "./redis.js";

/** BullMQ's key prefix and the queue of node attempts: keys `flowsmith:nodes:*`. */
export const PREFIX = "flowsmith";
export const QUEUE = "nodes";
/** Pub/sub channel of stop requests: `CancelMessage`s. */
export const CANCEL_CHANNEL = `${PREFIX}:cancel`;
/** A live worker's heartbeat (its WorkerInfo as JSON), expiring unless renewed. */
export const workerKey = (id: string) => `${PREFIX}:worker:${id}`;
export const WORKER_KEY_PATTERN = `${PREFIX}:worker:*`;

/** How often a worker renews its heartbeat, and how long one lives without renewal. */
export const HEARTBEAT_MS = 2000;
export const HEARTBEAT_TTL_MS = 10_000;
/** A job's attempts after the first wait this long and twice as long each time (BullMQ's exponential backoff). */
export const BACKOFF_MS = 250;
/** A node running longer than this is announced (node-started with its worker) while it runs; a quicker one as it ends. */
export const START_NOTICE_MS = 50;
/** A task that ignores its abort signal (stop, timeout) is given up on after this long, as in a local run. */
export const GRACE_MS = 1000;

/**
 * How long a worker's job lock lives without renewal (renewed at half of it): a worker killed
 * mid-node has its node run again elsewhere once it expires and a stalled-job check sees it.
 * FLOWSMITH_CLUSTER_LOCK_MS changes it (tests use a few seconds); BullMQ's own default is 30 s.
 */
export function lockMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.FLOWSMITH_CLUSTER_LOCK_MS);
  return Number.isFinite(v) && v >= 1000 ? v : 30_000;
}

/**
 * How long a runner goes on without its Redis connection before it fails the nodes it waits for
 * (FLOWSMITH_CLUSTER_LOST_MS; 30 s by default). A restart within it loses nothing: lost jobs are
 * queued again.
 */
export function lostMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.FLOWSMITH_CLUSTER_LOST_MS);
  return Number.isFinite(v) && v >= 500 ? v : 30_000;
}

/** A stopped attempt's failure reason starts with this (followed by the run that stopped it). */
export const STOPPED = "stopped by run ";

/** Sent on CANCEL_CHANNEL: stop job `jobId` if it was queued at or before `at` (ms, the runner's clock). */
export interface CancelMessage {
  jobId: string;
  runId: string;
  at: number;
}

/**
 * What a worker reports through job.updateProgress (QueueEvents "progress"): an attempt started
 * (`s` the worker, `a` the attempt), a log line (`l`), the task's progress (`p`), or a failed
 * attempt that is retried (`f` its error, with `s` and `a`).
 */
export interface WorkerNotice {
  s?: string;
  a?: number;
  l?: string;
  p?: number;
  f?: string;
}

/** A job's return value: the task's output (`o`), the worker (`s`) and attempt (`a`) that made it, and how long it took there (`t`, ms). */
export interface JobResult {
  o: unknown;
  s: string;
  a: number;
  t?: number;
}

/** Connection options for BullMQ: it reconnects every ≤ 2 s (BullMQ's own default backs off to 20 s). */
export function connection(address: ClusterAddress, extra: RedisOptions = {}): RedisOptions {
  return {
    ...serverOptions(address),
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
    ...extra,
  };
}
