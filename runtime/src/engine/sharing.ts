/**
 * Runs that share a store share work: a node computed by one live run is not computed again by
 * another (a lock per cache key), and `flowsmith stop` from elsewhere reaches a run through the
 * store (a stop request it polls for).
 *
 * Taking a lock costs two file operations per node, so a run alone in its store takes none, until
 * it sees another run start (then it locks what it is computing, and everything after, and says so
 * in its registration). The newcomer starts nothing before every other live run has said so: an
 * acknowledgement, not a fixed wait, so a run whose poll is late on a busy machine is waited for.
 */
import type { Store } from "../store/store.js";
import { StopRequested } from "./attempt.js";

/** How often a run looks for stop requests and for other runs starting in its store. */
const POLL_MS = 150;
/**
 * The longest a newcomer waits for the other runs' acknowledgement. A run that has not answered by
 * then is stuck (its process lives but does not poll); the newcomer goes on, and what that run
 * starts later is locked all the same.
 */
const HANDSHAKE_LIMIT_MS = 30_000;
/** How often a newcomer looks for the acknowledgements. */
const HANDSHAKE_POLL_MS = 25;
/** How often a run waiting for another run's node tries its lock again. */
const LOCK_RETRY_MS = 100;

export class RunSharing {
  /** Other runs are live in the store: this run locks what it computes. */
  private sharing: boolean;
  /** Keys this run computes (task running or output being written), and those it holds locks on. */
  private readonly computing = new Set<string>();
  private readonly held = new Set<string>();
  private readonly poll: NodeJS.Timeout;

  /** Registers the run in the store's live runs; `onStopRequested` when `flowsmith stop` asks. */
  constructor(
    private readonly store: Store,
    private readonly runId: string,
    onStopRequested: () => void,
  ) {
    store.registerRun(runId);
    this.sharing = store.otherLiveRuns(runId).length > 0;
    // Alone: locks left by killed runs are cleared (a live holder means a run that did not register).
    if (!this.sharing && store.sweepLocks()) this.sharing = true;
    if (this.sharing) store.registerRun(runId, true);
    store.sweepTemp();
    this.poll = setInterval(() => {
      if (store.stopRequested(runId)) onStopRequested();
      if (!this.sharing && store.otherLiveRuns(runId).length > 0) this.start();
    }, POLL_MS);
  }

  /** Whether other runs may compute in the store now (then a key's output is looked up again once locked). */
  get active(): boolean {
    return this.sharing;
  }

  /** Before the run starts anything: the handshake with other runs, or (alone) a hint to the store. */
  async handshake(nodeCount: number): Promise<void> {
    if (!this.sharing) {
      this.store.expectLookups(nodeCount);
      return;
    }
    const deadline = Date.now() + HANDSHAKE_LIMIT_MS;
    let waiting = this.store.otherLiveRuns(this.runId);
    while ((waiting = waiting.filter((id) => !this.store.runSharingOrGone(id))).length && Date.now() < deadline) {
      await sleep(HANDSHAKE_POLL_MS);
    }
  }

  /**
   * This run is to compute `key`: it takes its lock (sharing), waiting while another run holds it
   * (its output is then found in the store). Undefined when taken at once, as most keys are (no
   * promise to wait for); throws StopRequested if the run is stopped while it waits.
   */
  acquire(key: string, stop: AbortSignal): Promise<void> | undefined {
    if (!this.sharing || this.store.tryLock(key, this.runId)) {
      this.took(key);
      return undefined;
    }
    return this.waitFor(key, stop);
  }

  /** `key` is no longer being computed by this run: its lock (if any) goes. */
  release(key: string): void {
    this.computing.delete(key);
    if (this.held.delete(key)) this.store.unlock(key);
  }

  /** No more polling: the run's work is done. */
  stopPolling(): void {
    clearInterval(this.poll);
    this.store.stopListing();
  }

  /** The run leaves the store's live runs (after its last write). */
  unregister(): void {
    this.store.unregisterRun(this.runId);
  }

  /** Another run started: lock what this run is computing, and everything after. */
  private start(): void {
    this.sharing = true;
    this.store.stopListing();
    for (const key of this.computing) if (!this.held.has(key) && this.store.tryLock(key, this.runId)) this.held.add(key);
    // The acknowledgement the newcomer waits for: everything this run computes is locked from now.
    this.store.registerRun(this.runId, true);
  }

  private async waitFor(key: string, stop: AbortSignal): Promise<void> {
    do {
      if (stop.aborted) throw new StopRequested();
      await sleep(LOCK_RETRY_MS);
    } while (this.sharing && !this.store.tryLock(key, this.runId));
    this.took(key);
  }

  private took(key: string): void {
    if (this.sharing) this.held.add(key);
    this.computing.add(key);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
