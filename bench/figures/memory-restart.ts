import { pathToFileURL } from 'node:url';
import type { PostgreSQLServer } from '../../src/api/types.js';
import { apiTraffic } from '../lib/api-counts.js';
import { OPERATOR_APP, startEnv, type BenchEnv } from '../lib/environment.js';
import { prepareServer, databaseNames, populateSettledDatabases } from '../lib/objects.js';
import { BenchOperator, type OperatorRuntime } from '../lib/operator.js';
import { importRssMB } from '../lib/memory-floor.js';
import { mb } from '../lib/proc-stats.js';
import { sumOf } from '../lib/prometheus.js';
import { round, sleep } from '../lib/stats.js';

export interface MemoryRestartOptions {
  /** Database counts to measure at, ascending (e.g. 1000, 10000). */
  sizes: number[];
  concurrency: number;
  runtime: OperatorRuntime;
  resyncSeconds: number;
  /** How long after /readyz the restart is watched for work. */
  windowSeconds: number;
  log: (line: string) => void;
}

export interface StartSample {
  databases: number;
  /** Objects the operator lists and watches: databases, their two Secrets each, the server and its Secrets. */
  watchedObjects: number;
  /** Spawn → the operator logs "caches synced" (every informer has listed and watches). */
  syncedSeconds: number;
  /** Spawn → /readyz answers 200 (should not come before syncedSeconds). */
  readyzSeconds: number;
  rssMB: number;
  /** V8 heap in use and reserved, from the operator's own /metrics (what the caches occupy). */
  heapUsedMB: number;
  heapTotalMB: number;
  /** During the first `windowSeconds` after /readyz: */
  backendCalls: number;
  reconciles: number;
  apiWrites: number;
  sqlStatements: number;
  cpuSeconds: number;
  /** Reconciles the resync spread alone predicts in the window: (databases + 1) × window / resync. */
  expectedResyncReconciles: number;
}

export interface MemoryRestartResult {
  /**
   * RSS of an empty Node, of one that imports all of @kubernetes/client-node, and of one that
   * imports only the operator's bundle of it (same flags and environment).
   */
  floorMB: { node: number; kubernetesClient: number; bundledKubernetesClient: number };
  resyncSeconds: number;
  windowSeconds: number;
  samples: StartSample[];
  memoryPass: boolean;
  restartPass: boolean;
}

const MEMORY_TARGETS_MB: Array<[number, number]> = [
  [0, 100],
  [1000, 100],
  [10000, 250],
];

/** Target RSS for a population: the smallest documented population at or above it. */
export function memoryTargetMB(databases: number): number {
  return (MEMORY_TARGETS_MB.find(([n]) => databases <= n) ?? MEMORY_TARGETS_MB[MEMORY_TARGETS_MB.length - 1])?.[1] ?? 250;
}

/**
 * One world, growing: the operator is started with 0 databases, then restarted over larger
 * populations of settled databases (written straight into the API server, see
 * populateSettledDatabases). Each start gives RSS with that many objects watched and the restart
 * cost: time to synced, and the work done in the window after it.
 */
export async function runMemoryRestart(opts: MemoryRestartOptions): Promise<MemoryRestartResult> {
  const env = await startEnv({ historyLimit: 10_000 });
  const samples: StartSample[] = [];
  try {
    const first = await BenchOperator.start(env, { concurrency: opts.concurrency, resyncSeconds: opts.resyncSeconds, runtime: opts.runtime });
    let server: PostgreSQLServer;
    try {
      await first.waitSynced();
      server = await prepareServer(env);
      await first.waitQuiet(1000);
    } finally {
      await first.stop();
    }
    let populated = 0;
    for (const size of [0, ...opts.sizes]) {
      if (size > populated) {
        const started = performance.now();
        await populateSettledDatabases(env.client, server, databaseNames('settled', size).slice(populated));
        opts.log(`  populated ${size - populated} settled databases in ${round((performance.now() - started) / 1000, 1)} s`);
        populated = size;
      }
      const sample = await startOnce(env, opts, size);
      opts.log(`  ${size} databases: synced in ${sample.syncedSeconds} s, RSS ${sample.rssMB} MB, ${sample.backendCalls} backend calls, ${sample.reconciles} reconciles in ${opts.windowSeconds} s`);
      samples.push(sample);
    }
  } finally {
    await env.close();
  }
  const last = samples[samples.length - 1];
  const floorMB = {
    node: importRssMB([], opts.runtime),
    kubernetesClient: importRssMB(['@kubernetes/client-node'], opts.runtime),
    bundledKubernetesClient: importRssMB([pathToFileURL('dist/src/k8s/kubernetes-client.js').href], opts.runtime),
  };
  return {
    floorMB,
    resyncSeconds: opts.resyncSeconds,
    windowSeconds: opts.windowSeconds,
    samples,
    memoryPass: samples.every((s) => s.rssMB < memoryTargetMB(s.databases)),
    restartPass: !!last && last.syncedSeconds < 10 && last.backendCalls === 0,
  };
}

async function startOnce(env: BenchEnv, opts: MemoryRestartOptions, databases: number): Promise<StartSample> {
  env.api.resetCounts();
  env.pgLog.mark();
  const operator = await BenchOperator.start(env, { concurrency: opts.concurrency, resyncSeconds: opts.resyncSeconds, runtime: opts.runtime });
  try {
    const { syncedMs, readyzMs } = await operator.waitSynced();
    const cpuAtSync = operator.cpuSeconds();
    await sleep(opts.windowSeconds * 1000);
    const counters = await operator.counters();
    const cpu = operator.cpuSeconds() - cpuAtSync;
    const traffic = apiTraffic(env.api.requestCounts());
    const sql = env.pgLog.activity(OPERATOR_APP);
    const rss = await operator.peakRss();
    const samples = await operator.samples();
    return {
      databases,
      watchedObjects: databases * 3 + 3,
      syncedSeconds: round(syncedMs / 1000, 2),
      readyzSeconds: round(readyzMs / 1000, 2),
      rssMB: mb(rss),
      heapUsedMB: mb(sumOf(samples, 'nodejs_heap_size_used_bytes')),
      heapTotalMB: mb(sumOf(samples, 'nodejs_heap_size_total_bytes')),
      backendCalls: counters.backendCalls,
      reconciles: counters.reconciles,
      apiWrites: traffic.writes,
      sqlStatements: sql.statements,
      cpuSeconds: round(cpu, 2),
      expectedResyncReconciles: round(((databases + 1) * opts.windowSeconds) / opts.resyncSeconds, 1),
    };
  } finally {
    await operator.stop();
  }
}
