import { apiTraffic, type ApiTraffic } from '../lib/api-counts.js';
import { failingCredentials } from '../lib/credentials-check.js';
import { OPERATOR_APP, startEnv, type BenchEnv } from '../lib/environment.js';
import { prepareServer, databaseBody, databaseNames, NAMESPACE } from '../lib/objects.js';
import { BenchOperator, type OperatorSettings } from '../lib/operator.js';
import { ReadyTracker } from '../lib/ready-tracker.js';
import { parallel, round } from '../lib/stats.js';
import { runBaseline, sumMs, type BaselineResult } from './baseline.js';
import { loadavg } from 'node:os';

export interface ThroughputOptions {
  sizes: number[];
  concurrency: number;
  nodeOptions?: string;
  resyncSeconds: number;
  /** The serial baseline is skipped above this N (it alone takes minutes at N = 1000). */
  serialBaselineMax: number;
  log: (line: string) => void;
}

export interface OperatorRun {
  seconds: number;
  /** Seconds until the bench had created all N CRs (part of `seconds`). */
  createSeconds: number;
  reconciles: number;
  reconcilesPerDatabase: number;
  reconcileErrors: number;
  backendCalls: number;
  cpuSeconds: number;
  sqlStatements: number;
  sqlStatementsPerDatabase: number;
  sqlConnections: number;
  createDatabaseSecondsTotal: number;
  /** Mean wall time of one database reconcile. */
  meanReconcileSeconds: number;
  harnessCpuSeconds: number;
  loadAverage: number;
  api: ApiTraffic;
  apiWritesPerDatabase: number;
  credentialsChecked: number;
  credentialsFailed: string[];
  warnLines: number;
  errorLines: string[];
}

export interface ThroughputRow {
  n: number;
  operator: OperatorRun;
  baselineSerial?: BaselineResult;
  baselineConcurrent: BaselineResult;
  bestBaselineSeconds: number;
  /** operator seconds / best baseline seconds; target ≤ 1.2. */
  ratio: number;
  pass: boolean;
}

/** What the idle figure continues with: the largest round's world, its operator still running. */
export interface Survivor {
  env: BenchEnv;
  operator: BenchOperator;
  names: string[];
}

export async function runThroughput(opts: ThroughputOptions, keepLast: boolean): Promise<{ rows: ThroughputRow[]; survivor?: Survivor }> {
  const rows: ThroughputRow[] = [];
  let survivor: Survivor | undefined;
  for (const [i, n] of opts.sizes.entries()) {
    let baselineSerial: BaselineResult | undefined;
    if (n <= opts.serialBaselineMax) {
      baselineSerial = await withEnv((env) => runBaseline(env, databaseNames('base', n), 1));
      opts.log(`  N=${n} baseline serial: ${round(baselineSerial.seconds, 1)} s`);
    } else {
      opts.log(`  N=${n} baseline serial: skipped (N > ${opts.serialBaselineMax}; --full runs it)`);
    }
    const baselineConcurrent = await withEnv((env) => runBaseline(env, databaseNames('base', n), opts.concurrency));
    opts.log(`  N=${n} baseline ${opts.concurrency} workers: ${round(baselineConcurrent.seconds, 1)} s`);

    const keep = keepLast && i === opts.sizes.length - 1;
    const env = await startEnv();
    let operator: BenchOperator | undefined;
    try {
      operator = await BenchOperator.start(env, { concurrency: opts.concurrency, resyncSeconds: opts.resyncSeconds, nodeOptions: opts.nodeOptions });
      const names = databaseNames('db', n);
      const run = await operatorRound(env, operator, names);
      opts.log(`  N=${n} operator: ${round(run.seconds, 1)} s (${run.reconcilesPerDatabase} reconciles, ${run.sqlStatementsPerDatabase} SQL statements, ${run.apiWritesPerDatabase} API writes per database)`);
      const best = Math.min(baselineConcurrent.seconds, baselineSerial?.seconds ?? Infinity);
      const ratio = round(run.seconds / best, 2);
      rows.push({ n, operator: run, baselineSerial, baselineConcurrent, bestBaselineSeconds: round(best), ratio, pass: ratio <= 1.2 && run.credentialsFailed.length === 0 });
      if (keep) survivor = { env, operator, names };
    } finally {
      if (!survivor) {
        await operator?.stop();
        await env.close();
      }
    }
  }
  return { rows, survivor };
}

/** A world with `n` Ready databases made by the operator (for the idle figure run on its own). */
export async function readyWorld(n: number, settings: OperatorSettings): Promise<Survivor> {
  const env = await startEnv();
  const operator = await BenchOperator.start(env, settings);
  const names = databaseNames('db', n);
  try {
    await operatorRound(env, operator, names);
  } catch (err) {
    await operator.stop();
    await env.close();
    throw err;
  }
  return { env, operator, names };
}

async function withEnv<T>(fn: (env: BenchEnv) => Promise<T>): Promise<T> {
  const env = await startEnv();
  try {
    return await fn(env);
  } finally {
    await env.close();
  }
}

/** From the first CR created to the last Ready=True, with the operator's costs over that span. */
async function operatorRound(env: BenchEnv, operator: BenchOperator, names: string[]): Promise<OperatorRun> {
  await operator.waitSynced();
  await prepareServer(env);
  await operator.waitQuiet(1000);
  const tracker = new ReadyTracker(env.client);
  await tracker.start();
  try {
    env.pgLog.mark();
    env.api.resetCounts();
    const before = await operator.counters();
    const cpuBefore = operator.cpuSeconds();
    const harnessBefore = process.cpuUsage();
    const loadAverage = round(loadavg()[0] ?? 0, 2);
    const started = performance.now();
    await parallel(names, 8, (name) => env.client.create(env.client.databases(NAMESPACE), databaseBody(name)));
    const created = performance.now();
    await tracker.waitAll(names, 60_000 + names.length * 1000);
    const lastReady = Math.max(...names.map((n) => tracker.readyAt.get(n) as number));
    // Reconciles triggered by the run (e.g. by the operator's own finalizer write) may still be
    // running: their cost belongs to the run, so it is read once the operator is quiet.
    await operator.waitQuiet(1500);
    const traffic = apiTraffic(env.api.requestCounts());
    const cpu = operator.cpuSeconds() - cpuBefore;
    const harness = process.cpuUsage(harnessBefore);
    const sql = env.pgLog.activity(OPERATOR_APP);
    const after = await operator.counters();
    const failed = await failingCredentials(env, names);
    const n = names.length;
    const reconciles = after.databaseReconciles - before.databaseReconciles;
    const createDbMs = sumMs(sql.createDatabaseMs);
    return {
      seconds: round((lastReady - started) / 1000),
      createSeconds: round((created - started) / 1000),
      reconciles,
      reconcilesPerDatabase: round(reconciles / n, 2),
      reconcileErrors: after.reconcileErrors - before.reconcileErrors,
      backendCalls: after.backendCalls - before.backendCalls,
      cpuSeconds: round(cpu, 2),
      sqlStatements: sql.statements,
      sqlStatementsPerDatabase: round(sql.statements / n, 1),
      sqlConnections: sql.connections,
      createDatabaseSecondsTotal: round(createDbMs / 1000, 2),
      meanReconcileSeconds: round((after.databaseReconcileSeconds - before.databaseReconcileSeconds) / Math.max(1, reconciles)),
      harnessCpuSeconds: round((harness.user + harness.system) / 1e6, 2),
      loadAverage,
      api: traffic,
      apiWritesPerDatabase: round((traffic.writes - n) / n, 2),
      credentialsChecked: n,
      credentialsFailed: failed,
      warnLines: operator.warnCount(),
      errorLines: operator.errorLines().slice(0, 5),
    };
  } finally {
    await tracker.stop();
  }
}
