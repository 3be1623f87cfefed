/**
 * The takeover through the operator's handlers (in process, fake API server): PostgreSQLServers
 * the Python operator left (its Azure Flexible Server, RDS instance and Bitnami release, built as
 * its `create_or_update_server` built them) with `status.adoption` as the takeover records it
 * and their credentials Secrets adopted. Ready without a single mutating call at the ARM and RDS
 * emulators or helm; the first spec change then applies this operator's choices.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { AwsRdsBackend } from '../../src/backends/aws-rds/index.js';
import { azureFlexibleFactory } from '../../src/backends/azure-flexible/index.js';
import { GROUP, VERSION } from '../../src/api/constants.js';
import { startAzureEmulator, type AzureEmulator } from '../support/azure-emulator/index.js';
import { startRdsEmulator, type RdsEmulator } from '../support/rds-emulator/index.js';
import { TEST_CREDENTIALS } from '../support/rds-emulator/fixtures.js';
import { createHelmStub, type HelmStub } from '../support/helm-stub/index.js';
import { helmHome, realHelmBinary } from '../support/helm-stub/real-helm.js';
import { Harness, waitFor } from '../support/operator-harness.js';
import { createPythonAzureServer } from '../support/python-operator/azure-server.js';
import { CATALOG_WITH_PYTHON_MINORS, createPythonRdsInstance } from '../support/python-operator/aws-server.js';
import { serveAdoptionStatus } from '../support/python-operator/adoption-status.js';
import { installPythonRelease } from '../support/python-operator/helm-release.js';

const NS = 'default';
const PASSWORD = 'Pyth0nMadePassw0rd';
const RG = 'rg-legacy';
const TIMEOUT = 60_000;

/** What each backend's emulator counts as a change. */
let azure: AzureEmulator;
let rds: RdsEmulator;
let stub: HelmStub;
let home: ReturnType<typeof helmHome>;
let h: Harness;

const armWrites = () => azure.writes().length;
const rdsWrites = () => rds.calls.filter((c) => !c.action.startsWith('Describe')).length;
const helmWrites = async () => (await stub.calls()).filter((c) => ['upgrade', 'install', 'uninstall', 'rollback'].includes(c.args[0] ?? '')).length;

const SERVERS = {
  flex: { backend: 'azurepostgresflexible', spec: { version: '15', size: { cpu: 2, storageGB: 32 }, maintenance: { window: { weekday: 'Mon', starttime: '03:00' } }, extensions: ['postgis'] } },
  inst: { backend: 'awsrds', spec: { version: '15', size: { class: 'small', storageGB: 20 } } },
  chart: { backend: 'helmbitnami', spec: { version: '15', size: { class: 'small', storageGB: 10 } } },
} as const;

/** A CR as the Python operator left it, taken over: status.adoption, its credentials Secret ours. */
async function takenOver(name: keyof typeof SERVERS): Promise<void> {
  const { backend, spec } = SERVERS[name];
  const custom = h.kube.custom;
  const plural = 'postgresqlservers';
  const created = (await custom.createNamespacedCustomObject({
    group: GROUP, version: VERSION, namespace: NS, plural,
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'PostgreSQLServer', metadata: { name }, spec: { ...spec, backend, credentialsSecret: `${name}-credentials` } },
  })) as { metadata: { uid: string; generation: number } };
  await custom.patchNamespacedCustomObjectStatus(
    { group: GROUP, version: VERSION, namespace: NS, plural, name, body: { status: { backend, adoption: { from: 'python-operator', generation: created.metadata.generation, at: new Date().toISOString() } } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  await h.kube.core.createNamespacedSecret({
    namespace: NS,
    body: {
      metadata: { name: `${name}-credentials`, ownerReferences: [{ apiVersion: `${GROUP}/${VERSION}`, kind: 'PostgreSQLServer', name, uid: created.metadata.uid, controller: true }] },
      stringData: { username: 'postgres', password: PASSWORD, dbname: 'postgres', host: 'legacy-host', port: '5432', sslmode: 'require' },
    },
  });
}

beforeAll(async () => {
  [azure, rds, stub] = await Promise.all([startAzureEmulator(), startRdsEmulator({ catalog: CATALOG_WITH_PYTHON_MINORS }), createHelmStub({ realHelm: realHelmBinary() })]);
  azure.pollsToComplete = 1;
  home = helmHome();
  h = await Harness.start({
    config: {
      backend: 'azurepostgresflexible',
      allowed_backends: ['azurepostgresflexible', 'awsrds', 'helmbitnami'],
      backends: {
        azure: { subscription_id: azure.subscriptionId, location: 'westeurope', resource_group: RG, name_pattern: '{namespace}-{name}', network: { public_access: true } },
        awsrds: { region: rds.region, endpoint: rds.url, subnet_group: 'db-subnets', classes: { small: { instance_type: 'db.m5.large' } }, default_class: 'small' },
        helmbitnami: { helm_binary: join(stub.binDir, 'helm'), classes: { small: { cpu: '1', memory: '256Mi' } }, default_class: 'small' },
      },
    },
    backendOverrides: () => ({
      azurepostgresflexible: azureFlexibleFactory({ credential: azure.credential, httpClient: azure.httpClient, pollSeconds: { long: 0.2, short: 0.2 }, sdkPollIntervalMs: 10 }),
      awsrds: (deps) =>
        new AwsRdsBackend({
          section: { ...(deps.config.backends.awsrds ?? {}) },
          log: deps.log,
          clientConfig: { credentials: TEST_CREDENTIALS, maxAttempts: 1 },
          poll: { firstSeconds: 0.2, maxSeconds: 0.5, factor: 1 },
          applyAdoptionDifferences: deps.config.python_takeover.apply_differences,
        }),
    }),
  });
  await h.stopOperator();
  await stub.connectApiServer(h.api.url);
  await serveAdoptionStatus(h.api.kubeConfig());
  await createPythonAzureServer(azure, { resourceGroup: RG, serverName: 'default-flex', namespace: NS, name: 'flex' }, SERVERS.flex.spec, PASSWORD);
  await createPythonRdsInstance(rds, { identifier: 'default-inst', namespace: NS, name: 'inst', instanceClass: 'db.m5.large', password: PASSWORD });
  await installPythonRelease(stub, h.kube, { namespace: NS, name: 'chart', password: PASSWORD, size: { cpu: '1', memory: '256Mi', storageGB: 10 } });
  for (const name of Object.keys(SERVERS) as (keyof typeof SERVERS)[]) await takenOver(name);
}, TIMEOUT);

afterAll(async () => {
  await h?.stop();
  await Promise.all([azure?.close(), rds?.close(), stub?.cleanup()]);
  home?.cleanup();
});

describe('the first reconciles of servers taken over from the Python operator', () => {
  it('make every server Ready without one mutating call to Azure, RDS or helm', async () => {
    const before = { arm: armWrites(), rds: rdsWrites(), helm: await helmWrites() };
    await h.startOperator();
    try {
      for (const name of Object.keys(SERVERS)) await h.waitForReady('PostgreSQLServer', name, 'True', undefined, TIMEOUT / 3);
    } catch (err) {
      const states = await Promise.all(Object.keys(SERVERS).map(async (n) => [n, await h.get('PostgreSQLServer', n)]));
      throw new Error(`${String(err)}\n${JSON.stringify(states, null, 1)}\n${h.logLines.slice(-30).join('\n')}`, { cause: err });
    }
    // A few more reconciles (resync, status writes) change nothing either.
    await new Promise((r) => setTimeout(r, 1500));
    expect({ arm: armWrites(), rds: rdsWrites(), helm: await helmWrites() }).toEqual(before);
    expect(azure.server(RG, 'default-flex')?.sku.name).toBe('Standard_D2ds_v4');
    const chart = await h.get<{ status: { endpoint: { host: string } } }>('PostgreSQLServer', 'chart');
    expect(chart?.status.endpoint.host).toBe('chart-postgresql.default.svc.cluster.local');
  }, TIMEOUT);

  it('apply their differences with the first spec change', async () => {
    await h.patch('PostgreSQLServer', 'flex', { spec: { size: { cpu: 2, storageGB: 64 } } });
    await h.patch('PostgreSQLServer', 'inst', { spec: { size: { class: 'small', storageGB: 30 } } });
    await waitFor(() => azure.server(RG, 'default-flex')?.sku.name === 'Standard_D2ds_v5', TIMEOUT, () => 'the v5 SKU in Azure');
    await waitFor(() => rds.instance('default-inst')?.tags['hybridcloud.maibornwolff.de/server'] === 'default/inst', TIMEOUT, () => 'the owner tag in RDS');
    expect(azure.server(RG, 'default-flex')?.maintenanceWindow).toMatchObject({ dayOfWeek: 1, startHour: 3 });
  }, TIMEOUT);
});
