import { describe, expect, it } from '@jest/globals';
import { distribution, median, parallel, percentile, until } from './stats.js';

describe('percentile', () => {
  it('takes the nearest rank, so a p99 of 100 values is the 99th smallest', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 1)).toBe(100);
    expect(percentile(values, 0)).toBe(1);
  });

  it('is not a number without values, and leaves its input unsorted', () => {
    expect(percentile([], 0.5)).toBeNaN();
    const values = [3, 1, 2];
    percentile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('distribution', () => {
  it('summarises latencies with their tail', () => {
    const d = distribution([...Array.from({ length: 98 }, () => 0.1), 0.5, 2]);
    expect(d).toMatchObject({ n: 100, min: 0.1, p50: 0.1, p95: 0.1, p99: 0.5, max: 2 });
    expect(d.mean).toBeCloseTo(0.123, 3);
  });
});

describe('parallel', () => {
  it('keeps at most the limit in flight and returns results in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await parallel([30, 5, 20, 1, 10, 2], 3, async (ms, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return i * 10;
    });
    expect(results).toEqual([0, 10, 20, 30, 40, 50]);
    expect(most).toBe(3);
  });
});

describe('until', () => {
  it('returns once the check holds, and names what it waited for when it never does', async () => {
    let calls = 0;
    await until(() => ++calls === 3, 1000, () => 'three calls', 1);
    expect(calls).toBe(3);
    await expect(until(() => false, 30, () => 'the impossible', 5)).rejects.toThrow('waiting for the impossible');
  });
});
