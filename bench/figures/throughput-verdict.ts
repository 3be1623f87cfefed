import { median, round } from '../lib/stats.js';

/** Target of the throughput figure: the best operator round over the best baseline round. */
export const TARGET_RATIO = 1.2;

/** What the verdict reads of an operator round. */
export interface VerdictRun {
  seconds: number;
  timedOut: boolean;
  cpuSeconds: number;
  harnessCpuSeconds: number;
  machineBusySeconds: number;
  credentialsFailedCount: number;
}

/** What the verdict reads of a baseline round. */
export interface VerdictBaseline {
  seconds: number;
  harnessCpuSeconds: number;
  machineBusySeconds: number;
}

/** The figures a size's row reports about its rounds (ThroughputRow carries them as they are). */
export interface VerdictFigures {
  bestBaselineSeconds: number;
  /** best operator seconds / best baseline seconds (a lower bound when the operator timed out); target ≤ 1.2. */
  ratio: number;
  /** Operator round i / the best baseline beside it (baseline round i, or the serial one if faster): how much the pairs agree. */
  pairRatios: number[];
  /**
   * The median of `pairRatios`: the operator against rounds run at about the same machine speed.
   * Printed for reading the spread, not the verdict: on a shared machine it and `ratio` disagree
   * in both directions (bench/HISTORY.md, "ten pairs, and the median of the pairs").
   */
  medianPairRatio: number;
  /**
   * Per pair, the CPU each side cost the machine per CPU second of everything else (PostgreSQL, in
   * practice), operator round against its baseline round (`workRatio`); and their median. How much
   * more work the operator's way is, whatever the machine's speed in each round: on this shared
   * machine the same baseline round has taken from 17 to 26 machine CPU seconds. Not the verdict.
   */
  workRatios: number[];
  medianWorkRatio: number;
  pass: boolean;
}

export interface Verdict<R extends VerdictRun> extends VerdictFigures {
  /** The best operator round (the one `ratio` uses). */
  best: R;
}

/**
 * The figures of one size from its rounds: operator round i ran beside concurrent baseline round i;
 * the serial baseline, when there is one, counts as a baseline for every pair. The verdict is the
 * best operator round over the best baseline (a round that completed beats one given up on, and
 * then the ratio is a lower bound); it passes only when that round completed, the ratio is within
 * the target and every round's credentials logged in.
 */
export function verdictOf<R extends VerdictRun>(runs: readonly R[], baselines: readonly VerdictBaseline[], serial?: VerdictBaseline): Verdict<R> {
  if (runs.length === 0 || runs.length !== baselines.length) throw new Error(`${runs.length} operator rounds against ${baselines.length} baseline rounds: the verdict needs pairs`);
  const best = runs.reduce(better);
  const bestBaseline = Math.min(...baselines.map((b) => b.seconds), serial?.seconds ?? Infinity);
  const ratio = round(best.seconds / bestBaseline, 2);
  const pairRatios = runs.map((r, i) => round(r.seconds / Math.min((baselines[i] as VerdictBaseline).seconds, serial?.seconds ?? Infinity), 2));
  const workRatios = runs.map((r, i) => round(workRatio(r, baselines[i] as VerdictBaseline), 2));
  return {
    best,
    bestBaselineSeconds: round(bestBaseline),
    ratio,
    pairRatios,
    medianPairRatio: round(median(pairRatios), 2),
    workRatios,
    medianWorkRatio: round(median(workRatios), 2),
    pass: !best.timedOut && ratio <= TARGET_RATIO && runs.every((r) => r.credentialsFailedCount === 0),
  };
}

/**
 * Machine CPU per CPU second of the rest (machine − operator − bench process) in the operator round,
 * over the same in the baseline round, where the bench process is the baseline script. The rest is
 * PostgreSQL doing the same statements in both rounds, so its CPU seconds measure how fast the
 * machine ran in each: a round on a slower machine costs more CPU seconds on every side alike.
 * NaN when a round's counters leave nothing for the rest (they cannot be read as a ratio then).
 */
export function workRatio(run: Pick<VerdictRun, 'machineBusySeconds' | 'cpuSeconds' | 'harnessCpuSeconds'>, baseline: Pick<VerdictBaseline, 'machineBusySeconds' | 'harnessCpuSeconds'>): number {
  const operatorRest = run.machineBusySeconds - run.cpuSeconds - run.harnessCpuSeconds;
  const baselineRest = baseline.machineBusySeconds - baseline.harnessCpuSeconds;
  if (operatorRest <= 0 || baselineRest <= 0) return Number.NaN;
  return run.machineBusySeconds / operatorRest / (baseline.machineBusySeconds / baselineRest);
}

/**
 * A burst of load elsewhere on the machine costs a short round a larger share of its time: a
 * second is 30 % of a round at N = 100 and 4 % at N = 1000. Short rounds therefore come in more
 * pairs, so that every size measures about the same number of databases per side.
 */
export const pairsFor = (n: number, atLeast: number, databases: number): number => Math.max(atLeast, Math.ceil(databases / n));

/**
 * Which side of a pair runs first, in blocks of four pairs: baseline–operator, operator–baseline,
 * operator–baseline, baseline–operator. Both sides then sit on average at the same place in the
 * sequence, so a machine that grows faster or slower over a size's rounds favours neither (with
 * plain alternation the operator always ran right after a baseline). The first pair starts with a
 * baseline, because the operator's time limit comes from the best baseline so far; the last one
 * ends with the operator, whose world may be kept for the idle figure, with no baseline beside it.
 */
export const operatorGoesFirst = (pair: number, pairs: number): boolean => pair !== pairs - 1 && (pair % 4 === 1 || pair % 4 === 2);

/** The faster round; a round that completed beats one that timed out (the first of equals stays). */
function better<R extends VerdictRun>(a: R, b: R): R {
  if (a.timedOut !== b.timedOut) return a.timedOut ? b : a;
  return b.seconds < a.seconds ? b : a;
}
