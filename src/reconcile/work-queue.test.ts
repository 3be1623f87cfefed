import { describe, expect, it } from '@jest/globals';
import { WorkQueue } from './work-queue.js';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('runs one reconcile at a time per key and runs a key again when it was added while in flight', async () => {
    let running = 0;
    let maxParallelSameKey = 0;
    const runs: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new WorkQueue(
      async (key) => {
        running++;
        maxParallelSameKey = Math.max(maxParallelSameKey, running);
        runs.push(key);
        if (runs.length === 1) await gate;
        running--;
      },
      { concurrency: 4, backoffBaseMs: 10, backoffMaxMs: 100 },
    );
    q.start();
    q.add('a');
    await tick();
    q.add('a');
    q.add('a');
    await tick();
    expect(runs).toEqual(['a']);
    release();
    await tick(20);
    await q.whenIdle();
    expect(runs).toEqual(['a', 'a']);
    expect(maxParallelSameKey).toBe(1);
  });

  it('caps global concurrency', async () => {
    let running = 0;
    let peak = 0;
    const q = new WorkQueue(
      async () => {
        running++;
        peak = Math.max(peak, running);
        await tick(10);
        running--;
      },
      { concurrency: 3, backoffBaseMs: 10, backoffMaxMs: 100 },
    );
    q.start();
    for (let i = 0; i < 20; i++) q.add(`k${i}`);
    await tick(5);
    await q.whenIdle();
    expect(peak).toBe(3);
  });

  it('backs off exponentially with jitter up to the cap, and forget resets it', () => {
    const q = new WorkQueue(async () => undefined, { concurrency: 1, backoffBaseMs: 100, backoffMaxMs: 1000, random: () => 0.5 });
    const delays = [1, 2, 3, 4, 5, 6].map(() => q.addRateLimited('k'));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    q.forget('k');
    expect(q.addRateLimited('k')).toBe(100);
    const low = new WorkQueue(async () => undefined, { concurrency: 1, backoffBaseMs: 100, backoffMaxMs: 1000, random: () => 0 });
    expect(low.addRateLimited('k')).toBe(50);
    expect(low.addRateLimited('k', 700)).toBe(700);
    void q.shutdown(0);
    void low.shutdown(0);
  });

  it('keeps the earliest delayed add and an immediate add wins over a pending timer', async () => {
    const runs: number[] = [];
    const q = new WorkQueue(async () => void runs.push(Date.now()), { concurrency: 1, backoffBaseMs: 10, backoffMaxMs: 100 });
    q.start();
    q.addAfter('k', 10_000);
    q.addAfter('k', 20);
    await tick(60);
    expect(runs).toHaveLength(1);
    q.addAfter('k', 10_000);
    q.add('k');
    await tick(10);
    expect(runs).toHaveLength(2);
    await q.shutdown(100);
  });

  it('does nothing while paused and lets work in flight finish on shutdown', async () => {
    const runs: string[] = [];
    const q = new WorkQueue(
      async (k) => {
        await tick(30);
        runs.push(k);
      },
      { concurrency: 2, backoffBaseMs: 10, backoffMaxMs: 100 },
    );
    q.add('a');
    await tick(10);
    expect(runs).toEqual([]);
    q.start();
    await tick(5);
    expect(await q.shutdown(1000)).toBe(true);
    expect(runs).toEqual(['a']);
    q.add('b');
    await tick(50);
    expect(runs).toEqual(['a']);
  });

  it('reports keys in flight and how long the oldest of them has been running', async () => {
    const releases = new Map<string, () => void>();
    const q = new WorkQueue((key) => new Promise<void>((r) => releases.set(key, r)), { concurrency: 2, backoffBaseMs: 10, backoffMaxMs: 100 });
    q.start();
    const t0 = Date.now();
    expect(q.longestRunningMs(t0)).toBe(0);
    q.add('slow');
    await tick(25);
    q.add('quick');
    q.add('waiting');
    await tick();
    expect(q.inFlight).toBe(2);
    expect(q.depth).toBe(1);
    // The oldest key counts, not the newest: 'slow' started before t0 + 1000.
    expect(q.longestRunningMs(t0 + 1000)).toBeGreaterThan(1000 - 20);
    expect(q.longestRunningMs(t0 + 1000)).toBeLessThanOrEqual(1000);
    releases.get('slow')?.();
    await tick();
    // 'quick' (started later) is now the oldest; 'waiting' took the freed slot.
    expect(q.inFlight).toBe(2);
    expect(q.longestRunningMs(t0 + 1000)).toBeLessThanOrEqual(1000 - 15);
    releases.get('quick')?.();
    releases.get('waiting')?.();
    await q.whenIdle();
    expect(q.inFlight).toBe(0);
    expect(q.longestRunningMs()).toBe(0);
  });
});
