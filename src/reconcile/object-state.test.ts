import { describe, expect, it } from '@jest/globals';
import { dueInMs } from './object-state.js';

describe('dueInMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('is the nearer of a grace end and a scheduled rotation, never negative', () => {
    expect(dueInMs({ status: { passwordRotation: { previousLoginUntil: '2026-01-01T00:01:00Z', nextRotation: '2026-01-02T00:00:00Z' } } }, now)).toBe(60_000);
    expect(dueInMs({ status: { passwordRotation: { nextRotation: '2025-12-31T00:00:00Z' } } }, now)).toBe(0);
  });
  it('is undefined when nothing is due', () => {
    expect(dueInMs({ status: {} }, now)).toBeUndefined();
    expect(dueInMs({}, now)).toBeUndefined();
  });
});
