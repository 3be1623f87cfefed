#!/usr/bin/env node
/**
 * Composition root and command line:
 *   run [--config FILE]           run the operator against the current kube context
 *   check-config [--config FILE]  print the effective config (secrets redacted); non-zero when invalid
 */
import { hostname } from 'node:os';
import { checkConfig } from './config/check-config.js';
import { ConfigError, loadConfig } from './config/load.js';
import type { OperatorConfig } from './config/types.js';
import { loadKubeConfig, createKubeClients } from './k8s/clients.js';
import { LeaderElector } from './k8s/leader-election.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics, metricsHooks, type Metrics } from './observability/metrics.js';
import { startHttpServer } from './observability/http-server.js';
import { Operator } from './operator.js';
import { keepHeapReleased, releaseHeap } from './util/heap-release.js';

interface Args {
  command: string;
  configFile?: string;
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { command: 'run' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--config' || a === '-c') args.configFile = argv[++i];
    else if (a.startsWith('--config=')) args.configFile = a.slice('--config='.length);
    else if (!a.startsWith('-')) args.command = a;
    else throw new Error(`unknown option ${a}`);
  }
  return args;
}

async function run(config: OperatorConfig): Promise<void> {
  const log = createLogger({ level: process.env.LOG_LEVEL ?? config.log_level, base: { pod: process.env.POD_NAME ?? hostname() } });
  const metrics = createMetrics();
  const kc = loadKubeConfig();
  const hooks = metricsHooks(metrics);
  const operator = new Operator({ config, kc, log, hooks });
  const http = await startHttpServer({
    port: config.http_port,
    liveness: () => ({ ok: operator.watchesHealthy(), reasons: operator.watchesHealthy() ? [] : ['a watch has been failing'] }),
    readiness: () => ({ ok: operator.synced, reasons: operator.synced ? [] : ['informers not synced'] }),
    registry: metrics.registry,
    logger: log,
  });
  // Gauges from the caches and queues, refreshed off the reconcile path.
  const gauges = setInterval(() => {
    for (const [kind, stats] of Object.entries(operator.queueStats())) hooks.queueStats(kind, stats);
    for (const [kind, counts] of Object.entries(operator.readyCounts())) hooks.readyObjects(kind, counts);
  }, 5000);
  gauges.unref();

  await operator.startWatching();
  log.info({ backend: config.backend, namespaces: config.watch_namespaces.length ? config.watch_namespaces : 'all' }, 'caches synced');
  // The heap grown for the initial lists, then whatever V8 keeps growing while the operator runs
  // (ADR 0009, ADR 0010). Only with node's --expose-gc, as the image and the chart run it.
  const released = releaseHeap();
  if (released) log.info(released, 'start-up memory released');
  const stopHeapReleases = released ? keepHeapReleased({ onRelease: (r) => log.debug(r, 'heap released') }) : undefined;

  let shuttingDown = false;
  const elector = config.leader_election.enabled ? leaderElector(config, kc, log, operator, metrics, () => shuttingDown) : undefined;
  if (elector) elector.start();
  else {
    metrics.leader.set(1);
    operator.startReconciling();
  }

  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, 'shutting down');
    operator.pauseReconciling();
    const finished = await operator.stop(config.shutdown_timeout_seconds * 1000);
    if (!finished) log.warn('reconciles still running at the shutdown bound; they resume on the next start');
    await elector?.stop();
    await http.close();
    clearInterval(gauges);
    stopHeapReleases?.();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function leaderElector(config: OperatorConfig, kc: ReturnType<typeof loadKubeConfig>, log: Logger, operator: Operator, metrics: Metrics, shuttingDown: () => boolean): LeaderElector {
  const le = config.leader_election;
  const namespace = le.namespace || process.env.POD_NAMESPACE || kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
  return new LeaderElector({
    coordination: createKubeClients(kc).coordination,
    namespace,
    leaseName: le.lease_name,
    identity: process.env.POD_NAME ?? `${hostname()}-${process.pid}`,
    leaseDurationMs: le.lease_duration_seconds * 1000,
    renewDeadlineMs: le.renew_deadline_seconds * 1000,
    retryPeriodMs: le.retry_period_seconds * 1000,
    logger: log,
    onStartedLeading: () => {
      log.info('became leader; reconciling');
      metrics.leader.set(1);
      operator.startReconciling();
    },
    onStoppedLeading: () => {
      metrics.leader.set(0);
      operator.pauseReconciling();
      if (shuttingDown()) return;
      // Another replica may lead now: exit at once rather than race it (reconciles are kill-safe).
      log.error('lost leadership; exiting');
      process.exit(1);
    },
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const file = args.configFile;
  if (args.command === 'check-config') {
    process.exitCode = checkConfig({ file, env: process.env, out: process.stdout });
    return;
  }
  if (args.command !== 'run') throw new Error(`unknown command "${args.command}" (use run or check-config)`);
  let config: OperatorConfig;
  try {
    config = loadConfig({ file, env: process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  await run(config);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/main.js')) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
}
