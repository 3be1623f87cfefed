import { describe, it, expect } from '@jest/globals';
import { holdForWindow, joinHolds, msUntilOpen, weeklyWindow } from './maintenance-window.js';

// Wednesday 2026-12-09 10:00 UTC.
const WED_10 = new Date('2026-12-09T10:00:00Z');

describe('msUntilOpen', () => {
  it('is 0 during the hour from the start, else the time to the next start (UTC)', () => {
    const wed = weeklyWindow({ weekday: 'Wed', starttime: '09:30' })!;
    expect(msUntilOpen(wed, WED_10)).toBe(0);
    expect(msUntilOpen(weeklyWindow({ weekday: 'Wed', starttime: '08:59' })!, WED_10)).toBe(7 * 24 * 3600_000 - 61 * 60_000);
    expect(msUntilOpen(weeklyWindow({ weekday: 'Sun', starttime: '02:00' })!, WED_10)).toBe((3 * 24 + 16) * 3600_000);
  });

  it('keeps a window open across the end of the week', () => {
    expect(msUntilOpen(weeklyWindow({ weekday: 'Sat', starttime: '23:30' })!, new Date('2026-12-13T00:15:00Z'))).toBe(0);
  });
});

describe('holdForWindow', () => {
  it('holds until the window opens: when, the window as people read it, and when to look again', () => {
    expect(holdForWindow({ maintenance: { window: { weekday: 'Sun', starttime: '02:00' } } }, ['image a → b'], WED_10)).toEqual({
      pending: ['image a → b'],
      scheduledFor: '2026-12-13T02:00:00.000Z',
      window: 'Sun 02:00 UTC',
      retryAfterSeconds: (3 * 24 + 16) * 3600 + 1,
    });
  });

  it('holds nothing without a window, while it is open, or when nothing waits', () => {
    expect(holdForWindow({}, ['image a → b'], WED_10)).toBeUndefined();
    expect(holdForWindow({ maintenance: {} }, ['image a → b'], WED_10)).toBeUndefined();
    expect(holdForWindow({ maintenance: { window: { weekday: 'Wed', starttime: '09:01' } } }, ['image a → b'], WED_10)).toBeUndefined();
    expect(holdForWindow({ maintenance: { window: { weekday: 'Sun', starttime: '02:00' } } }, [], WED_10)).toBeUndefined();
  });

  it('joins two holds of one server', () => {
    const spec = { maintenance: { window: { weekday: 'Sun' as const, starttime: '02:00' } } };
    expect(joinHolds(holdForWindow(spec, ['image a → b'], WED_10), holdForWindow(spec, ['restart for max_connections'], WED_10))?.pending).toEqual(['image a → b', 'restart for max_connections']);
    expect(joinHolds(undefined, holdForWindow(spec, ['x'], WED_10))?.pending).toEqual(['x']);
    expect(joinHolds(undefined, undefined)).toBeUndefined();
  });
});
