/**
 * A task whose recent attempts in the run took at most FAST_TASK_MS (the median of its last
 * FAST_TASK_SAMPLES) starts without a "running" node state and without handing the store writer
 * what is queued first (it goes with the next batch); any other task may block the event loop for
 * long, so its "running" state and the outputs before it are handed over before it starts. A
 * median, not the longest: one attempt stretched by a GC pause or a busy machine must not turn a
 * 10,000-node run of fast tasks into one message to the writer per node.
 */
const FAST_TASK_MS = 20;
const FAST_TASK_SAMPLES = 5;

/** How long a task's last FAST_TASK_SAMPLES attempts took; `fast` when their median is ≤ FAST_TASK_MS. */
export class TaskSpeed {
  private readonly samples: number[] = [];
  private next = 0;
  fast = false;

  add(ms: number): void {
    if (this.samples.length < FAST_TASK_SAMPLES) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % FAST_TASK_SAMPLES;
    // Fewer than half the samples over the bound (no sort: at most 5 numbers).
    let over = 0;
    for (const s of this.samples) if (!(s <= FAST_TASK_MS)) over++;
    this.fast = over * 2 < this.samples.length;
  }
}

/** Each task's recent attempts in a run, by task name. */
export class TaskSpeeds {
  private readonly speeds = new Map<string, TaskSpeed>();

  knownFast(task: string): boolean {
    return this.speeds.get(task)?.fast === true;
  }

  add(task: string, ms: number): void {
    let speed = this.speeds.get(task);
    if (!speed) this.speeds.set(task, (speed = new TaskSpeed()));
    speed.add(ms);
  }
}
