import { OPERATOR_APP, startEnv } from '../lib/environment.js';
import { prepareServer, databaseBody, NAMESPACE } from '../lib/objects.js';
import { BenchOperator, type OperatorRuntime } from '../lib/operator.js';
import { ReadyTracker } from '../lib/ready-tracker.js';
import { distribution, round, sleep, type Distribution } from '../lib/stats.js';
import { toPgName } from '../../src/postgres/index.js';

export interface LatencyOptions {
  runs: number;
  concurrency: number;
  runtime: OperatorRuntime;
  resyncSeconds: number;
  log: (line: string) => void;
}

export interface LatencyResult {
  runs: number;
  /** Seconds from the POST of the CR to the stored Ready=True. */
  total: Distribution;
  /** Seconds PostgreSQL itself spent in CREATE DATABASE (from its log). */
  createDatabase: Distribution;
  /** total − createDatabase, per run: the operator's own part. Target p99 < 0.5 s. */
  overhead: Distribution;
  reconcilesPerDatabase: number;
  /** The three slowest runs, with when they started (seconds into the figure), to look for a pattern. */
  slowest: Array<{ run: number; atSeconds: number; seconds: number; createDatabaseSeconds: number }>;
  /** The operator process's warnings and errors since it started (setup included), grouped by message. */
  problems: Record<string, number>;
  pass: boolean;
}

/** One database at a time on an idle operator, `runs` times. */
export async function runLatency(opts: LatencyOptions): Promise<LatencyResult> {
  const env = await startEnv();
  const operator = await BenchOperator.start(env, { concurrency: opts.concurrency, resyncSeconds: opts.resyncSeconds, runtime: opts.runtime });
  const tracker = new ReadyTracker(env.api);
  try {
    await operator.waitSynced();
    await prepareServer(env);
    await operator.waitQuiet(1000);
    tracker.start();
    const before = await operator.counters();
    env.pgLog.mark();
    const totals: Array<{ name: string; seconds: number; atSeconds: number }> = [];
    const figureStarted = performance.now();
    for (let i = 0; i < opts.runs; i++) {
      const name = `lat-${String(i).padStart(4, '0')}`;
      const started = performance.now();
      await env.client.create(env.client.databases(NAMESPACE), databaseBody(name));
      await tracker.waitAll([name], 60_000);
      totals.push({ name, seconds: ((tracker.readyAt.get(name) as number) - started) / 1000, atSeconds: (started - figureStarted) / 1000 });
      // Let the reconcile finish its tail (event, requeue) so the next run meets an idle operator.
      await sleep(100);
      if ((i + 1) % 50 === 0) opts.log(`  latency: ${i + 1}/${opts.runs} runs`);
    }
    await operator.waitQuiet(1000);
    const after = await operator.counters();
    const created = env.pgLog.activity(OPERATOR_APP).createDatabaseMs;
    const missing = totals.filter((t) => !created.has(toPgName(t.name)));
    if (missing.length) throw new Error(`no CREATE DATABASE in the PostgreSQL log for ${missing.length} runs, e.g. ${missing[0]?.name}`);
    const pgSeconds = totals.map((t) => (created.get(toPgName(t.name)) as number) / 1000);
    const overhead = totals.map((t, i) => t.seconds - (pgSeconds[i] as number));
    const result: LatencyResult = {
      runs: opts.runs,
      total: distribution(totals.map((t) => t.seconds)),
      createDatabase: distribution(pgSeconds),
      overhead: distribution(overhead),
      reconcilesPerDatabase: Math.round(((after.databaseReconciles - before.databaseReconciles) / opts.runs) * 100) / 100,
      slowest: totals
        .map((t, i) => ({ run: i + 1, atSeconds: round(t.atSeconds, 1), seconds: round(t.seconds), createDatabaseSeconds: round(pgSeconds[i] as number) }))
        .sort((a, b) => b.seconds - a.seconds)
        .slice(0, 3),
      problems: operator.problems(),
      pass: false,
    };
    result.pass = result.overhead.p99 < 0.5;
    return result;
  } finally {
    tracker.stop();
    await operator.stop();
    await env.close();
  }
}
