import { apiTraffic, type ApiTraffic } from '../lib/api-counts.js';
import { OPERATOR_APP } from '../lib/environment.js';
import { BenchOperator, type OperatorCounters, type OperatorRuntime } from '../lib/operator.js';
import { round, sleep, until } from '../lib/stats.js';
import type { Survivor } from './throughput.js';

export interface IdleOptions {
  seconds: number;
  concurrency: number;
  runtime: OperatorRuntime;
  resyncSeconds: number;
  log: (line: string) => void;
}

export interface IdleCost {
  seconds: number;
  apiWrites: number;
  apiReads: number;
  api: ApiTraffic['byKey'];
  backendCalls: number;
  reconciles: number;
  sqlStatements: number;
  sqlConnections: number;
  cpuSeconds: number;
}

export interface IdleResult {
  objects: number;
  /** max_connections of the PostgreSQL the idle world ran on. */
  postgresMaxConnections: number;
  resyncSeconds: number;
  /** Nothing changes and no resync is due: everything should be zero. */
  quiet: IdleCost & { pass: boolean };
  /**
   * What one resync of every object costs (forced at once by a restart with handler_on_resume:
   * true): writes must stay zero, backend calls one per server, SQL is the drift check.
   */
  resyncPass: IdleCost & { wallSeconds: number; sqlStatementsPerDatabase: number; cpuMsPerReconcile: number; pass: boolean };
}

export async function runIdle(world: Survivor, opts: IdleOptions): Promise<IdleResult> {
  const { env } = world;
  await world.operator.waitQuiet(2000);
  env.api.resetCounts();
  env.pgLog.mark();
  const quiet = await measure(world, world.operator, await world.operator.counters(), async () => {
    await sleep(opts.seconds * 1000);
  });
  opts.log(`  idle quiet ${opts.seconds} s: ${quiet.apiWrites} API writes, ${quiet.backendCalls} backend calls, ${quiet.sqlStatements} SQL statements, ${quiet.cpuSeconds} CPU s`);

  await world.operator.stop();
  const n = world.names.length + world.warmup.length;
  // Counting starts before the new process does: its first reconciles begin the moment it is synced.
  env.api.resetCounts();
  env.pgLog.mark();
  const operator = await BenchOperator.start(env, { concurrency: opts.concurrency, resyncSeconds: opts.resyncSeconds, handlerOnResume: true, runtime: opts.runtime });
  world.operator = operator;
  await operator.waitSynced();
  const zero: OperatorCounters = { reconciles: 0, databaseReconciles: 0, serverReconciles: 0, reconcileErrors: 0, backendCalls: 0, databaseObjects: 0, databaseReconcileSeconds: 0 };
  let wall = 0;
  const pass = await measure(world, operator, zero, async () => {
    const started = performance.now();
    await until(async () => (await operator.counters()).databaseReconciles >= n, 60_000 + n * 500, () => `${n} database reconciles after the restart`, 100);
    wall = (performance.now() - started) / 1000;
    await operator.waitQuiet(1000);
  });
  opts.log(`  idle resync pass over ${n} objects: ${round(wall, 1)} s, ${pass.apiWrites} API writes, ${pass.backendCalls} backend calls, ${pass.sqlStatements} SQL statements`);
  return {
    objects: n,
    postgresMaxConnections: Number(env.pgSettings.max_connections ?? 100),
    resyncSeconds: opts.resyncSeconds,
    quiet: { ...quiet, pass: quiet.apiWrites === 0 && quiet.backendCalls === 0 && quiet.sqlStatements === 0 && quiet.reconciles === 0 },
    resyncPass: {
      ...pass,
      wallSeconds: round(wall, 2),
      sqlStatementsPerDatabase: round(pass.sqlStatements / n, 1),
      cpuMsPerReconcile: round((pass.cpuSeconds * 1000) / Math.max(1, pass.reconciles), 2),
      pass: pass.apiWrites === 0 && pass.backendCalls <= 1,
    },
  };
}

/**
 * Costs of the operator while `during` runs: API traffic and SQL since the caller reset the counts
 * and marked the log, metrics since `before`, CPU from /proc.
 */
async function measure(world: Survivor, operator: BenchOperator, before: OperatorCounters, during: () => Promise<void>): Promise<IdleCost> {
  const { env } = world;
  const cpuBefore = operator.cpuSeconds();
  const started = performance.now();
  await during();
  const seconds = (performance.now() - started) / 1000;
  const cpu = operator.cpuSeconds() - cpuBefore;
  const after = await operator.counters();
  const traffic = apiTraffic(env.api.requestCounts());
  const sql = env.pgLog.activity(OPERATOR_APP);
  return {
    seconds: round(seconds, 1),
    apiWrites: traffic.writes,
    apiReads: traffic.reads,
    api: traffic.byKey,
    backendCalls: after.backendCalls - before.backendCalls,
    reconciles: after.reconciles - before.reconciles,
    sqlStatements: sql.statements,
    sqlConnections: sql.connections,
    cpuSeconds: round(cpu, 2),
  };
}
