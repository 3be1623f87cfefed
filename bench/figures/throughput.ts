import { loadavg } from 'node:os';
import { apiTraffic, type ApiTraffic } from '../lib/api-counts.js';
import { failingCredentials } from '../lib/credentials-check.js';
import { OPERATOR_APP, startEnv, type BenchEnv, type EnvOptions } from '../lib/environment.js';
import { prepareServer, databaseBody, databaseNames, NAMESPACE, WARMUP_DATABASES } from '../lib/objects.js';
import { BenchOperator, type OperatorSettings } from '../lib/operator.js';
import { sumOf } from '../lib/prometheus.js';
import { ReadyTracker } from '../lib/ready-tracker.js';
import { machineSince, machineTimes, threadCpuSince, type ThreadCpu } from '../lib/proc-stats.js';
import { parallel, round } from '../lib/stats.js';
import { runBaseline, sumMs, type BaselineResult } from './baseline.js';
import { operatorGoesFirst, pairsFor, verdictOf, type VerdictFigures } from './throughput-verdict.js';

/** A round's CPU seconds by thread, as the log lines print them. */
const threadsText = (t: ThreadCpu): string => `main ${t.main}, libuv pool ${t.pool}, V8 helpers ${t.v8}, other ${t.other}`;

export interface ThroughputOptions extends OperatorSettings {
  sizes: number[];
  /** The serial baseline is skipped above this N (it alone takes minutes at N = 1000). */
  serialBaselineMax: number;
  /** Baseline/operator pairs per size (each side's best round counts): at least this many… */
  pairs: number;
  /** …and at small N enough for this many databases a side (`pairsFor`). */
  pairDatabases: number;
  log: (line: string) => void;
}

export interface OperatorRun {
  /** First CR created → last Ready=True; with `timedOut`, the time given up after. */
  seconds: number;
  timedOut: boolean;
  readyCount: number;
  /** Seconds until the bench had created all N CRs (part of `seconds`). */
  createSeconds: number;
  reconciles: number;
  reconcilesPerDatabase: number;
  reconcileErrors: number;
  /** Mean wall time of one database reconcile. */
  meanReconcileSeconds: number;
  backendCalls: number;
  cpuSeconds: number;
  /**
   * `cpuSeconds` by thread: the JavaScript thread, libuv's pool (the PBKDF2 of each new role's SCRAM
   * verifier, which the baseline script computes as well) and V8's helpers (GC, optimising compiles).
   */
  cpuByThread: ThreadCpu;
  /** CPU seconds of the bench process meanwhile (fake API server, watch, CR creation). */
  harnessCpuSeconds: number;
  loadAverage: number;
  /** CPU seconds the whole machine was busy meanwhile (PostgreSQL, operator, bench, anything else). */
  machineBusySeconds: number;
  /** CPU seconds the hypervisor gave to other machines meanwhile: a slow round with much steal was the host's doing. */
  stealSeconds: number;
  sqlStatements: number;
  sqlStatementsPerDatabase: number;
  sqlConnections: number;
  createDatabaseSecondsTotal: number;
  api: ApiTraffic;
  /** API writes by the operator per database (the bench's own CR creates left out). */
  apiWritesPerDatabase: number;
  credentialsChecked: number;
  /** Logins that failed, first few (with `timedOut`, checked after the operator was stopped). */
  credentialsFailed: Array<{ name: string; error: string }>;
  credentialsFailedCount: number;
  warnLines: number;
  /** The operator's warnings and errors, grouped by message. */
  problems: Record<string, number>;
  /** For a round given up on: what the operator had seen and was doing then. */
  stall?: Stall;
}

export type RoundBrief = Pick<OperatorRun, 'seconds' | 'readyCount' | 'reconcilesPerDatabase' | 'reconcileErrors' | 'meanReconcileSeconds' | 'cpuSeconds' | 'cpuByThread' | 'harnessCpuSeconds' | 'loadAverage' | 'machineBusySeconds' | 'stealSeconds' | 'problems'>;

const briefOf = (r: OperatorRun): RoundBrief => ({
  seconds: r.seconds,
  readyCount: r.readyCount,
  reconcilesPerDatabase: r.reconcilesPerDatabase,
  reconcileErrors: r.reconcileErrors,
  meanReconcileSeconds: r.meanReconcileSeconds,
  cpuSeconds: r.cpuSeconds,
  cpuByThread: r.cpuByThread,
  harnessCpuSeconds: r.harnessCpuSeconds,
  loadAverage: r.loadAverage,
  machineBusySeconds: r.machineBusySeconds,
  stealSeconds: r.stealSeconds,
  problems: r.problems,
});

export interface Stall {
  /** PostgreSQLDatabase objects in the operator's cache (its `objects` gauge): N + warm-up when its watch saw them all. */
  databasesSeen: number;
  queueDepth: number;
  /** Reconciles running then, and how long the oldest had been (a hung one holds a slot). */
  inFlight: number;
  longestRunningSeconds: number;
  /** A few databases that never became Ready, with what the API server holds of them. */
  notReady: Array<{ name: string; finalizers: number; reason?: string }>;
  /** The operator's last output lines. */
  lastOutput: string[];
}

export interface ThroughputRow extends VerdictFigures {
  n: number;
  /** The best operator round (the one the ratio uses). */
  operator: OperatorRun;
  /** Seconds of every operator round, in the order they ran. */
  operatorRoundsSeconds: number[];
  /**
   * Every operator round in brief, in order: a slow round that still finished is not the best one,
   * so without this nothing would tell a busy machine (CPU of both processes, load) from an
   * operator that waited (errors, warnings, long reconciles).
   */
  operatorRounds: RoundBrief[];
  baselineSerial?: BaselineResult;
  /** Every concurrent baseline round, in order (round i ran right before or after operator round i). */
  baselineRounds: BaselineResult[];
  /** Operator rounds given up on (1-based round number), with what the operator was doing. */
  stalls: Array<{ round: number; readyCount: number; stall?: Stall }>;
}

/** What the idle figure continues with: the largest round's world, its operator still running. */
export interface Survivor {
  env: BenchEnv;
  operator: BenchOperator;
  names: string[];
  /** Databases made before the measured ones to warm the operator up (they stay, Ready). */
  warmup: string[];
  complete: boolean;
}


/** The operator is given up on after this long: the ratio is then reported as "more than". */
const timeoutFor = (bestBaselineSeconds: number): number => Math.max(60, 2 * bestBaselineSeconds + 30) * 1000;

/**
 * Per size: the serial baseline (small N), then `pairs` times a concurrent baseline and an operator
 * round, each in a fresh world; the best round of each side is compared. On a shared machine the
 * load drifts by 20 % and more within minutes, in bursts; pairs in a balanced order
 * (`operatorGoesFirst`) give both sides the same chances, and the best of several rounds is what
 * each side costs when the burst is elsewhere.
 */
export async function runThroughput(opts: ThroughputOptions, keepLast: boolean): Promise<{ rows: ThroughputRow[]; survivor?: Survivor }> {
  const rows: ThroughputRow[] = [];
  let survivor: Survivor | undefined;
  for (const [i, n] of opts.sizes.entries()) {
    const serial = await serialBaseline(opts, n);
    const baselines: BaselineResult[] = [];
    const runs: OperatorRun[] = [];
    const pairs = pairsFor(n, opts.pairs, opts.pairDatabases);
    const baselineRound = async (): Promise<void> => {
      const baseline = await concurrentBaseline(opts, n);
      baselines.push(baseline);
      opts.log(`  N=${n} baseline ${opts.concurrency} workers: ${round(baseline.seconds, 1)} s (CPU s: bench ${baseline.harnessCpuSeconds} (${threadsText(baseline.harnessCpuByThread)}), machine ${baseline.machineBusySeconds}, stolen ${baseline.stealSeconds})`);
    };
    for (let pair = 0; pair < pairs; pair++) {
      const operatorFirst = operatorGoesFirst(pair, pairs);
      if (!operatorFirst) await baselineRound();
      const best = Math.min(...baselines.map((b) => b.seconds), serial?.seconds ?? Infinity);
      const keep = keepLast && i === opts.sizes.length - 1 && pair === pairs - 1;
      const operator = await operatorRun(opts, n, timeoutFor(best), keep);
      runs.push(operator.run);
      survivor = operator.world ?? survivor;
      if (operatorFirst) await baselineRound();
    }
    const { best, ...figures } = verdictOf(runs, baselines, serial);
    rows.push({
      n,
      operator: best,
      operatorRoundsSeconds: runs.map((r) => r.seconds),
      operatorRounds: runs.map(briefOf),
      baselineSerial: serial,
      baselineRounds: baselines,
      ...figures,
      stalls: runs.flatMap((r, k) => (r.timedOut ? [{ round: k + 1, readyCount: r.readyCount, stall: r.stall }] : [])),
    });
  }
  return { rows, survivor };
}

/** One operator round in a fresh world; the world is closed unless `keep` (for the idle figure). */
async function operatorRun(opts: ThroughputOptions, n: number, timeoutMs: number, keep: boolean): Promise<{ run: OperatorRun; world?: Survivor }> {
  const world = await startWorld(n, opts);
  let kept = false;
  try {
    const run = await operatorRound(world, timeoutMs);
    world.complete = !run.timedOut;
    const more = run.timedOut ? ` — gave up, ${run.readyCount}/${n} Ready` : '';
    opts.log(`  N=${n} operator: ${round(run.seconds, 1)} s${more} (${run.reconcilesPerDatabase} reconciles, ${run.sqlStatementsPerDatabase} SQL statements, ${run.apiWritesPerDatabase} API writes per database; CPU s: operator ${run.cpuSeconds} (${threadsText(run.cpuByThread)}), bench ${run.harnessCpuSeconds}, machine ${run.machineBusySeconds}, stolen ${run.stealSeconds})`);
    kept = keep;
    return { run, world: keep ? world : undefined };
  } finally {
    if (!kept) await closeWorld(world);
  }
}

async function serialBaseline(opts: ThroughputOptions, n: number): Promise<BaselineResult | undefined> {
  if (n > opts.serialBaselineMax) {
    opts.log(`  N=${n} baseline serial: skipped (N > ${opts.serialBaselineMax}; --full runs it)`);
    return undefined;
  }
  const serial = await withEnv((env) => runBaseline(env, databaseNames('base', n), 1));
  opts.log(`  N=${n} baseline serial: ${round(serial.seconds, 1)} s`);
  return serial;
}

const concurrentBaseline = (opts: ThroughputOptions, n: number): Promise<BaselineResult> => withEnv((env) => runBaseline(env, databaseNames('base', n), opts.concurrency));

/** A world with `n` Ready databases made by the operator (for the idle figure run on its own). */
export async function readyWorld(n: number, settings: OperatorSettings, env: EnvOptions = {}): Promise<Survivor> {
  const world = await startWorld(n, settings, env);
  try {
    const run = await operatorRound(world, 60_000 + n * 1000);
    world.complete = !run.timedOut;
    return world;
  } catch (err) {
    await closeWorld(world);
    throw err;
  }
}

async function startWorld(n: number, settings: OperatorSettings, envOptions: EnvOptions = {}): Promise<Survivor> {
  const env = await startEnv(envOptions);
  try {
    const operator = await BenchOperator.start(env, settings);
    return { env, operator, names: databaseNames('db', n), warmup: databaseNames('warm', WARMUP_DATABASES), complete: false };
  } catch (err) {
    await env.close();
    throw err;
  }
}

export async function closeWorld(world: Survivor): Promise<void> {
  await world.operator.stop();
  await world.env.close();
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
async function operatorRound(world: Survivor, timeoutMs: number): Promise<OperatorRun> {
  const { env, operator, names } = world;
  await operator.waitSynced();
  await prepareServer(env);
  await operator.waitQuiet(1000);
  const tracker = new ReadyTracker(env.api);
  tracker.start();
  try {
    await parallel(world.warmup, 8, (name) => env.client.create(env.client.databases(NAMESPACE), databaseBody(name)));
    await tracker.waitAll(world.warmup, 60_000);
    await operator.waitQuiet(1000);
    env.pgLog.mark();
    env.api.resetCounts();
    const before = await operator.counters();
    const cpuBefore = operator.cpuSeconds();
    const threadsBefore = operator.threadCpuSeconds();
    const harnessBefore = process.cpuUsage();
    const machineBefore = machineTimes();
    const loadAverage = round(loadavg()[0] ?? 0, 2);
    const started = performance.now();
    await parallel(names, 8, (name) => env.client.create(env.client.databases(NAMESPACE), databaseBody(name)));
    const created = performance.now();
    let timedOut = false;
    await tracker.waitAll(names, timeoutMs - (created - started)).catch(() => (timedOut = true));
    // Every CPU counter over the same span, the round itself: the work ratio subtracts the
    // operator's and the bench's CPU from the machine's, so none may include the quiet wait's
    // /metrics polling below.
    const machine = machineSince(machineBefore);
    const cpu = operator.cpuSeconds() - cpuBefore;
    const cpuByThread = threadCpuSince(threadsBefore, operator.threadCpuSeconds(), cpu);
    const harness = process.cpuUsage(harnessBefore);
    const ready = names.filter((n) => tracker.readyAt.has(n));
    const end = timedOut ? performance.now() : Math.max(...ready.map((n) => tracker.readyAt.get(n) as number));
    // Reconciles triggered by the run (e.g. by the operator's own finalizer write) may still be
    // running: the counts below (reconciles per database, API requests, SQL) are read once the
    // operator is quiet, so that a second reconcile of a database shows.
    if (!timedOut) await operator.waitQuiet(1500);
    const traffic = apiTraffic(env.api.requestCounts());
    const sql = env.pgLog.activity(OPERATOR_APP);
    const after = await operator.counters();
    const stall = timedOut ? await stallOf(world, ready) : undefined;
    // An operator that is still retrying may hold every connection slot; the check is about the
    // credentials, so it waits until that operator is gone.
    if (timedOut) await operator.stop();
    const failed = await failingCredentials(env, ready);
    const n = names.length;
    const reconciles = after.databaseReconciles - before.databaseReconciles;
    return {
      seconds: round((end - started) / 1000),
      timedOut,
      readyCount: ready.length,
      createSeconds: round((created - started) / 1000),
      reconciles,
      reconcilesPerDatabase: round(reconciles / n, 2),
      reconcileErrors: after.reconcileErrors - before.reconcileErrors,
      meanReconcileSeconds: round((after.databaseReconcileSeconds - before.databaseReconcileSeconds) / Math.max(1, reconciles)),
      backendCalls: after.backendCalls - before.backendCalls,
      cpuSeconds: round(cpu, 2),
      cpuByThread,
      harnessCpuSeconds: round((harness.user + harness.system) / 1e6, 2),
      loadAverage,
      ...machine,
      sqlStatements: sql.statements,
      sqlStatementsPerDatabase: round(sql.statements / n, 1),
      sqlConnections: sql.connections,
      createDatabaseSecondsTotal: round(sumMs(sql.createDatabaseMs) / 1000, 2),
      api: traffic,
      apiWritesPerDatabase: round((traffic.writes - n) / n, 2),
      credentialsChecked: ready.length,
      credentialsFailed: failed.slice(0, 5),
      credentialsFailedCount: failed.length,
      warnLines: operator.warnCount(),
      problems: operator.problems(),
      ...(stall ? { stall } : {}),
    };
  } finally {
    tracker.stop();
  }
}

async function stallOf(world: Survivor, ready: readonly string[]): Promise<Stall> {
  const { env, operator, names } = world;
  const samples = await operator.samples();
  const notReady = names.filter((n) => !ready.includes(n)).slice(0, 5);
  return {
    databasesSeen: sumOf(samples, 'hybridcloud_postgresql_operator_objects', { kind: 'PostgreSQLDatabase' }),
    queueDepth: sumOf(samples, 'hybridcloud_postgresql_operator_queue_depth'),
    inFlight: sumOf(samples, 'hybridcloud_postgresql_operator_reconciles_in_flight'),
    longestRunningSeconds: Math.max(0, ...samples.filter((s) => s.name === 'hybridcloud_postgresql_operator_longest_running_reconcile_seconds').map((s) => s.value)),
    notReady: await Promise.all(notReady.map(async (name) => {
      const cr = (await env.client.get(env.client.databases(NAMESPACE, name))) as { metadata?: { finalizers?: string[] }; status?: { conditions?: Array<{ type: string; reason?: string }> } } | undefined;
      const reason = cr?.status?.conditions?.find((c) => c.type === 'Ready')?.reason;
      return { name, finalizers: cr?.metadata?.finalizers?.length ?? 0, ...(reason ? { reason } : {}) };
    })),
    lastOutput: operator.proc.output.slice(-20),
  };
}
