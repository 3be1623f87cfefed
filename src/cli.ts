/**
 * The command line and composition root (loaded by main.ts once the Node.js version is known good):
 *   run [--config FILE]           run the operator against the current kube context
 *   check-config [--config FILE]  print the effective config (secrets redacted); non-zero when invalid
 *   migrate [--config FILE]       read-only: what taking over from the Python operator will do; non-zero when something would block
 * (`backup-s3 upload|download`, run by the S3 backup and restore Jobs, is routed by main.ts to backup-s3/command.ts.)
 */
import { hostname } from 'node:os';
import type * as k8s from '@kubernetes/client-node';
import { checkConfig } from './config/check-config.js';
import { ConfigError, loadConfig } from './config/load.js';
import type { OperatorConfig } from './config/types.js';
import { createKubeClients, loadKubeConfig } from './k8s/clients.js';
import { runMigrate } from './migrate/command.js';
import { LeaderElector } from './k8s/leader-election.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics, metricsHooks, type Metrics } from './observability/metrics.js';
import { startHttpServer, type HttpServer } from './observability/http-server.js';
import { Operator } from './operator.js';
import { checkBackupUploader } from './startup/backup-uploader.js';
import { checkCluster } from './startup/cluster-checks.js';
import { findKubeConfig } from './startup/kube-config.js';
import { readPackageInfo } from './startup/package-info.js';
import { requiredPermissions, usesCertManager } from './startup/required-permissions.js';
import { startLine } from './startup/start-line.js';
import { StartupError } from './startup/startup-error.js';
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
    else throw new StartupError(`unknown option ${a} (use: run|check-config|migrate [--config FILE])`);
  }
  return args;
}

/** What /readyz answers before the operator runs: the start-up check under way, or its problem. */
interface StartupState {
  problem: string;
  operator?: Operator;
}

async function run(config: OperatorConfig): Promise<void> {
  const log = createLogger({ level: process.env.LOG_LEVEL ?? config.log_level, base: { pod: process.env.POD_NAME ?? hostname() } });
  const metrics = createMetrics();
  const state: StartupState = { problem: 'starting: checking the kube context and the API server' };
  // Serving before the checks: while one waits for the API server, /readyz says what it waits for.
  const http = await listen(config, log, metrics, state);
  const kc = await passStartupChecks(config, log, state);
  state.problem = 'informers not synced';

  const hooks = metricsHooks(metrics);
  const operator = new Operator({ config, kc, log, hooks });
  state.operator = operator;
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

/**
 * The kube context, the API server, the CRDs and the permissions (src/startup/); throws a
 * StartupError with one line at the first problem, which /readyz shows meanwhile. Then the start line.
 */
async function passStartupChecks(config: OperatorConfig, log: Logger, state: StartupState): Promise<k8s.KubeConfig> {
  const { kc, source } = findKubeConfig({ env: process.env });
  const leaseNs = leaseNamespace(config, kc);
  const onProblem = (problem: string | undefined) => {
    if (!problem) return;
    state.problem = problem;
    log.debug(problem);
  };
  try {
    await checkCluster({ kc, permissions: requiredPermissions(config, leaseNs), timeoutMs: config.startup_timeout_seconds * 1000, onProblem, certManager: usesCertManager(config) });
  } catch (err) {
    if (err instanceof StartupError) state.problem = err.message;
    throw err;
  }
  const server = kc.getCurrentCluster()?.server ?? '';
  const version = readPackageInfo().version;
  const line = startLine({ version, config, leaseNamespace: leaseNs, server, kubeSource: source });
  log.info({ version, backend: config.backend, namespaces: config.watch_namespaces, leaderElection: config.leader_election.enabled, apiServer: server }, line);
  return kc;
}

/** The Lease's namespace: the configured one, else the pod's, else the kube context's, else "default". */
function leaseNamespace(config: OperatorConfig, kc: k8s.KubeConfig): string {
  return config.leader_election.namespace || process.env.POD_NAMESPACE || kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
}

/** /healthz, /readyz and /metrics; /readyz answers with the start-up state until the operator runs. */
async function listen(config: OperatorConfig, log: Logger, metrics: Metrics, state: StartupState): Promise<HttpServer> {
  try {
    return await startHttpServer({
      port: config.http_port,
      liveness: () => {
        const healthy = state.operator?.watchesHealthy() ?? true;
        return { ok: healthy, reasons: healthy ? [] : ['a watch has been failing'] };
      },
      readiness: () => (state.operator?.synced ? { ok: true } : { ok: false, reasons: [state.problem] }),
      registry: metrics.registry,
      logger: log,
    });
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is in use' : (err as Error).message;
    throw new StartupError(`cannot serve /healthz, /readyz and /metrics on port ${config.http_port}: ${reason}; choose another with http_port (HYBRIDCLOUD_HTTP_PORT)`);
  }
}

function leaderElector(config: OperatorConfig, kc: k8s.KubeConfig, log: Logger, operator: Operator, metrics: Metrics, shuttingDown: () => boolean): LeaderElector {
  const le = config.leader_election;
  return new LeaderElector({
    coordination: createKubeClients(kc).coordination,
    namespace: leaseNamespace(config, kc),
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

/** Runs a command; a start-up problem (config, kube context, cluster) ends the process with its one line. */
export async function main(argv: string[]): Promise<void> {
  try {
    const args = parseArgs(argv);
    const file = args.configFile;
    if (args.command === 'check-config') {
      process.exitCode = checkConfig({ file, env: process.env, out: process.stdout });
      return;
    }
    if (args.command === 'migrate') {
      process.exitCode = await runMigrate({ config: loadConfig({ file, env: process.env }), kc: loadKubeConfig(), out: process.stdout });
      return;
    }
    if (args.command !== 'run') throw new StartupError(`unknown command "${args.command}" (use run, check-config or migrate)`);
    const config = loadConfig({ file, env: process.env });
    checkBackupUploader(config, process.env);
    await run(config);
  } catch (err) {
    if (!(err instanceof ConfigError) && !(err instanceof StartupError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}
