/**
 * The cluster as every layer shows it (DESIGN.md, "Running beyond one process"): what
 * `flowsmith workers --format json` prints, one object per live worker, and what the extension's
 * status bar and sidebar read.
 */

/** A node a worker is executing now. */
export interface WorkerTask {
  runId: string;
  node: string;
  /** The task's name. */
  task: string;
  /** When the attempt started (ISO). */
  startedAt: string;
}

export interface WorkerInfo {
  /** Stable while the worker lives: `HOST:PID:RANDOM`. */
  id: string;
  host: string;
  pid: number;
  /** How many nodes it runs at once. */
  concurrency: number;
  running: WorkerTask[];
  /** ISO times: when it started, and its last heartbeat. */
  startedAt: string;
  lastSeen: string;
  /** The store directory it reads and writes. */
  store: string;
}
