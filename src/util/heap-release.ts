import { getHeapStatistics } from 'node:v8';

export interface HeapRelease {
  /** How long the collection held the event loop. */
  ms: number;
  rssMB: { before: number; after: number };
  heapMB: { before: number; after: number };
}

const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

/**
 * Gives back heap V8 grew and no longer needs: one collection of V8's "last resort" kind, the one
 * it runs under memory pressure (full collections until nothing more is freed, compacting and
 * returning pages). With 1,000 databases watched it holds the event loop 65–90 ms, with 10,000
 * about 0.3 s.
 *
 * Needs node's `--expose-gc` (the image's ENTRYPOINT and the chart's command); without it this
 * does nothing and returns undefined.
 */
export function releaseHeap(): HeapRelease | undefined {
  const collect = globalThis.gc;
  if (!collect) return undefined;
  const before = process.memoryUsage();
  const started = performance.now();
  collect({ type: 'major', flavor: 'last-resort' });
  const ms = Math.round(performance.now() - started);
  const after = process.memoryUsage();
  return { ms, rssMB: { before: mb(before.rss), after: mb(after.rss) }, heapMB: { before: mb(before.heapTotal), after: mb(after.heapTotal) } };
}

/** When a release is worth its pause. */
export interface HeapReleasePolicy {
  /** How often the heap's size is looked at. */
  checkEveryMs: number;
  /** At most one release in this long, however fast the heap grows (a busy operator needs its heap). */
  minGapMs: number;
  /** Released when the heap has grown by this share of what the last release left… */
  growthFraction: number;
  /** …and by at least this many bytes. */
  minGrowthBytes: number;
}

/**
 * ADR 0010: V8 lets the heap of a long-running, mostly idle operator grow by the garbage of its
 * idle work (watch reconnects, resyncs) and its memory reducer does not give it back: with 1,000
 * databases RSS passed 100 MB within half an hour with nothing to do (within 8 minutes at the
 * production resync) although the live heap grew by about 1 MB. One release every few minutes when the heap has grown keeps it where the start-up
 * release left it.
 */
export const DEFAULT_HEAP_RELEASE_POLICY: HeapReleasePolicy = {
  checkEveryMs: 30_000,
  minGapMs: 3 * 60_000,
  growthFraction: 0.06,
  minGrowthBytes: 1.5 * 1048576,
};

/** Whether the heap (`heapBytes` now) has grown enough since the last release, which left `last.leftBytes` at `last.at`. */
export function releaseDue(policy: HeapReleasePolicy, last: { at: number; leftBytes: number }, now: number, heapBytes: number): boolean {
  if (now - last.at < policy.minGapMs) return false;
  return heapBytes - last.leftBytes >= Math.max(policy.minGrowthBytes, last.leftBytes * policy.growthFraction);
}

export interface HeapKeeperOptions {
  /** What the last release left, in bytes of heap (default: the heap's size when the keeper starts). */
  leftBytes?: number;
  policy?: HeapReleasePolicy;
  onRelease: (release: HeapRelease) => void;
  /** For tests: the heap's size, the release and the clock (default: V8's, releaseHeap, Date.now). */
  heapBytes?: () => number;
  release?: () => HeapRelease | undefined;
  now?: () => number;
}

/**
 * Looks at the heap every `checkEveryMs` and releases it when `releaseDue`. The timer does not
 * keep the process alive. Returns a function that stops it.
 */
export function keepHeapReleased(opts: HeapKeeperOptions): () => void {
  const policy = opts.policy ?? DEFAULT_HEAP_RELEASE_POLICY;
  const heapBytes = opts.heapBytes ?? (() => getHeapStatistics().total_heap_size);
  const release = opts.release ?? releaseHeap;
  const now = opts.now ?? Date.now;
  let last = { at: now(), leftBytes: opts.leftBytes ?? heapBytes() };
  const timer = setInterval(() => {
    const at = now();
    if (!releaseDue(policy, last, at, heapBytes())) return;
    const released = release();
    if (!released) return;
    last = { at, leftBytes: heapBytes() };
    opts.onRelease(released);
  }, policy.checkEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}
