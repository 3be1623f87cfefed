import { describe, expect, it } from '@jest/globals';
import { SettledObservations } from './settled-observations.js';

const ready = { exists: true, ready: true, upToDate: true, endpoint: { host: 'h', port: 5432, sslmode: 'verify-full' as const }, state: { token: 'x' } };

describe('SettledObservations', () => {
  it('hands a reading back until the check interval since it began is over', () => {
    let now = 1_000_000;
    const cache = new SettledObservations(() => now);
    cache.remember('ns/a', 'uid-1', 3, now, ready);
    now += 299_500;
    expect(cache.fresh('ns/a', 'uid-1', 3, 600_000)).toEqual({ observation: { exists: true, ready: true, upToDate: true, endpoint: ready.endpoint }, dueInSeconds: 301 });
    now += 300_500;
    expect(cache.fresh('ns/a', 'uid-1', 3, 600_000)).toBeUndefined();
  });

  it('never hands a reading to another generation or to a new object of the same name', () => {
    const cache = new SettledObservations(() => 0);
    cache.remember('ns/a', 'uid-1', 3, 0, ready);
    expect(cache.fresh('ns/a', 'uid-1', 4, 600_000)).toBeUndefined();
    expect(cache.fresh('ns/a', 'uid-2', 3, 600_000)).toBeUndefined();
    cache.forget('ns/a');
    expect(cache.fresh('ns/a', 'uid-1', 3, 600_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
