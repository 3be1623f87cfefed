import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every operator metric starts with this (Node process metrics keep their standard names). */
export const METRIC_PREFIX = 'hybridcloud_postgresql_operator_';

/** How a reconcile ended: converged, waiting for something, failed and retried, failed for good. */
export type ReconcileResult = 'success' | 'pending' | 'error' | 'terminal';
export type BackendCallResult = 'success' | 'error';
/** Ready condition status of an object, as Prometheus label value. */
export type ReadyState = 'true' | 'false' | 'unknown';

/** One kind's work queue at a moment. */
export interface QueueStats {
  /** Keys waiting to run now. */
  depth: number;
  inFlight: number;
  longestRunningSeconds: number;
}

/**
 * The operator's metrics, all on one registry. Label sets are typed so a misspelt label is a
 * compile error rather than a silently new time series.
 */
export interface Metrics {
  registry: Registry;
  /** Reconciles by CR kind and result. */
  reconciles: Counter<'kind' | 'result'>;
  /** Seconds one reconcile took, by kind and result. */
  reconcileDuration: Histogram<'kind' | 'result'>;
  /** Keys waiting in the work queue (not yet being reconciled), by kind. */
  queueDepth: Gauge<'kind'>;
  /** Reconciles running now, by kind (at most `reconcile.concurrency` each). */
  reconcilesInFlight: Gauge<'kind'>;
  /** Seconds the oldest reconcile in flight has been running, by kind: climbs when one hangs. */
  longestRunningReconcile: Gauge<'kind'>;
  /** Calls into a backend by backend name, operation (observe, create, …) and result. */
  backendCalls: Counter<'backend' | 'operation' | 'result'>;
  backendCallDuration: Histogram<'backend' | 'operation' | 'result'>;
  /** Requests sent to a cloud API by backend, API operation (e.g. DescribeDBInstances, GET flexibleServers) and result. */
  cloudCalls: Counter<'backend' | 'operation' | 'result'>;
  /** Objects by kind and Ready state; set from the informer cache. */
  objects: Gauge<'kind' | 'ready'>;
  /** 1 while this replica holds the leader lease, else 0. */
  leader: Gauge;
  /** Drift checks (one catalogue query per server per interval) by result: in_place, drifted, error. */
  driftChecks: Counter<'result'>;
  /** Database password rotations (ADR 0016) by result: success, error. */
  passwordRotations: Counter<'result'>;
  /** Failed backup jobs of in-cluster servers, by namespace and server (ADR 0020). */
  backupFailures: Counter<'namespace' | 'server'>;
}

export interface MetricsOptions {
  /** Also collect Node's process metrics (CPU, memory, event loop lag, GC). Default true. */
  defaultMetrics?: boolean;
}

/** Buckets from 5 ms to 2 min: an in-cluster reconcile takes milliseconds, a cloud call seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** A fresh registry with the operator's metrics (one per process; tests make their own). */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const leader = new Gauge({
    name: `${METRIC_PREFIX}leader`,
    help: '1 while this replica holds the leader election lease and reconciles, else 0.',
    registers,
  });
  leader.set(0);
  return {
    registry,
    reconciles: new Counter({
      name: `${METRIC_PREFIX}reconciles_total`,
      help: 'Reconciles by custom resource kind and result (success, pending, error, terminal).',
      labelNames: ['kind', 'result'] as const,
      registers,
    }),
    reconcileDuration: new Histogram({
      name: `${METRIC_PREFIX}reconcile_duration_seconds`,
      help: 'Duration of one reconcile by custom resource kind and result.',
      labelNames: ['kind', 'result'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    queueDepth: new Gauge({
      name: `${METRIC_PREFIX}queue_depth`,
      help: 'Objects waiting in the work queue, by custom resource kind.',
      labelNames: ['kind'] as const,
      registers,
    }),
    reconcilesInFlight: new Gauge({
      name: `${METRIC_PREFIX}reconciles_in_flight`,
      help: 'Reconciles running now, by custom resource kind (at most reconcile.concurrency each).',
      labelNames: ['kind'] as const,
      registers,
    }),
    longestRunningReconcile: new Gauge({
      name: `${METRIC_PREFIX}longest_running_reconcile_seconds`,
      help: 'Seconds the oldest reconcile in flight has been running, by custom resource kind (0 when none runs).',
      labelNames: ['kind'] as const,
      registers,
    }),
    backendCalls: new Counter({
      name: `${METRIC_PREFIX}backend_calls_total`,
      help: 'Calls into a backend by backend, operation and result (success, error).',
      labelNames: ['backend', 'operation', 'result'] as const,
      registers,
    }),
    backendCallDuration: new Histogram({
      name: `${METRIC_PREFIX}backend_call_duration_seconds`,
      help: 'Duration of a backend call by backend, operation and result.',
      labelNames: ['backend', 'operation', 'result'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    cloudCalls: new Counter({
      name: `${METRIC_PREFIX}cloud_api_calls_total`,
      help: 'Requests the cloud backends sent to their cloud API (each SDK attempt and poll), by backend, API operation and result (success, error).',
      labelNames: ['backend', 'operation', 'result'] as const,
      registers,
    }),
    objects: new Gauge({
      name: `${METRIC_PREFIX}objects`,
      help: 'Custom resources known to the operator by kind and Ready condition status (true, false, unknown).',
      labelNames: ['kind', 'ready'] as const,
      registers,
    }),
    leader,
    driftChecks: new Counter({
      name: `${METRIC_PREFIX}drift_checks_total`,
      help: 'Drift checks of a server (one catalogue query each) by result: in_place, drifted (databases enqueued), error.',
      labelNames: ['result'] as const,
      registers,
    }),
    passwordRotations: new Counter({
      name: `${METRIC_PREFIX}password_rotations_total`,
      help: 'Database password rotations (scheduled or asked with operator/action=rotate-password) by result: success, error.',
      labelNames: ['result'] as const,
      registers,
    }),
    backupFailures: new Counter({
      name: `${METRIC_PREFIX}backup_failures_total`,
      help: 'Backup jobs of in-cluster servers that failed, by namespace and server (each failed job counted once).',
      labelNames: ['namespace', 'server'] as const,
      registers,
    }),
  };
}

/** Times one reconcile: counts it and observes its duration under the result it ended with. */
export function recordReconcile(metrics: Metrics, kind: string, result: ReconcileResult, seconds: number): void {
  metrics.reconciles.inc({ kind, result });
  metrics.reconcileDuration.observe({ kind, result }, seconds);
}

/**
 * Runs one backend call and records it (count and duration, success or error). The call's value or
 * error passes through unchanged.
 */
export async function timeBackendCall<T>(
  metrics: Metrics,
  labels: { backend: string; operation: string },
  call: () => Promise<T>,
): Promise<T> {
  const end = metrics.backendCallDuration.startTimer(labels);
  let result: BackendCallResult = 'error';
  try {
    const value = await call();
    result = 'success';
    return value;
  } finally {
    end({ result });
    metrics.backendCalls.inc({ ...labels, result });
  }
}

/**
 * Replaces the objects-by-ready-state gauge for one kind from a full count (e.g. from the informer
 * cache), so states that no longer occur drop to 0 instead of keeping a stale value.
 */
export function setObjectCounts(metrics: Metrics, kind: string, counts: Partial<Record<ReadyState, number>>): void {
  for (const ready of ['true', 'false', 'unknown'] as const) {
    metrics.objects.set({ kind, ready }, counts[ready] ?? 0);
  }
}

/**
 * The metrics as the operator's reporting hooks (reconciled, backendCall, queueStats, readyObjects):
 * pass the result as `hooks` to the Operator.
 */
export function metricsHooks(metrics: Metrics) {
  return {
    reconciled: (kind: string, result: ReconcileResult, seconds: number) => recordReconcile(metrics, kind, result, seconds),
    backendCall: (backend: string, operation: string, result: BackendCallResult, seconds: number) => {
      metrics.backendCalls.inc({ backend, operation, result });
      metrics.backendCallDuration.observe({ backend, operation, result }, seconds);
    },
    cloudCall: (backend: string, operation: string, result: BackendCallResult) => metrics.cloudCalls.inc({ backend, operation, result }),
    queueStats: (kind: string, stats: QueueStats) => {
      metrics.queueDepth.set({ kind }, stats.depth);
      metrics.reconcilesInFlight.set({ kind }, stats.inFlight);
      metrics.longestRunningReconcile.set({ kind }, stats.longestRunningSeconds);
    },
    readyObjects: (kind: string, counts: { ready: number; notReady: number; unknown?: number }) =>
      setObjectCounts(metrics, kind, { true: counts.ready, false: counts.notReady, unknown: counts.unknown ?? 0 }),
    driftChecked: (result: 'in_place' | 'drifted' | 'error') => metrics.driftChecks.inc({ result }),
    rotation: (result: 'success' | 'error') => metrics.passwordRotations.inc({ result }),
    backupFailed: (namespace: string, server: string) => metrics.backupFailures.inc({ namespace, server }),
  };
}
