export const FIGURES = ['throughput', 'latency', 'idle', 'memory'] as const;
export type Figure = (typeof FIGURES)[number];

export interface BenchOptions {
  mode: 'quick' | 'default' | 'full';
  figures: Figure[];
  /** Throughput sizes (N databases); the idle figure runs on the largest. */
  sizes: number[];
  serialBaselineMax: number;
  /** Throughput: baseline/operator round pairs per size, at least (each side's best round counts; see pairsFor). */
  pairs: number;
  /** Throughput: short rounds get more pairs, for about this many databases a side (0: no more). */
  pairDatabases: number;
  concurrency: number;
  /** Resync period of the operator in the throughput, latency and idle figures (the production default). */
  resyncSeconds: number;
  latencyRuns: number;
  idleSeconds: number;
  /** After the idle figure's resync pass, how long an operator runs over the same objects with its RSS read (0: not). */
  soakMinutes: number;
  /** Populations for the memory and restart figure. */
  memorySizes: number[];
  /** Resync period during the memory and restart figure (long, so few resyncs fall into its windows). */
  restartResyncSeconds: number;
  restartWindowSeconds: number;
  /** NODE_OPTIONS of every operator process the bench starts ("" = the image's). */
  operatorNodeOptions: string;
  /** Options for `node` before the operator's script, in place of the image's ENTRYPOINT ones (unset: the image's). */
  operatorNodeArgs?: string[];
  /** Where each operator process's output is written when it stops (unset: nowhere). */
  operatorLogDir?: string;
  /** Keep PostgreSQL's data on disk instead of the RAM disk. */
  pgOnDisk: boolean;
  /** PostgreSQL's max_connections (its default, 100, unless asked otherwise). */
  pgMaxConnections?: number;
  outDir: string;
}

const PROFILES: Record<BenchOptions['mode'], Omit<BenchOptions, 'mode' | 'figures' | 'outDir' | 'operatorNodeOptions' | 'pgOnDisk'>> = {
  quick: { sizes: [50], serialBaselineMax: 50, pairs: 2, pairDatabases: 0, concurrency: 10, resyncSeconds: 300, latencyRuns: 20, idleSeconds: 15, soakMinutes: 0, memorySizes: [1000], restartResyncSeconds: 86400, restartWindowSeconds: 5 },
  default: { sizes: [100, 500, 1000], serialBaselineMax: 100, pairs: 4, pairDatabases: 500, concurrency: 10, resyncSeconds: 300, latencyRuns: 200, idleSeconds: 60, soakMinutes: 10, memorySizes: [1000, 10000], restartResyncSeconds: 86400, restartWindowSeconds: 10 },
  full: { sizes: [100, 500, 1000], serialBaselineMax: Infinity, pairs: 4, pairDatabases: 500, concurrency: 10, resyncSeconds: 300, latencyRuns: 200, idleSeconds: 60, soakMinutes: 30, memorySizes: [1000, 10000], restartResyncSeconds: 86400, restartWindowSeconds: 10 },
};

export const USAGE = `usage: npm run bench -- [--quick | --full] [--only throughput,latency,idle,memory]
  [--sizes 100,500,1000] [--serial-baseline-max N] [--pairs K] [--concurrency N] [--resync S]
  [--latency-runs N] [--idle-seconds S] [--soak-minutes M] [--memory-sizes 1000,10000] [--out DIR]
  [--operator-node-options "--max-semi-space-size=2"] [--operator-node-args "--expose-gc --trace-gc"]
  [--operator-log-dir DIR] [--pg-max-connections 100] [--pg-on-disk]

  --quick   smoke run with small numbers (about 2 minutes)
  (default) throughput at N = 100, 500 and 1000, in 5, 4 and 4 baseline/operator pairs; the
            serial baseline only at 100; RSS over 10 minutes of the idle world (about 25 minutes)
  --full    as the default, with the serial baseline at every size too and 30 minutes of RSS
  --soak-minutes           after the idle figure, how long an operator started at the
            production defaults runs over its objects, RSS read every 30 s (0: not at all)
  --pairs   baseline/operator round pairs per throughput size (each side's best round counts);
            without it, 4 and more at small N, for about 500 databases a side
  --operator-node-options  NODE_OPTIONS of the operator processes, in place of the image's
  --operator-node-args     node's options before the operator's script, in place of the image's
            ENTRYPOINT ones ("" for none: without --expose-gc, so without
            the collections that give back the heap, ADR 0009 and 0010)
  --operator-log-dir       write each operator process's output there when it stops
  --only    run some figures; "memory" includes the restart figure; "idle" needs throughput's
            largest world and builds one when throughput is not run`;

const numbers = (v: string): number[] => v.split(',').map((x) => {
  const n = Number(x);
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive integer: ${x}`);
  return n;
});

export function parseArgs(argv: string[]): BenchOptions {
  const mode = argv.includes('--full') ? 'full' : argv.includes('--quick') ? 'quick' : 'default';
  const opts: BenchOptions = { mode, figures: [...FIGURES], outDir: 'bench/results', operatorNodeOptions: '', pgOnDisk: false, ...PROFILES[mode] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === '--quick' || flag === '--full') continue;
    if (flag === '--pg-on-disk') {
      opts.pgOnDisk = true;
      continue;
    }
    if (flag === '--help' || flag === '-h') throw new Error(USAGE);
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    apply(opts, flag, value);
  }
  opts.sizes.sort((a, b) => a - b);
  opts.memorySizes.sort((a, b) => a - b);
  return opts;
}

function apply(opts: BenchOptions, flag: string, value: string): void {
  switch (flag) {
    case '--only': {
      const wanted = value.split(',').map((f) => (f === 'restart' ? 'memory' : f));
      const unknown = wanted.filter((f) => !(FIGURES as readonly string[]).includes(f));
      if (unknown.length) throw new Error(`unknown figure ${unknown.join(', ')}\n${USAGE}`);
      opts.figures = FIGURES.filter((f) => wanted.includes(f));
      return;
    }
    case '--sizes': opts.sizes = numbers(value); return;
    case '--serial-baseline-max': opts.serialBaselineMax = Number(value); return;
    case '--pairs': opts.pairs = numbers(value)[0] as number; opts.pairDatabases = 0; return;
    case '--concurrency': opts.concurrency = numbers(value)[0] as number; return;
    case '--resync': opts.resyncSeconds = numbers(value)[0] as number; return;
    case '--latency-runs': opts.latencyRuns = numbers(value)[0] as number; return;
    case '--idle-seconds': opts.idleSeconds = numbers(value)[0] as number; return;
    case '--soak-minutes': opts.soakMinutes = value === '0' ? 0 : (numbers(value)[0] as number); return;
    case '--memory-sizes': opts.memorySizes = numbers(value); return;
    case '--out': opts.outDir = value; return;
    case '--pg-max-connections': opts.pgMaxConnections = numbers(value)[0]; return;
    default: applyOperatorRuntime(opts, flag, value);
  }
}

/** The options that change how operator processes are started, for looking into a result. */
function applyOperatorRuntime(opts: BenchOptions, flag: string, value: string): void {
  switch (flag) {
    case '--operator-node-options': opts.operatorNodeOptions = value; return;
    case '--operator-node-args': opts.operatorNodeArgs = value.split(/\s+/).filter(Boolean); return;
    case '--operator-log-dir': opts.operatorLogDir = value; return;
    default: throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
}
