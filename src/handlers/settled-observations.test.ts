import { describe, expect, it } from '@jest/globals';
import { SettledObservations } from './settled-observations.js';

const ready = { exists: true, ready: true, upToDate: true, endpoint: { host: 'h', port: 5432, sslmode: 'verify-full' as const }, state: { token: 'x' } };
const { state: _state, ...withoutState } = ready;

describe('SettledObservations', () => {
  it('hands a reading back until the check interval since it began is over', () => {
    let now = 1_000_000;
    const cache = new SettledObservations(() => now);
    cache.remember('ns/a', { uid: 'uid-1', generation: 3, readAt: now, validMs: 600_000 }, ready);
    now += 299_500;
    expect(cache.fresh('ns/a', 'uid-1', 3)).toEqual({ observation: withoutState, dueInSeconds: 301 });
    now += 300_500;
    expect(cache.fresh('ns/a', 'uid-1', 3)).toBeUndefined();
  });

  it('is due sooner when the backend asked to look again sooner (its retryAfterSeconds is not handed back)', () => {
    let now = 0;
    const cache = new SettledObservations(() => now);
    cache.remember('ns/a', { uid: 'uid-1', generation: 3, readAt: 0, validMs: 120_000 }, { ...ready, retryAfterSeconds: 120 });
    now = 60_000;
    expect(cache.fresh('ns/a', 'uid-1', 3)).toEqual({ observation: withoutState, dueInSeconds: 60 });
    now = 120_000;
    expect(cache.fresh('ns/a', 'uid-1', 3)).toBeUndefined();
  });

  it('never hands a reading to another generation or to a new object of the same name', () => {
    const cache = new SettledObservations(() => 0);
    cache.remember('ns/a', { uid: 'uid-1', generation: 3, readAt: 0, validMs: 600_000 }, ready);
    expect(cache.fresh('ns/a', 'uid-1', 4)).toBeUndefined();
    expect(cache.fresh('ns/a', 'uid-2', 3)).toBeUndefined();
    cache.forget('ns/a');
    expect(cache.fresh('ns/a', 'uid-1', 3)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
