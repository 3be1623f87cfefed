/**
 * Deletion needs only identity (ADR 0013), for every backend, through the real operator: a server
 * whose class is unknown from the start; a server created with a class that the platform team
 * then removes from the config; and one whose backend section is removed altogether (and the
 * backend taken out of allowed_backends). The operator is restarted with the changed config, the
 * CR deleted: the resource is gone and the finalizer removed. Cloud backends run against their
 * emulators, helm against the recording stand-in, the StatefulSet backend against the fake API
 * server.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { delimiter } from 'node:path';
import { azureFlexibleFactory } from '../../src/backends/azure-flexible/index.js';
import { isNotFound } from '../../src/k8s/clients.js';
import { startAzureEmulator, type AzureEmulator } from '../support/azure-emulator/index.js';
import { createHelmStub, type HelmStub } from '../support/helm-stub/index.js';
import { Harness, configFrom, testConfig, waitFor } from '../support/operator-harness.js';
import { startRdsEmulator, type RdsEmulator } from '../support/rds-emulator/index.js';
import { TEST_CREDENTIALS } from '../support/rds-emulator/fixtures.js';

const BACKENDS = ['statefulset', 'helmbitnami', 'azurepostgresflexible', 'awsrds', 'awsaurora'] as const;
type BackendName = (typeof BACKENDS)[number];
const RG = 'databases-rg';
const STEP_MS = 60_000;
const ENV_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'PATH'] as const;

let h: Harness;
let rds: RdsEmulator;
let azure: AzureEmulator;
let stub: HelmStub;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

/** Each backend's own section, with the class `small` servers are created with. */
function sections(): Record<BackendName, Record<string, unknown>> {
  return {
    statefulset: { operator_endpoint: `127.0.0.1:${h?.pg.port ?? 5432}`, classes: { small: { cpu: '500m', memory: '512Mi' }, large: { cpu: '1', memory: '1Gi' } }, default_class: 'large' },
    // The stand-in is found on PATH, as helm is in the operator's image (the section's helm_binary default).
    helmbitnami: { chart: 'oci://registry.example/charts/postgresql', classes: { small: { cpu: '500m', memory: '256Mi' }, large: { cpu: '1', memory: '1Gi' } }, default_class: 'large' },
    azurepostgresflexible: { classes: { small: { name: 'Standard_B1ms', tier: 'Burstable' }, large: { name: 'Standard_D2ds_v5', tier: 'GeneralPurpose' } }, default_class: 'large' },
    awsrds: { classes: { small: { instance_type: 'db.t4g.micro', storage_type: 'gp3' }, large: { instance_type: 'db.m5.large' } }, default_class: 'large' },
    awsaurora: { classes: { small: { instance_type: 'db.r6g.large' }, large: { instance_type: 'db.r6g.xlarge' } }, default_class: 'large' },
  };
}

/**
 * The operator config: every backend allowed, the shared `aws` / `azure` sections (where the
 * example values put the region and subscription), and each backend's section — minus the class
 * `small` of `noSmall`, minus the whole section of `without` (also taken out of allowed_backends).
 */
function operatorConfig(change: { noSmall?: BackendName; without?: BackendName; noAzure?: boolean } = {}): Record<string, unknown> {
  const own = sections();
  if (change.noSmall) delete (own[change.noSmall].classes as Record<string, unknown>).small;
  const base = testConfig(h?.pg.port ?? 5432) as { backends: Record<string, unknown> };
  const backends: Record<string, unknown> = {
    aws: { region: 'eu-central-1', endpoint: rds.url, subnet_group: 'db-subnets', final_snapshot: false },
    azure: { subscription_id: azure.subscriptionId, location: 'westeurope', resource_group: RG },
    ...own,
  };
  if (change.without) delete backends[change.without];
  if (change.noAzure) delete backends.azure;
  return {
    ...base,
    backend: change.without === 'statefulset' ? 'helmbitnami' : 'statefulset',
    allowed_backends: BACKENDS.filter((b) => b !== change.without),
    backends,
  };
}

function server(name: string, backend: BackendName, sizeClass: string): Record<string, unknown> {
  return {
    apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
    kind: 'PostgreSQLServer',
    metadata: { name, namespace: 'default' },
    spec: { backend, version: 16, size: { class: sizeClass, storageGB: 20 }, credentialsSecret: `${name}-credentials` },
  };
}

/** Whether the backend's resource for server `name` exists (in its emulator, the stand-in, the cluster). */
async function resourceExists(backend: BackendName, name: string): Promise<boolean> {
  switch (backend) {
    case 'statefulset':
      try {
        await h.kube.apps.readNamespacedStatefulSet({ name: `${name}-postgresql`, namespace: 'default' });
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    case 'helmbitnami':
      return (await stub.release('default', `${name}-postgresql`)) !== undefined;
    case 'azurepostgresflexible':
      return azure.server(RG, `default-${name}`) !== undefined;
    case 'awsrds':
      return rds.instance(`default-${name}`) !== undefined;
    case 'awsaurora':
      return rds.cluster(`default-${name}`) !== undefined || rds.instance(`default-${name}-primary`) !== undefined;
  }
}

async function restartWith(config: Record<string, unknown>): Promise<void> {
  await h.stopOperator();
  h.config = configFrom(config);
  await h.startOperator(h.config);
}

async function deleteAndWaitGone(name: string): Promise<void> {
  await h.delete('PostgreSQLServer', name);
  await waitFor(async () => (await h.get('PostgreSQLServer', name)) === undefined, STEP_MS, () => `PostgreSQLServer ${name} to be gone (finalizer removed)`);
}

beforeAll(async () => {
  rds = await startRdsEmulator();
  azure = await startAzureEmulator();
  azure.pollsToComplete = 0;
  stub = await createHelmStub();
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  process.env.PATH = `${stub.binDir}${delimiter}${process.env.PATH ?? ''}`;
  h = await Harness.start({
    config: operatorConfig(),
    backendOverrides: () => ({
      azurepostgresflexible: azureFlexibleFactory({ credential: azure.credential, httpClient: azure.httpClient, pollSeconds: { long: 0.2, short: 0.2 }, sdkPollIntervalMs: 10 }),
    }),
  });
  // The statefulset section names the test PostgreSQL's port, known only now.
  await restartWith(operatorConfig());
}, STEP_MS);

afterAll(async () => {
  await h?.stop();
  await rds?.close();
  await azure?.close();
  await stub?.cleanup();
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

describe.each(BACKENDS)('%s: deletion needs only identity', (backend) => {
  const short = backend.replace(/[^a-z]/g, '').slice(0, 8);

  it('deletes a server whose class is unknown from the start', async () => {
    const name = `unknown-${short}`;
    await h.create(server(name, backend, 'no-such-class'));
    await h.waitForReady('PostgreSQLServer', name, 'False', 'UnknownClass', STEP_MS);
    await deleteAndWaitGone(name);
    expect(await resourceExists(backend, name)).toBe(false);
  }, STEP_MS * 2);

  it.each([
    ['its class', { noSmall: backend }],
    ['its whole backend section', { without: backend }],
  ] as const)('deletes a server after %s was removed from the config and the operator restarted', async (_what, change) => {
    const name = `${'noSmall' in change ? 'class' : 'section'}-${short}`;
    await h.create(server(name, backend, 'small'));
    await waitFor(() => resourceExists(backend, name), STEP_MS, () => `the ${backend} resource of ${name} to be created`);
    await restartWith(operatorConfig(change));
    try {
      await deleteAndWaitGone(name);
      await waitFor(async () => !(await resourceExists(backend, name)), STEP_MS, () => `the ${backend} resource of ${name} to be deleted`);
    } finally {
      await restartWith(operatorConfig());
    }
  }, STEP_MS * 3);
});

describe('a backend whose config can no longer be loaded', () => {
  it('blocks the deletion with a condition that says why, and deletes once the config is back', async () => {
    const name = 'noconfig-azure';
    await h.create(server(name, 'azurepostgresflexible', 'small'));
    await waitFor(() => resourceExists('azurepostgresflexible', name), STEP_MS, () => `the Azure server of ${name}`);
    // Both the backend's section and the shared `azure` one (subscription, resource group) removed.
    await restartWith(operatorConfig({ without: 'azurepostgresflexible', noAzure: true }));
    try {
      await h.delete('PostgreSQLServer', name);
      const blocked = await h.waitForReady('PostgreSQLServer', name, 'False', 'DeletionBlocked', STEP_MS);
      expect(blocked.message).toMatch(/^cannot delete: backend azurepostgresflexible cannot be set up from the current config \(.*subscription_id.*\); restore its config section/);
      expect(await resourceExists('azurepostgresflexible', name)).toBe(true);
      // Every retry keeps the condition; the Warning event is written once.
      for (let retry = 0; retry < 2; retry++) {
        h.operator!['servers'].enqueue('default', name); // what the retry after 60 s does
        await new Promise((r) => setTimeout(r, 300));
        await h.operator!.whenIdle();
      }
      const events = (await h.kube.core.listNamespacedEvent({ namespace: 'default' })).items.filter((e) => e.involvedObject.name === name && e.reason === 'DeletionBlocked');
      expect(events.map((e) => e.count ?? 1)).toEqual([1]);
    } finally {
      await restartWith(operatorConfig());
    }
    await waitFor(async () => (await h.get('PostgreSQLServer', name)) === undefined, STEP_MS, () => `PostgreSQLServer ${name} gone once the config is back`);
    expect(await resourceExists('azurepostgresflexible', name)).toBe(false);
  }, STEP_MS * 3);
});
