export interface StartupMemoryRelease {
  /** How long the collection held the event loop. */
  ms: number;
  rssMB: { before: number; after: number };
  heapMB: { before: number; after: number };
}

const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

/**
 * Gives back the heap V8 grew for the initial lists, once, right after the caches have synced.
 *
 * Decoding the first list of every watched kind allocates several times what the cache keeps, and
 * V8 holds on to the grown heap until its memory reducer runs some 15 s later. `--optimize-for-size`
 * kept it down by growing the heap in small steps for the whole life of the process, at about 8 %
 * of the operator's CPU (ADR 0009). One collection of V8's "last resort" kind — the one it runs
 * under memory pressure: full collections until nothing more is freed, compacting and returning
 * pages — costs about 80 ms once, and the process settles lower than with that flag.
 *
 * Needs node's `--expose-gc` (the image's ENTRYPOINT and the chart's command); without it this
 * does nothing and V8's memory reducer gets there later on its own.
 */
export function releaseStartupMemory(): StartupMemoryRelease | undefined {
  const collect = globalThis.gc;
  if (!collect) return undefined;
  const before = process.memoryUsage();
  const started = performance.now();
  collect({ type: 'major', flavor: 'last-resort' });
  const ms = Math.round(performance.now() - started);
  const after = process.memoryUsage();
  return { ms, rssMB: { before: mb(before.rss), after: mb(after.rss) }, heapMB: { before: mb(before.heapTotal), after: mb(after.heapTotal) } };
}
