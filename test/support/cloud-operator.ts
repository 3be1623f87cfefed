/**
 * The operator (in process, fake API server) with all three cloud backends wired to their
 * emulators, configured like examples/values-aws.yaml and examples/values-azure.yaml: for tests of
 * what the handlers do with cloud servers (bounded convergence, the cloud call budget) without a
 * PostgreSQL behind them. Polls are tiny; the SDKs' own requests are counted into `metrics`.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { AwsAuroraBackend, AwsRdsBackend } from '../../src/backends/aws-rds/index.js';
import { readSection } from '../../src/backends/aws-rds/config.js';
import { azureFlexibleFactory } from '../../src/backends/azure-flexible/index.js';
import type { BackendDeps, BackendFactory } from '../../src/backends/types.js';
import { createMetrics, metricsHooks, type Metrics } from '../../src/observability/metrics.js';
import { startAzureEmulator, type AzureEmulator } from './azure-emulator/index.js';
import { Harness } from './operator-harness.js';
import { TEST_CREDENTIALS } from './rds-emulator/fixtures.js';
import { startRdsEmulator, type RdsEmulator } from './rds-emulator/index.js';

export interface CloudOperator {
  h: Harness;
  rds: RdsEmulator;
  azure: AzureEmulator;
  metrics: Metrics;
  stop(): Promise<void>;
}

function exampleConfig(file: string): Record<string, unknown> {
  return parse((parse(readFileSync(file, 'utf8')) as { operatorConfig: string }).operatorConfig) as Record<string, unknown>;
}

function awsFactory(kind: 'awsrds' | 'awsaurora'): BackendFactory {
  return (deps: BackendDeps) => {
    const record = deps.recordCloudCall;
    const options = {
      section: readSection(deps.config, kind),
      log: deps.log,
      clientConfig: { credentials: TEST_CREDENTIALS, maxAttempts: 1 },
      poll: { firstSeconds: 0.2, maxSeconds: 1, factor: 2 },
      onCloudCall: record && ((operation: string, result: 'success' | 'error') => record(kind, operation, result)),
    };
    return kind === 'awsrds' ? new AwsRdsBackend(options) : new AwsAuroraBackend(options);
  };
}

export async function startCloudOperator(reconcile: Record<string, unknown> = {}): Promise<CloudOperator> {
  const [rds, azure] = await Promise.all([startRdsEmulator(), startAzureEmulator()]);
  const aws = exampleConfig('examples/values-aws.yaml') as { backends: Record<string, Record<string, unknown>> };
  const az = exampleConfig('examples/values-azure.yaml') as { backends: Record<string, Record<string, unknown>> };
  const metrics = createMetrics({ defaultMetrics: false });
  const config = {
    backend: 'awsrds',
    allowed_backends: ['awsrds', 'awsaurora', 'azurepostgresflexible'],
    reconcile,
    backends: {
      ...aws.backends,
      aws: { ...aws.backends.aws, endpoint: rds.url },
      ...az.backends,
      azure: { ...az.backends.azure, subscription_id: azure.subscriptionId },
    },
  };
  const transport = { credential: azure.credential, httpClient: azure.httpClient };
  const h = await Harness.start({
    config,
    hooks: metricsHooks(metrics),
    backendOverrides: () => ({
      awsrds: awsFactory('awsrds'),
      awsaurora: awsFactory('awsaurora'),
      azurepostgresflexible: azureFlexibleFactory({ ...transport, pollSeconds: { long: 0.2, short: 0.2 }, sdkPollIntervalMs: 10 }),
    }),
  });
  return {
    h,
    rds,
    azure,
    metrics,
    stop: async () => {
      await h.stop();
      await Promise.all([rds.close(), azure.close()]);
    },
  };
}

/** A PostgreSQLServer of one cloud backend, with the spec fields the examples use. */
export function cloudServer(name: string, backend: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
    kind: 'PostgreSQLServer',
    metadata: { name, namespace: 'default' },
    spec: { backend, version: 16, size: { storageGB: 32 }, backup: { retentionDays: 7 }, credentialsSecret: `${name}-credentials`, ...spec },
  };
}
