import { describe, expect, it } from '@jest/globals';
import { operatorGoesFirst, pairsFor, verdictOf, workRatio, type VerdictBaseline, type VerdictRun } from './throughput-verdict.js';

const run = (seconds: number, more: Partial<VerdictRun> = {}): VerdictRun => ({
  seconds,
  timedOut: false,
  cpuSeconds: 1,
  harnessCpuSeconds: 1,
  machineBusySeconds: 10,
  credentialsFailedCount: 0,
  ...more,
});
const baseline = (seconds: number, more: Partial<VerdictBaseline> = {}): VerdictBaseline => ({ seconds, harnessCpuSeconds: 1, machineBusySeconds: 9, ...more });

describe('verdictOf', () => {
  it('compares the best operator round with the best baseline round, wherever each ran', () => {
    const v = verdictOf([run(12), run(10), run(11)], [baseline(9), baseline(10), baseline(8)]);
    expect(v.best.seconds).toBe(10);
    expect(v.bestBaselineSeconds).toBe(8);
    expect(v.ratio).toBe(1.25);
    expect(v.pass).toBe(false);
  });

  it('compares each pair with the baseline beside it, or with the serial one when that was faster', () => {
    const v = verdictOf([run(12), run(10)], [baseline(10), baseline(5)], baseline(8));
    expect(v.pairRatios).toEqual([1.5, 2]);
    expect(v.medianPairRatio).toBe(1.75);
    // The serial baseline counts for the verdict too.
    expect(v.ratio).toBe(2);
  });

  it('passes at the target and not above it', () => {
    expect(verdictOf([run(12)], [baseline(10)]).pass).toBe(true);
    expect(verdictOf([run(12.1)], [baseline(10)]).pass).toBe(false);
  });

  it('never takes a round it gave up on for the best one, and fails when every round gave up', () => {
    const gaveUp = run(5, { timedOut: true });
    const v = verdictOf([gaveUp, run(11)], [baseline(10), baseline(10)]);
    expect(v.best.seconds).toBe(11);
    expect(v.pass).toBe(true);

    const none = verdictOf([gaveUp], [baseline(10)]);
    expect(none.best.timedOut).toBe(true);
    expect(none.ratio).toBe(0.5);
    expect(none.pass).toBe(false);
  });

  it('fails when any round left credentials that do not log in, even a round that is not the best', () => {
    const v = verdictOf([run(10), run(11, { credentialsFailedCount: 1 })], [baseline(10), baseline(10)]);
    expect(v.ratio).toBe(1);
    expect(v.pass).toBe(false);
  });

  it('refuses rounds that do not come in pairs', () => {
    expect(() => verdictOf([run(10), run(10)], [baseline(10)])).toThrow('pairs');
    expect(() => verdictOf([], [])).toThrow('pairs');
  });
});

describe('workRatio', () => {
  it('is 1 when both sides cost the machine the same per second of PostgreSQL', () => {
    // PostgreSQL 8 s in both; the operator round spends 2 s outside it, as the baseline script does.
    expect(workRatio({ machineBusySeconds: 10, cpuSeconds: 1.5, harnessCpuSeconds: 0.5 }, { machineBusySeconds: 10, harnessCpuSeconds: 2 })).toBeCloseTo(1, 10);
  });

  it('does not move when the machine is slower in one round: PostgreSQL slows down alike', () => {
    // The same rounds with every CPU second doubled in the operator round.
    // Operator round: 13.2 machine seconds per 10 of PostgreSQL; baseline round: 11 per 10.
    const same = workRatio({ machineBusySeconds: 13.2, cpuSeconds: 2.2, harnessCpuSeconds: 1 }, { machineBusySeconds: 11, harnessCpuSeconds: 1 });
    const slower = workRatio({ machineBusySeconds: 26.4, cpuSeconds: 4.4, harnessCpuSeconds: 2 }, { machineBusySeconds: 11, harnessCpuSeconds: 1 });
    expect(same).toBeCloseTo(1.2, 10);
    expect(slower).toBeCloseTo(same, 10);
  });

  it('is not a number when the counters leave nothing for PostgreSQL', () => {
    expect(workRatio({ machineBusySeconds: 2, cpuSeconds: 1.5, harnessCpuSeconds: 0.5 }, { machineBusySeconds: 10, harnessCpuSeconds: 2 })).toBeNaN();
    expect(workRatio({ machineBusySeconds: 10, cpuSeconds: 1, harnessCpuSeconds: 1 }, { machineBusySeconds: 2, harnessCpuSeconds: 2 })).toBeNaN();
  });
});

describe('operatorGoesFirst', () => {
  const order = (pairs: number): string =>
    Array.from({ length: pairs }, (_, p) => (operatorGoesFirst(p, pairs) ? 'OB' : 'BO')).join(' ');

  it('runs blocks of four pairs baseline–operator, operator–baseline, operator–baseline, baseline–operator', () => {
    expect(order(4)).toBe('BO OB OB BO');
    expect(order(8)).toBe('BO OB OB BO BO OB OB BO');
  });

  it('starts with a baseline (the time limit comes from it) and ends with the operator (its world may be kept)', () => {
    for (let pairs = 1; pairs <= 10; pairs++) {
      expect(order(pairs).startsWith('BO')).toBe(true);
      expect(order(pairs).endsWith('BO')).toBe(true);
    }
  });

  it('gives both sides the same mean place in the sequence for whole blocks', () => {
    for (const pairs of [4, 8, 12]) {
      const rounds = order(pairs).replaceAll(' ', '');
      const places = (side: string): number => [...rounds].reduce((sum, s, i) => (s === side ? sum + i : sum), 0);
      expect(places('O')).toBe(places('B'));
    }
  });
});

describe('pairsFor', () => {
  it('gives short rounds more pairs, for about the same number of databases a side', () => {
    expect(pairsFor(100, 4, 500)).toBe(5);
    expect(pairsFor(300, 4, 500)).toBe(4);
    expect(pairsFor(1000, 4, 500)).toBe(4);
    expect(pairsFor(50, 2, 0)).toBe(2);
  });
});
