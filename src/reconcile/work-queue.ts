/**
 * A keyed work queue, the one place that knows about events (DESIGN: level-triggered reconcile).
 * - A key is processed by one worker at a time; a key added while in flight runs again afterwards.
 * - At most `concurrency` keys are processed at once.
 * - `addAfter` keeps the earliest pending time per key, so a requeue never postpones an event.
 * - Failures back off exponentially per key, with jitter, up to a cap; success resets the count.
 */
export type Processor = (key: string) => Promise<void>;

export interface WorkQueueOptions {
  concurrency: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Returns a number in [0, 1); injectable for tests. */
  random?: () => number;
}

export class WorkQueue {
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  /** Keys being processed, with when each started (for the longest-running gauge). */
  private readonly active = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private running = 0;
  private paused = true;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly process: Processor,
    private readonly opts: WorkQueueOptions,
  ) {}

  /** Number of keys waiting to run now (for the queue-depth metric). */
  get depth(): number {
    return this.ready.length;
  }

  get inFlight(): number {
    return this.running;
  }

  /**
   * How long the oldest key in flight has been processed, in ms (0 when none is): a reconcile that
   * hangs holds one of `concurrency` slots, and this is how that becomes visible before they all are.
   */
  longestRunningMs(now = Date.now()): number {
    let oldest = now;
    for (const started of this.active.values()) if (started < oldest) oldest = started;
    return now - oldest;
  }

  /** Starts processing (e.g. once this replica leads). */
  start(): void {
    this.paused = false;
    this.pump();
  }

  /** Stops taking new keys; keys in flight finish. */
  pause(): void {
    this.paused = true;
  }

  add(key: string): void {
    if (this.closed) return;
    this.clearTimer(key);
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.ready.push(key);
    this.pump();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.closed) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Requeues after a failure with per-key exponential backoff; returns the delay chosen. */
  addRateLimited(key: string, minDelayMs = 0): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const exp = Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** (n - 1));
    const jitter = 0.5 + (this.opts.random ?? Math.random)();
    const delay = Math.max(minDelayMs, Math.min(this.opts.backoffMaxMs, Math.round(exp * jitter)));
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the failure count of a key (after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Drops pending runs of a key (the object is gone). */
  remove(key: string): void {
    this.clearTimer(key);
    this.failures.delete(key);
    if (this.queued.delete(key)) this.ready.splice(this.ready.indexOf(key), 1);
  }

  /** Resolves when nothing is queued or in flight (tests, shutdown). */
  async whenIdle(): Promise<void> {
    if (this.running === 0 && (this.ready.length === 0 || this.paused)) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops accepting keys, cancels timers and waits up to `timeoutMs` for keys in flight. */
  async shutdown(timeoutMs: number): Promise<boolean> {
    this.closed = true;
    this.paused = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    if (this.running === 0) return true;
    let timeout: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      this.whenIdle().then(() => true),
      new Promise<boolean>((resolve) => {
        timeout = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timeout);
    return finished;
  }

  private clearTimer(key: string): void {
    const t = this.timers.get(key);
    if (t) {
      clearTimeout(t.timer);
      this.timers.delete(key);
    }
  }

  private pump(): void {
    while (!this.paused && this.running < this.opts.concurrency && this.ready.length > 0) {
      const key = this.ready.shift() as string;
      this.queued.delete(key);
      this.active.set(key, Date.now());
      this.running++;
      void this.run(key);
    }
    this.notifyIdle();
  }

  private async run(key: string): Promise<void> {
    try {
      await this.process(key);
    } catch {
      // The processor reports and requeues its own failures; nothing may escape the queue.
    } finally {
      this.active.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }

  private notifyIdle(): void {
    if (this.running === 0 && (this.ready.length === 0 || this.paused) && this.idleWaiters.length) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
