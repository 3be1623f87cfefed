import { countWrites } from '../../test/support/fake-apiserver/index.js';

/** The fake API server's request counts, split into writes and reads, with the busiest keys. */
export interface ApiTraffic {
  writes: number;
  reads: number;
  byKey: Record<string, number>;
}

export function apiTraffic(counts: Record<string, number>): ApiTraffic {
  const writes = countWrites(counts);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const byKey = Object.fromEntries(Object.entries(counts).sort(([, a], [, b]) => b - a));
  return { writes, reads: total - writes, byKey };
}
