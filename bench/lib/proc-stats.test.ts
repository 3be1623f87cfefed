import { describe, expect, it } from '@jest/globals';
import { cpuSeconds, rssBytes, threadCpuSeconds, threadCpuSince, ticksOf } from './proc-stats.js';

describe('ticksOf', () => {
  it('counts fields after the command name, which may hold spaces and parentheses', () => {
    // Fields 14 and 15 (utime, stime) of proc(5): 7 and 5 here.
    const stat = '4242 (node (my) app) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 11 0 100 1000 200';
    expect(ticksOf(stat)).toBe(12);
  });
});

describe('threadCpuSince', () => {
  it('gives the threads that ended meanwhile to "other", and never a negative remainder', () => {
    const before = { main: 1, pool: 1, v8: 1, other: 0.5 };
    expect(threadCpuSince(before, { main: 2, pool: 1.5, v8: 1.25, other: 0.5 }, 2.5)).toEqual({ main: 1, pool: 0.5, v8: 0.25, other: 0.75 });
    expect(threadCpuSince(before, { main: 2, pool: 1.5, v8: 1.25, other: 0.5 }, 1.5)).toEqual({ main: 1, pool: 0.5, v8: 0.25, other: 0 });
  });
});

describe('reading /proc', () => {
  it('splits this process\'s CPU by thread, the main thread being the one that spun', () => {
    const before = threadCpuSeconds(process.pid);
    const totalBefore = cpuSeconds(process.pid);
    const spinUntil = Date.now() + 300;
    let x = 0;
    while (Date.now() < spinUntil) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    const after = threadCpuSeconds(process.pid);
    const spent = cpuSeconds(process.pid) - totalBefore;
    expect(spent).toBeGreaterThanOrEqual(0.15);
    // Live threads only: the process total also keeps what ended threads used, never less.
    expect(after.main + after.pool + after.v8 + after.other).toBeLessThanOrEqual(cpuSeconds(process.pid) + 0.02);
    // Over the spin, the main thread took (almost) all of it: a tick or two apart, as the reads are not atomic.
    const split = threadCpuSince(before, after, spent);
    expect(split.main).toBeGreaterThanOrEqual(spent - 0.05);
    // Nothing else ran, so what is left for the other kinds and for ended threads is a tick or two.
    expect(split.pool + split.v8 + split.other).toBeLessThanOrEqual(0.05);
    expect(rssBytes(process.pid)).toBeGreaterThan(10 * 1024 * 1024);
  });
});
