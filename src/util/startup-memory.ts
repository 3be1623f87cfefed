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
 * Decoding the first list of every watched kind leaves garbage the cache does not keep, and V8
 * holds on to the heap it grew for it until its memory reducer runs some 15 s later (with 1,000
 * databases: 98–100 MB of RSS until then, 94–96 after). `--optimize-for-size` used to keep it down
 * by running V8 in a memory-saving mode for the whole life of the process (ADR 0009). One
 * collection of V8's "last resort" kind — the one it runs under memory pressure: full collections
 * until nothing more is freed, compacting and returning pages — holds the event loop 65–90 ms once
 * over 1,000 databases (0.3 s over 10,000), and the process sits as low as it did with that flag.
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
