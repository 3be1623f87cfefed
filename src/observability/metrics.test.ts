import { describe, it, expect } from '@jest/globals';
import { createMetrics, metricsHooks, recordReconcile, setObjectCounts, timeBackendCall, METRIC_PREFIX } from './metrics.js';

describe('createMetrics', () => {
  it('exposes the operator metrics and the Node process metrics in the Prometheus text format', async () => {
    const metrics = createMetrics();
    const text = await metrics.registry.metrics();
    for (const name of [
      'reconciles_total',
      'reconcile_duration_seconds',
      'queue_depth',
      'reconciles_in_flight',
      'longest_running_reconcile_seconds',
      'backend_calls_total',
      'backend_call_duration_seconds',
      'cloud_api_calls_total',
      'objects',
      'leader',
    ]) {
      expect(text).toContain(`# TYPE ${METRIC_PREFIX}${name} `);
    }
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toMatch(new RegExp(`^${METRIC_PREFIX}leader 0$`, 'm'));
  });

  it('keeps registries apart, so two instances (tests, restarts) do not clash', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.leader.set(1);
    expect(await b.registry.getSingleMetricAsString(`${METRIC_PREFIX}leader`)).toMatch(/leader 0$/m);
    expect(await b.registry.metrics()).not.toContain('process_cpu');
  });

  it('records reconciles by kind and result with their durations', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    recordReconcile(metrics, 'PostgreSQLServer', 'success', 0.02);
    recordReconcile(metrics, 'PostgreSQLServer', 'success', 3);
    recordReconcile(metrics, 'PostgreSQLDatabase', 'pending', 0.1);
    const text = await metrics.registry.metrics();
    expect(text).toContain(`${METRIC_PREFIX}reconciles_total{kind="PostgreSQLServer",result="success"} 2`);
    expect(text).toContain(`${METRIC_PREFIX}reconciles_total{kind="PostgreSQLDatabase",result="pending"} 1`);
    expect(text).toContain(`${METRIC_PREFIX}reconcile_duration_seconds_count{kind="PostgreSQLServer",result="success"} 2`);
    expect(text).toContain(`${METRIC_PREFIX}reconcile_duration_seconds_sum{kind="PostgreSQLServer",result="success"} 3.02`);
    expect(text).toContain(`${METRIC_PREFIX}reconcile_duration_seconds_bucket{le="0.025",kind="PostgreSQLServer",result="success"} 1`);
  });

  it('times backend calls, passing values and errors through', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const labels = { backend: 'awsrds', operation: 'observe' };
    await expect(timeBackendCall(metrics, labels, async () => 42)).resolves.toBe(42);
    const failure = new Error('throttled');
    await expect(timeBackendCall(metrics, labels, async () => Promise.reject(failure))).rejects.toBe(failure);
    await expect(timeBackendCall(metrics, labels, async () => Promise.reject(failure))).rejects.toBe(failure);
    const text = await metrics.registry.metrics();
    expect(text).toContain(`${METRIC_PREFIX}backend_calls_total{backend="awsrds",operation="observe",result="success"} 1`);
    expect(text).toContain(`${METRIC_PREFIX}backend_calls_total{backend="awsrds",operation="observe",result="error"} 2`);
    expect(text).toContain(
      `${METRIC_PREFIX}backend_call_duration_seconds_count{backend="awsrds",operation="observe",result="error"} 2`,
    );
  });

  it('sets object counts per ready state, zeroing states that are gone', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    setObjectCounts(metrics, 'PostgreSQLServer', { true: 3, false: 1 });
    setObjectCounts(metrics, 'PostgreSQLServer', { true: 4 });
    metrics.queueDepth.set({ kind: 'PostgreSQLServer' }, 7);
    const text = await metrics.registry.metrics();
    expect(text).toContain(`${METRIC_PREFIX}objects{kind="PostgreSQLServer",ready="true"} 4`);
    expect(text).toContain(`${METRIC_PREFIX}objects{kind="PostgreSQLServer",ready="false"} 0`);
    expect(text).toContain(`${METRIC_PREFIX}objects{kind="PostgreSQLServer",ready="unknown"} 0`);
    expect(text).toContain(`${METRIC_PREFIX}queue_depth{kind="PostgreSQLServer"} 7`);
  });
});

describe('metricsHooks', () => {
  it('turns the operator hooks into metric updates', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const hooks = metricsHooks(metrics);
    hooks.reconciled('PostgreSQLDatabase', 'terminal', 0.5);
    hooks.backendCall('statefulset', 'create', 'error', 0.2);
    hooks.cloudCall('awsaurora', 'DescribeDBClusters', 'success');
    hooks.cloudCall('awsaurora', 'DescribeDBClusters', 'success');
    hooks.queueStats('PostgreSQLDatabase', { depth: 3, inFlight: 10, longestRunningSeconds: 42.5 });
    hooks.readyObjects('PostgreSQLDatabase', { ready: 5, notReady: 2 });
    const text = await metrics.registry.metrics();
    expect(text).toContain(`${METRIC_PREFIX}reconciles_total{kind="PostgreSQLDatabase",result="terminal"} 1`);
    expect(text).toContain(`${METRIC_PREFIX}backend_calls_total{backend="statefulset",operation="create",result="error"} 1`);
    expect(text).toContain(`${METRIC_PREFIX}backend_call_duration_seconds_sum{backend="statefulset",operation="create",result="error"} 0.2`);
    expect(text).toContain(`${METRIC_PREFIX}cloud_api_calls_total{backend="awsaurora",operation="DescribeDBClusters",result="success"} 2`);
    expect(text).toContain(`${METRIC_PREFIX}queue_depth{kind="PostgreSQLDatabase"} 3`);
    expect(text).toContain(`${METRIC_PREFIX}reconciles_in_flight{kind="PostgreSQLDatabase"} 10`);
    expect(text).toContain(`${METRIC_PREFIX}longest_running_reconcile_seconds{kind="PostgreSQLDatabase"} 42.5`);
    expect(text).toContain(`${METRIC_PREFIX}objects{kind="PostgreSQLDatabase",ready="true"} 5`);
    expect(text).toContain(`${METRIC_PREFIX}objects{kind="PostgreSQLDatabase",ready="false"} 2`);
  });
});
