/**
 * The helmbitnami backend end to end through the operator's handlers: the fake API server, the
 * recording helm stand-in (rendering the local chart fixture with the real helm and writing its
 * objects to the API server), the fake kubelet making the release's StatefulSet ready (it creates
 * the chart's `postgres` user from the operator's Secret in a real PostgreSQL, as the Bitnami
 * image does at first start), and the example from examples/helmbitnami-server.yaml.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createHelmStub, type HelmStub } from '../support/helm-stub/index.js';
import { BITNAMI_CHART_FIXTURE, realHelmBinary } from '../support/helm-stub/real-helm.js';
import { Harness, waitFor } from '../support/operator-harness.js';

const RELEASE = 'orders-postgresql';

async function login(data: Record<string, string>, port: number): Promise<void> {
  // The Secret names the in-cluster Service; the test reaches the same server on loopback.
  const client = new pg.Client({ host: '127.0.0.1', port, user: data.username, password: data.password, database: data.dbname });
  await client.connect();
  await client.end();
}

describe('helmbitnami through the handlers (fake API server, helm stand-in, real PostgreSQL)', () => {
  let h: Harness;
  let stub: HelmStub;

  const upgrades = async () => (await stub.calls()).filter((c) => c.args[0] === 'upgrade');

  beforeAll(async () => {
    stub = await createHelmStub({ realHelm: realHelmBinary() });
    h = await Harness.start({
      config: {
        backend: 'helmbitnami',
        allowed_backends: ['helmbitnami', 'statefulset'],
        backends: {
          helmbitnami: {
            helm_binary: join(stub.binDir, 'helm'),
            chart: BITNAMI_CHART_FIXTURE,
            classes: { small: { cpu: '1000m', memory: '256Mi' } },
            default_class: 'small',
            // The example's registry override; the password as an env var (not a file), which is
            // what the fake kubelet reads to play the image's first start.
            extra_values: {
              image: { registry: 'docker.io', repository: 'bitnamilegacy/postgresql' },
              global: { security: { allowInsecureImages: true } },
              auth: { usePasswordFiles: false },
            },
          },
        },
      },
    });
    // helm writes to the cluster only now, before any server exists.
    await stub.connectApiServer(h.api.url);
    // The operator reaches the "pod" on the test PostgreSQL, whose port is known only now.
    const config = h.config.backends.helmbitnami as Record<string, unknown>;
    config.operator_endpoint = `127.0.0.1:${h.pg.port}`;
    await h.stopOperator();
    await h.startOperator(h.config);
    await h.apply(readFileSync('examples/helmbitnami-server.yaml', 'utf8'));
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
    await stub?.cleanup();
  });

  it('installs the release; its objects appear in the namespace; the server becomes Ready', async () => {
    const ready = await h.waitForReady('PostgreSQLServer', 'orders', 'True', undefined, 90_000);
    expect(ready.reason).toBe('Available');
    const server = await h.get<{ status: Record<string, unknown> }>('PostgreSQLServer', 'orders');
    expect(server?.status).toMatchObject({ backend: 'helmbitnami', version: '16', sizeClass: 'small', endpoint: { host: `${RELEASE}.default.svc`, port: 5432 } });
    const sts = await h.kube.apps.readNamespacedStatefulSet({ name: RELEASE, namespace: 'default' });
    expect(sts.spec?.template.spec?.containers[0]?.image).toBe('docker.io/bitnamilegacy/postgresql:16');
    expect(sts.spec?.template.metadata?.labels?.['app.kubernetes.io/instance']).toBe(RELEASE);
    await expect(h.kube.core.readNamespacedService({ name: RELEASE, namespace: 'default' })).resolves.toBeDefined();
    const [install] = await upgrades();
    expect(install?.args).toEqual(['upgrade', RELEASE, BITNAMI_CHART_FIXTURE, '--install', '--namespace', 'default', '--values', '-', '--reset-values', '--timeout', '300s']);
    const creds = await h.secret('orders-postgres-credentials');
    expect(creds).toMatchObject({ hostname: `${RELEASE}.default.svc`, port: '5432', username: 'postgres', dbname: 'postgres', sslmode: 'disable' });
    await login(creds!, h.pg.port);
  });

  it('creates the database through the shared SQL module; the application can log in', async () => {
    await h.waitForReady('PostgreSQLDatabase', 'orders-app', 'True', undefined, 60_000);
    const data = await h.secret('orders-app-postgres-credentials');
    expect(data).toMatchObject({ dbname: 'orders_app', username: 'orders_app', hostname: `${RELEASE}.default.svc` });
    await login(data!, h.pg.port);
  });

  it('creates no new revision on a resync with nothing changed', async () => {
    await h.operator!.whenIdle();
    const before = (await upgrades()).length;
    h.operator!['servers'].enqueue('default', 'orders');
    await new Promise((r) => setTimeout(r, 300));
    await h.operator!.whenIdle();
    expect((await upgrades()).length).toBe(before);
    expect((await stub.release('default', RELEASE))?.revisions).toHaveLength(1);
  });

  it('resets the admin password in PostgreSQL and keeps the Secret the release reads in sync, without a helm upgrade', async () => {
    const before = await h.secret('orders-postgres-credentials');
    await h.patch('PostgreSQLServer', 'orders', { metadata: { labels: { 'operator/action': 'reset-password' } } });
    await waitFor(async () => (await h.secret('orders-postgres-credentials'))?.password !== before?.password, 60_000, () => 'admin password changed');
    const after = await h.secret('orders-postgres-credentials');
    await login(after!, h.pg.port);
    await expect(login(before!, h.pg.port)).rejects.toThrow(/password authentication failed/);
    // The Secret the chart reads (auth.existingSecret) holds the new password: a restarted pod agrees.
    const values = (await stub.release('default', RELEASE))!.revisions.at(-1)!.values as { auth: { existingSecret: string; secretKeys: { adminPasswordKey: string } } };
    const store = await h.secret(values.auth.existingSecret);
    expect(store?.[values.auth.secretKeys.adminPasswordKey]).toBe(after?.password);
    expect((await stub.release('default', RELEASE))?.revisions).toHaveLength(1);
  });

  it('applies a reloadable server parameter with ALTER SYSTEM, without a helm upgrade; restarts only on operator/action: restart', async () => {
    const before = (await upgrades()).length;
    await h.patch('PostgreSQLServer', 'orders', { spec: { serverParameters: { work_mem: '24MB' } } });
    await waitFor(async () => (await h.kubelet.query('SHOW work_mem')).rows[0].work_mem === '24MB', 30_000, () => 'work_mem=24MB');
    await h.waitForReady('PostgreSQLServer', 'orders');
    expect((await upgrades()).length).toBe(before);
    await h.patch('PostgreSQLServer', 'orders', { metadata: { labels: { 'operator/action': 'restart' } } });
    await waitFor(async () => (await upgrades()).length === before + 1, 30_000, () => 'an upgrade with a restart token');
    const token = async () => (await h.kube.apps.readNamespacedStatefulSet({ name: RELEASE, namespace: 'default' })).spec?.template.metadata?.annotations?.['hybridcloud.maibornwolff.de/restart-token'];
    await waitFor(async () => Boolean(await token()), 30_000, () => 'the pod template carries a restart token');
    await waitFor(async () => !(await h.get<{ metadata: { labels?: Record<string, string> } }>('PostgreSQLServer', 'orders'))?.metadata.labels?.['operator/action'], 30_000, () => 'label removed');
  });

  it('never gives helm or the logs a password', async () => {
    const passwords = [(await h.secret('orders-postgres-credentials'))?.password, (await h.secret('orders-app-postgres-credentials'))?.password];
    const calls = JSON.stringify(await stub.calls());
    for (const p of passwords) {
      expect(p).toBeTruthy();
      expect(calls).not.toContain(p);
      expect(h.logLines.filter((l) => l.includes(p!))).toEqual([]);
    }
  });

  it('on deletion uninstalls the release and keeps the volume claim', async () => {
    // The fake kubelet made the claim from the release StatefulSet's template, as Kubernetes does.
    await h.kube.core.readNamespacedPersistentVolumeClaim({ name: `data-${RELEASE}-0`, namespace: 'default' });
    await h.delete('PostgreSQLDatabase', 'orders-app');
    await h.delete('PostgreSQLServer', 'orders');
    await waitFor(async () => (await h.get('PostgreSQLServer', 'orders')) === undefined, 60_000, () => 'server gone');
    expect(await stub.release('default', RELEASE)).toBeUndefined();
    expect((await stub.calls()).some((c) => c.args[0] === 'uninstall' && c.args[1] === RELEASE)).toBe(true);
    await expect(h.kube.apps.readNamespacedStatefulSet({ name: RELEASE, namespace: 'default' })).rejects.toMatchObject({ code: 404 });
    const pvc = await h.kube.core.readNamespacedPersistentVolumeClaim({ name: `data-${RELEASE}-0`, namespace: 'default' });
    expect(pvc.metadata?.name).toBe(`data-${RELEASE}-0`);
  });
});
