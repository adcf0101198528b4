/**
 * The deployments of a cluster, kept in its Redis (every runner and worker of the cluster sees the same
 * names): a set of names, and one hash per deployment whose fields are updated one at a time (a run
 * touching `lastRunAt` never overwrites a re-deploy's `hash`).
 *
 *   flowsmith:deployments               SET of names
 *   flowsmith:deployment:<name>         HASH: hash target workflow params deployedAt suspendAfterMs
 *                                             lastRunAt runs state suspendedAt store
 *   flowsmith:deployments:suspended     pub/sub channel: {"name","hash"} when a deployment is suspended
 *                                       (workers drop its loaded code: deploy/suspension.ts)
 *
 * Suspension (Malevich suspends idle tasks): a deployment neither deployed nor run for `suspendAfterMs`
 * is marked suspended by whoever looks first (`deployments`, `deploy`, `run deploy:`, a worker's
 * sweep); its next run re-activates it.
 */
import type { Redis } from "ioredis";
import { clusterUrl, connect, parseClusterUrl, probe, type ClusterAddress } from "../cluster/redis.js";
import { FlowsmithError, hint } from "../util/errors.js";
import type { ParamSummary } from "./artifacts.js";
import { isIdle, type Deployment } from "./state.js";

export type { Deployment };

const NAMES = "flowsmith:deployments";
const KEY = (name: string) => `flowsmith:deployment:${name}`;
export const SUSPENDED_CHANNEL = "flowsmith:deployments:suspended";

/** The cluster a deploy command talks to: --cluster, else FLOWSMITH_CLUSTER; one line when there is none. */
export function clusterAddress(option: string | undefined, command: string): ClusterAddress {
  const url = clusterUrl(option);
  if (!url) throw new FlowsmithError(`${command} needs a cluster: pass --cluster redis://HOST:PORT or set FLOWSMITH_CLUSTER (deployments are registered in the cluster's Redis)`);
  return parseClusterUrl(url);
}

function decode(name: string, h: Record<string, string>): Deployment | undefined {
  if (!h.hash || !/^[0-9a-f]{64}$/.test(h.hash)) return undefined;
  let params: ParamSummary = {};
  try {
    params = JSON.parse(h.params ?? "{}") as ParamSummary;
  } catch {
    /* shown as no params */
  }
  return {
    name,
    hash: h.hash,
    target: h.target ?? "?",
    workflow: h.workflow ?? "?",
    params,
    deployedAt: h.deployedAt ?? "",
    suspendAfterMs: Number(h.suspendAfterMs) || 0,
    ...(h.lastRunAt ? { lastRunAt: h.lastRunAt } : {}),
    runs: Number(h.runs) || 0,
    state: h.state === "suspended" ? "suspended" : "active",
    ...(h.suspendedAt ? { suspendedAt: h.suspendedAt } : {}),
    store: h.store ?? "",
  };
}

export class DeploymentRegistry {
  private constructor(
    readonly address: ClusterAddress,
    private readonly redis: Redis,
  ) {}

  /** The registry of --cluster (else FLOWSMITH_CLUSTER) for `command`: Redis probed (exit 2 naming it when unreachable), then connected. */
  static async forCluster(option: string | undefined, command: string): Promise<DeploymentRegistry> {
    return DeploymentRegistry.open(clusterAddress(option, command));
  }

  /** Probe the cluster's Redis (exit 2 naming it when unreachable), then connect. */
  static async open(address: ClusterAddress): Promise<DeploymentRegistry> {
    await probe(address);
    const redis = connect(address, { maxRetriesPerRequest: 2, connectTimeout: 5000 });
    redis.on("error", () => {}); // a command that fails says so; the socket's own errors would repeat it
    return new DeploymentRegistry(address, redis);
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  async names(): Promise<string[]> {
    return (await this.redis.smembers(NAMES)).sort();
  }

  async get(name: string): Promise<Deployment | undefined> {
    return decode(name, await this.redis.hgetall(KEY(name)));
  }

  /** A deployment by name; an unknown one is one line with did-you-mean (exit 2). */
  async require(name: string): Promise<Deployment> {
    const found = await this.get(name);
    if (found) return found;
    const names = await this.names();
    throw new FlowsmithError(
      `no deployment "${name}" on ${this.address.url}${hint(name, names)}` + (names.length ? `; deployed: ${names.join(", ")}` : "; nothing is deployed there (flowsmith deploy FILE#workflow)"),
    );
  }

  async list(): Promise<Deployment[]> {
    const out: Deployment[] = [];
    for (const name of await this.names()) {
      const d = await this.get(name);
      if (d) out.push(d);
    }
    return out;
  }

  /** Register (or replace) a deployment; runs, last run and state start afresh when its code changes. */
  async register(d: Omit<Deployment, "runs" | "state" | "lastRunAt" | "suspendedAt">, sameCode: boolean): Promise<void> {
    const fields: Record<string, string> = {
      hash: d.hash,
      target: d.target,
      workflow: d.workflow,
      params: JSON.stringify(d.params),
      deployedAt: d.deployedAt,
      suspendAfterMs: String(d.suspendAfterMs),
      state: "active",
      store: d.store,
    };
    const multi = this.redis.multi().sadd(NAMES, d.name);
    if (!sameCode) multi.hdel(KEY(d.name), "lastRunAt", "runs", "suspendedAt");
    else multi.hdel(KEY(d.name), "suspendedAt");
    await multi.hset(KEY(d.name), fields).exec();
  }

  /** Only a deployment's suspension delay changes (a re-deploy of the same code with another --suspend-after). */
  async setSuspendAfter(name: string, ms: number): Promise<void> {
    await this.redis.hset(KEY(name), { suspendAfterMs: String(ms) });
  }

  async remove(name: string): Promise<void> {
    await this.redis.multi().srem(NAMES, name).del(KEY(name)).exec();
  }

  /** A run starts: last run now, one run more, active again. Whether it was suspended before. */
  async touch(name: string, now = new Date()): Promise<void> {
    await this.redis.multi().hset(KEY(name), { lastRunAt: now.toISOString(), state: "active" }).hdel(KEY(name), "suspendedAt").hincrby(KEY(name), "runs", 1).exec();
  }

  /** Mark idle deployments suspended and tell workers to drop their code; the ones suspended now. */
  async suspendIdle(now = Date.now()): Promise<Deployment[]> {
    const suspended: Deployment[] = [];
    for (const d of await this.list()) {
      if (d.state !== "active" || !isIdle(d, now)) continue;
      const at = new Date(now).toISOString();
      await this.redis.hset(KEY(d.name), { state: "suspended", suspendedAt: at });
      await this.redis.publish(SUSPENDED_CHANNEL, JSON.stringify({ name: d.name, hash: d.hash }));
      suspended.push({ ...d, state: "suspended", suspendedAt: at });
    }
    return suspended;
  }
}

/**
 * For a worker: `onSuspend` is called with each deployment suspended from now on (the worker drops its
 * loaded code), and idle deployments are swept every `sweepMs` so they are suspended even when nobody
 * lists or runs them. Returns what stops it.
 */
export async function watchSuspensions(address: ClusterAddress, onSuspend: (d: { name: string; hash: string }) => void, sweepMs = 60_000): Promise<() => Promise<void>> {
  const sub = connect(address);
  sub.on("error", () => {}); // the worker says when Redis is away; this connection reconnects by itself
  sub.on("message", (_channel: string, text: string) => {
    try {
      const d = JSON.parse(text) as { name?: unknown; hash?: unknown };
      if (typeof d.name === "string" && typeof d.hash === "string") onSuspend({ name: d.name, hash: d.hash });
    } catch {
      /* not ours */
    }
  });
  await sub.subscribe(SUSPENDED_CHANNEL);
  const registry = await DeploymentRegistry.open(address);
  const timer = setInterval(() => void registry.suspendIdle().catch(() => {}), sweepMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await registry.close();
    sub.disconnect();
  };
}
