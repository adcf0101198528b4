/**
 * The cluster's Redis: `--cluster redis://HOST:PORT[/DB]` (or FLOWSMITH_CLUSTER) read once, and
 * connections made from it. Anything that cannot be reached or read is one FlowsmithError line
 * naming the URL (exit 2), never a stack trace.
 */
import IORedis, { type Redis, type RedisOptions } from "ioredis";
import { FlowsmithError } from "../util/errors.js";

export interface ClusterAddress {
  /** The URL as given, for messages. */
  url: string;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
}

/** `--cluster`, else FLOWSMITH_CLUSTER; undefined when neither names one. */
export function clusterUrl(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = option ?? env.FLOWSMITH_CLUSTER;
  return url && url.trim() ? url.trim() : undefined;
}

export function parseClusterUrl(url: string): ClusterAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new FlowsmithError(`--cluster ${url}: not a URL; a cluster is redis://HOST:PORT[/DB]`);
  }
  if (u.protocol !== "redis:") throw new FlowsmithError(`--cluster ${url}: a cluster is redis://HOST:PORT[/DB] (got ${u.protocol.replace(/:$/, "")}://)`);
  if (!u.hostname) throw new FlowsmithError(`--cluster ${url}: no host; a cluster is redis://HOST:PORT[/DB]`);
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, "");
  const db = dbText ? Number(dbText) : 0;
  if (!Number.isInteger(db) || db < 0) throw new FlowsmithError(`--cluster ${url}: "${dbText}" is not a database number`);
  return {
    url,
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/** Which server and database, and the credentials if the URL has them. */
export function serverOptions(address: ClusterAddress): RedisOptions {
  return {
    host: address.host,
    port: address.port,
    db: address.db,
    ...(address.username ? { username: address.username } : {}),
    ...(address.password ? { password: address.password } : {}),
  };
}

/**
 * A connection for BullMQ (queues, workers, events need `maxRetriesPerRequest: null`). It keeps
 * reconnecting after a Redis restart; whether Redis is there at all is `probe`'s question.
 */
export function connect(address: ClusterAddress, options: RedisOptions = {}): Redis {
  return new IORedis({
    ...serverOptions(address),
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    lazyConnect: false,
    ...options,
  });
}

/** Connect once, ping, disconnect: a FlowsmithError naming the URL if Redis cannot be reached within `timeoutMs`. */
export async function probe(address: ClusterAddress, timeoutMs = 5000): Promise<void> {
  const client = new IORedis({
    ...serverOptions(address),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let socketError: NodeJS.ErrnoException | undefined;
  client.on("error", (e: NodeJS.ErrnoException) => (socketError ??= e)); // reported below, once
  try {
    await withTimeout(client.connect().then(() => client.ping()), timeoutMs);
  } catch (error) {
    const code = socketError?.code ?? (error as NodeJS.ErrnoException).code;
    const why = code ?? ((error as Error).message || "no answer");
    throw new FlowsmithError(`cannot reach the cluster's Redis at ${address.url} (${why}); start it (redis-server --port ${address.port}) or fix --cluster / FLOWSMITH_CLUSTER`);
  } finally {
    client.disconnect();
  }
}

/** `promise`, or `timedOut()`'s error when it has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, timedOut: () => Error = () => Object.assign(new Error(`no answer within ${ms} ms`), { code: "ETIMEDOUT" })): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timedOut()), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
