/**
 * The cloud call budget (ADR 0014): at steady state every cloud backend makes at most 12 cloud API
 * calls per server-hour at the default intervals, counted at the emulators, and still finds drift.
 *
 * The hour is simulated by scaling the defaults down 300 times: resync 300 s → 1 s, cloud check
 * 600 s → 2 s, one hour → 12 s. (A resync of 1 s is below what the config accepts; the test sets it
 * on the loaded config directly.) The SDKs' own counts in `/metrics` must match the emulators'.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../support/operator-harness.js';
import { cloudServer, startCloudOperator, type CloudOperator } from '../support/cloud-operator.js';

const SCALE = 300;
const HOUR_MS = 3_600_000 / SCALE;
const BUDGET = 12;
const LONG = 60_000;

describe('cloud API calls at steady state', () => {
  let env: CloudOperator;

  const rdsCalls = (ids: string[]) => env.rds.calls.filter((c) => ids.includes(c.params.DBInstanceIdentifier ?? c.params.DBClusterIdentifier ?? '')).length;
  const counts = () => ({
    awsrds: rdsCalls(['default-budget-rds']),
    awsaurora: rdsCalls(['default-budget-aurora', 'default-budget-aurora-primary']),
    azurepostgresflexible: env.azure.requests.filter((r) => r.path.toLowerCase().includes('/flexibleservers/default-budget-azure')).length,
  });

  beforeAll(async () => {
    env = await startCloudOperator();
    await env.h.create(cloudServer('budget-rds', 'awsrds'));
    await env.h.create(cloudServer('budget-aurora', 'awsaurora'));
    await env.h.create(cloudServer('budget-azure', 'azurepostgresflexible', { size: { class: 'dev', storageGB: 32 } }));
    for (const name of ['budget-rds', 'budget-aurora', 'budget-azure']) await env.h.waitForReady('PostgreSQLServer', name, 'True', 'Available', LONG);
    // The defaults (resync 300 s, cloud check 600 s), 300 times faster.
    await env.h.stopOperator();
    env.h.config.reconcile.resync_seconds = 300 / SCALE;
    env.h.config.reconcile.cloud_check_seconds = 600 / SCALE;
    await env.h.startOperator();
  }, 2 * LONG);

  afterAll(async () => {
    await env?.stop();
  });

  it(`stays within ${BUDGET} calls per server-hour on every cloud backend`, async () => {
    await new Promise((r) => setTimeout(r, 3000));
    const before = counts();
    await new Promise((r) => setTimeout(r, HOUR_MS));
    const after = counts();
    const perHour = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]]));
    // RDS reads one instance per check; Aurora the cluster and its writer; Azure the server and its firewall rules.
    expect(perHour.awsrds).toBeGreaterThanOrEqual(4);
    expect(perHour.awsrds).toBeLessThanOrEqual(6);
    for (const backend of ['awsaurora', 'azurepostgresflexible']) {
      expect(perHour[backend]).toBeGreaterThanOrEqual(8);
      expect(perHour[backend]).toBeLessThanOrEqual(BUDGET);
    }
    for (const name of ['budget-rds', 'budget-aurora', 'budget-azure']) expect((await env.h.ready('PostgreSQLServer', name))?.reason).toBe('Available');
  }, 2 * LONG);

  it('still finds drift within one cloud check interval', async () => {
    const modifies = () => env.rds.callsOf('ModifyDBInstance').filter((c) => c.params.DBInstanceIdentifier === 'default-budget-rds').length;
    const before = modifies();
    env.rds.instance('default-budget-rds')!.backupRetention = 1;
    const started = Date.now();
    await waitFor(() => modifies() > before, LONG, () => 'a Modify repairing the drift');
    // One check interval (2 s here, 10 minutes at the defaults) plus a resync's jitter.
    expect(Date.now() - started).toBeLessThan((600 + 300 * 1.1) * 1000 / SCALE + 1000);
    await env.h.waitForReady('PostgreSQLServer', 'budget-rds', 'True', 'Available', LONG);
  }, LONG);

  it('counts in /metrics exactly the requests the emulators received, per backend and API operation', async () => {
    const text = await env.metrics.registry.metrics();
    const total = (backend: string) => [...text.matchAll(new RegExp(`cloud_api_calls_total\\{backend="${backend}",operation="[^"]+",result="[^"]+"\\} (\\d+)`, 'g'))]
      .reduce((sum, m) => sum + Number(m[1]), 0);
    expect(total('awsrds') + total('awsaurora')).toBe(env.rds.calls.length);
    expect(total('azurepostgresflexible')).toBe(env.azure.requests.length);
    expect(text).toMatch(/cloud_api_calls_total\{backend="awsaurora",operation="DescribeDBClusters",result="success"\} \d+/);
    expect(text).toMatch(/cloud_api_calls_total\{backend="azurepostgresflexible",operation="GET firewallRules",result="success"\} \d+/);
  });
});
