import { apiTraffic, type ApiTraffic } from '../lib/api-counts.js';
import { OPERATOR_APP } from '../lib/environment.js';
import { BenchOperator, type OperatorCounters, type OperatorRuntime } from '../lib/operator.js';
import { memoryTargetMB } from './memory-restart.js';
import { mb } from '../lib/proc-stats.js';
import { sumOf } from '../lib/prometheus.js';
import { round, sleep, until } from '../lib/stats.js';
import type { Survivor } from './throughput.js';

export interface IdleOptions {
  seconds: number;
  /** After the resync pass, run an operator this long over the same objects and read its RSS (0: not at all). */
  soakMinutes: number;
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
  /** Drift checks run (each one catalogue query on one server), and the rate they came at. */
  driftChecks: number;
  driftChecksPerMinute: number;
}

export interface IdleResult {
  objects: number;
  /** max_connections of the PostgreSQL the idle world ran on. */
  postgresMaxConnections: number;
  resyncSeconds: number;
  /**
   * Nothing changes and no resync is due: everything should be zero but the drift check's
   * queries (one per server per `drift_check_seconds`), which are the only SQL allowed.
   */
  quiet: IdleCost & { pass: boolean };
  /**
   * What one resync of every object costs (forced at once by a restart with handler_on_resume:
   * true): writes must stay zero, backend calls one per server, SQL is the drift check.
   */
  resyncPass: IdleCost & { wallSeconds: number; sqlStatementsPerDatabase: number; cpuMsPerReconcile: number; pass: boolean };
  /** RSS over `soakMinutes` after the resync pass (absent when not asked for). */
  soak?: Soak;
}

/**
 * An operator left running over the same objects at the production resync, RSS read every
 * SOAK_SAMPLE_SECONDS: what a long-running process settles at, which the memory figure's reading
 * 10 s after a start does not show (V8 lets the heap grow with the garbage of resyncs and watch
 * reconnects; ADR 0010).
 */
export interface Soak {
  minutes: number;
  /** [minutes since the soak began, RSS MB], one per sample. */
  rssMB: Array<[number, number]>;
  maxRssMB: number;
  reconciles: number;
  cpuSeconds: number;
  /** Full collections V8 ran meanwhile (prom-client's GC histogram), the operator's releases among them. */
  majorCollections: number;
  pass: boolean;
}

const SOAK_SAMPLE_SECONDS = 30;
/** The memory target for 1,000 databases (the idle world has 1,000 and the 50 of the warm-up). */
export const SOAK_TARGET_MB = memoryTargetMB(1000);

export async function runIdle(world: Survivor, opts: IdleOptions): Promise<IdleResult> {
  const { env } = world;
  await world.operator.waitQuiet(2000);
  env.api.resetCounts();
  env.pgLog.mark();
  const quiet = await measure(world, world.operator, await world.operator.counters(), async () => {
    await sleep(opts.seconds * 1000);
  });
  opts.log(`  idle quiet ${opts.seconds} s: ${quiet.apiWrites} API writes, ${quiet.backendCalls} backend calls, ${quiet.sqlStatements} SQL statements (${quiet.driftChecks} drift checks, ${quiet.driftChecksPerMinute}/min), ${quiet.cpuSeconds} CPU s`);

  await world.operator.stop();
  const n = world.names.length + world.warmup.length;
  // Counting starts before the new process does: its first reconciles begin the moment it is synced.
  env.api.resetCounts();
  env.pgLog.mark();
  const operator = await BenchOperator.start(env, { concurrency: opts.concurrency, resyncSeconds: opts.resyncSeconds, handlerOnResume: true, runtime: opts.runtime });
  world.operator = operator;
  await operator.waitSynced();
  const zero: OperatorCounters = { reconciles: 0, databaseReconciles: 0, serverReconciles: 0, reconcileErrors: 0, backendCalls: 0, databaseObjects: 0, databaseReconcileSeconds: 0, driftChecks: 0 };
  let wall = 0;
  const pass = await measure(world, operator, zero, async () => {
    const started = performance.now();
    await until(async () => (await operator.counters()).databaseReconciles >= n, 60_000 + n * 500, () => `${n} database reconciles after the restart`, 100);
    wall = (performance.now() - started) / 1000;
    await operator.waitQuiet(1000);
  });
  opts.log(`  idle resync pass over ${n} objects: ${round(wall, 1)} s, ${pass.apiWrites} API writes, ${pass.backendCalls} backend calls, ${pass.sqlStatements} SQL statements`);
  const soak = opts.soakMinutes > 0 ? await soakFor(world, opts, opts.soakMinutes) : undefined;
  return {
    objects: n,
    postgresMaxConnections: Number(env.pgSettings.max_connections ?? 100),
    resyncSeconds: opts.resyncSeconds,
    quiet: { ...quiet, pass: quiet.apiWrites === 0 && quiet.backendCalls === 0 && quiet.sqlStatements <= quiet.driftChecks && quiet.reconciles === 0 },
    resyncPass: {
      ...pass,
      wallSeconds: round(wall, 2),
      sqlStatementsPerDatabase: round(pass.sqlStatements / n, 1),
      cpuMsPerReconcile: round((pass.cpuSeconds * 1000) / Math.max(1, pass.reconciles), 2),
      pass: pass.apiWrites === 0 && pass.backendCalls <= 1,
    },
    ...(soak ? { soak } : {}),
  };
}

/**
 * A new operator process at the production defaults (`handler_on_resume: false`, so the resyncs
 * come spread over the period, as after any restart). The process that ran the resync pass is not
 * used: reconciling all 1,050 objects at once leaves glibc's heap about 5 MB larger for good
 * (fragmented, not leaked), which a process at the default settings does not carry.
 */
async function soakFor(world: Survivor, opts: IdleOptions, minutes: number): Promise<Soak> {
  await world.operator.stop();
  const operator = await BenchOperator.start(world.env, { concurrency: opts.concurrency, resyncSeconds: opts.resyncSeconds, runtime: opts.runtime });
  world.operator = operator;
  await operator.waitSynced();
  const log = opts.log;
  const majors = async (): Promise<number> => sumOf(await operator.samples(), 'nodejs_gc_duration_seconds_count', { kind: 'major' });
  const before = { counters: await operator.counters(), cpu: operator.cpuSeconds(), majors: await majors() };
  const started = performance.now();
  const rssMB: Array<[number, number]> = [];
  while (performance.now() - started < minutes * 60_000) {
    await sleep(SOAK_SAMPLE_SECONDS * 1000);
    rssMB.push([round((performance.now() - started) / 60_000, 1), mb(operator.rssBytes())]);
  }
  const after = await operator.counters();
  const maxRssMB = Math.max(...rssMB.map(([, v]) => v));
  const soak: Soak = {
    minutes,
    rssMB,
    maxRssMB,
    reconciles: after.reconciles - before.counters.reconciles,
    cpuSeconds: round(operator.cpuSeconds() - before.cpu, 2),
    majorCollections: (await majors()) - before.majors,
    pass: maxRssMB < SOAK_TARGET_MB,
  };
  log(`  soak ${minutes} min: RSS ${rssMB[0]?.[1]} → ${rssMB[rssMB.length - 1]?.[1]} MB, highest ${maxRssMB} MB; ${soak.reconciles} reconciles, ${soak.majorCollections} full collections, ${soak.cpuSeconds} CPU s`);
  return soak;
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
    driftChecks: after.driftChecks - before.driftChecks,
    driftChecksPerMinute: round(((after.driftChecks - before.driftChecks) * 60) / Math.max(seconds, 1), 1),
  };
}
