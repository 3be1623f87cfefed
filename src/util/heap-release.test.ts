import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_HEAP_RELEASE_POLICY, keepHeapReleased, releaseDue, releaseHeap, type HeapRelease } from './heap-release.js';

const MB = 1048576;
const policy = DEFAULT_HEAP_RELEASE_POLICY;
const minutes = (m: number): number => m * 60_000;

describe('releaseDue', () => {
  const last = { at: 0, leftBytes: 30 * MB };

  it('waits for the minimum gap however much the heap grew', () => {
    expect(releaseDue(policy, last, minutes(2.9), 200 * MB)).toBe(false);
    expect(releaseDue(policy, last, minutes(3), 200 * MB)).toBe(true);
  });

  it('releases only once the heap grew by the share of what the last release left', () => {
    // 6 % of 30 MB is 1.8 MB, more than the 1.5 MB floor.
    expect(releaseDue(policy, last, minutes(60), 31.7 * MB)).toBe(false);
    expect(releaseDue(policy, last, minutes(60), 31.9 * MB)).toBe(true);
  });

  it('asks for the floor on a small heap', () => {
    const small = { at: 0, leftBytes: 10 * MB };
    expect(releaseDue(policy, small, minutes(60), 11.4 * MB)).toBe(false);
    expect(releaseDue(policy, small, minutes(60), 11.5 * MB)).toBe(true);
  });
});

describe('keepHeapReleased', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('releases when due, then measures growth from what that release left', () => {
    jest.useFakeTimers();
    let clock = 0;
    let heap = 30 * MB;
    const released: HeapRelease[] = [];
    const release = (): HeapRelease => {
      heap = 29 * MB;
      return { ms: 80, rssMB: { before: 100, after: 92 }, heapMB: { before: 33, after: 29 } };
    };
    const stop = keepHeapReleased({ onRelease: (r) => released.push(r), heapBytes: () => heap, release, now: () => clock });
    const minute = (): void => {
      clock += minutes(1);
      jest.advanceTimersByTime(minutes(1));
    };
    heap = 33 * MB;
    for (let i = 0; i < 2; i++) minute();
    expect(released).toHaveLength(0); // grown enough, but within the gap
    minute();
    expect(released).toHaveLength(1);
    heap = 30.7 * MB; // +1.7 MB over the 29 MB left: below 6 % (1.74 MB)
    for (let i = 0; i < 10; i++) minute();
    expect(released).toHaveLength(1);
    heap = 30.8 * MB;
    minute();
    expect(released).toHaveLength(2);
    stop();
    heap = 100 * MB;
    for (let i = 0; i < 10; i++) minute();
    expect(released).toHaveLength(2);
  });

  it('reports no release when none could run (no --expose-gc)', () => {
    jest.useFakeTimers();
    let clock = 0;
    const released: HeapRelease[] = [];
    const stop = keepHeapReleased({ onRelease: (r) => released.push(r), heapBytes: () => 100 * MB, leftBytes: 10 * MB, release: () => undefined, now: () => clock });
    clock += minutes(10);
    jest.advanceTimersByTime(minutes(10));
    stop();
    expect(released).toHaveLength(0);
  });
});

describe('releaseHeap', () => {
  const exposed = globalThis.gc;
  afterEach(() => {
    globalThis.gc = exposed;
  });

  it('does nothing without --expose-gc', () => {
    globalThis.gc = undefined;
    expect(releaseHeap()).toBeUndefined();
  });

  it('gives back the heap that garbage grew', () => {
    setFlagsFromString('--expose-gc');
    globalThis.gc = runInNewContext('gc') as typeof globalThis.gc;
    // Made and dropped inside a function, so nothing refers to it any more.
    const made = ((): number => Array.from({ length: 200_000 }, (_, i) => ({ i, text: `garbage ${i}` })).length)();
    expect(made).toBe(200_000);
    const released = releaseHeap();
    expect(released).toBeDefined();
    expect(released?.heapMB.after).toBeLessThan((released?.heapMB.before ?? 0) - 5);
  });
});
