import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Harness, OPERATOR_CLIENT, configFrom, testConfig, waitFor } from '../support/operator-harness.js';

const SERVER = {
  apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
  kind: 'PostgreSQLServer',
  metadata: { name: 'resizable', namespace: 'default' },
  spec: { size: { class: 'small', storageGB: 5 }, credentialsSecret: 'resizable-creds', serverParameters: { work_mem: '4MB' } },
};

/**
 * Changes after creation, applied in place: size class, storage growth, server parameters, and a
 * new image in the operator's config; and what a restart does with `handler_on_resume`.
 */
describe('statefulset backend: changes in place and restarts', () => {
  let h: Harness;
  const sts = () => h.kube.apps.readNamespacedStatefulSet({ name: 'resizable-postgresql', namespace: 'default' });
  const container = async () => (await sts()).spec!.template.spec!.containers[0]!;

  beforeAll(async () => {
    h = await Harness.start();
    await h.create(SERVER);
    await h.waitForReady('PostgreSQLServer', 'resizable');
  });

  afterAll(async () => {
    await h?.stop();
  });

  it("takes over objects of the Python operator: kopf's finalizer is replaced by ours once the takeover is recorded", async () => {
    await h.create({
      ...SERVER,
      metadata: { name: 'from-kopf', namespace: 'default', finalizers: ['kopf.zalando.org/KopfFinalizerMarker'] },
      spec: { ...SERVER.spec, credentialsSecret: 'from-kopf-creds' },
    });
    h.kubelet.ignore.add('default/from-kopf-postgresql');
    await waitFor(
      async () => JSON.stringify((await h.get<{ metadata: { finalizers?: string[] } }>('PostgreSQLServer', 'from-kopf'))?.metadata.finalizers) === '["hybridcloud.maibornwolff.de/finalizer"]',
      20_000,
      () => 'finalizers replaced',
    );
    expect((await h.get<{ status?: { adoption?: unknown } }>('PostgreSQLServer', 'from-kopf'))?.status?.adoption).toMatchObject({ from: 'python-operator' });
    // And it stays deletable without kopf running.
    await h.delete('PostgreSQLServer', 'from-kopf');
    await waitFor(async () => (await h.get('PostgreSQLServer', 'from-kopf')) === undefined, 20_000, () => 'from-kopf deleted');
  });

  it('applies a new size class to the pod in place', async () => {
    expect((await container()).resources?.requests).toEqual({ cpu: '500m', memory: '512Mi' });
    await h.patch('PostgreSQLServer', 'resizable', { spec: { size: { class: 'large' } } });
    await waitFor(async () => (await container()).resources?.requests?.cpu === '2', 20_000, () => 'cpu 2');
    expect((await container()).resources?.limits).toEqual({ memory: '4Gi' });
    await h.waitForReady('PostgreSQLServer', 'resizable');
  });

  it('grows storage by resizing the claim (claim templates are immutable)', async () => {
    await h.patch('PostgreSQLServer', 'resizable', { spec: { size: { storageGB: 8 } } });
    await waitFor(
      async () => (await h.kube.core.readNamespacedPersistentVolumeClaim({ name: 'data-resizable-postgresql-0', namespace: 'default' })).spec?.resources?.requests?.storage === '8Gi',
      20_000,
      () => 'claim resized to 8Gi',
    );
    expect((await sts()).spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage).toBe('5Gi');
  });

  it('applies changed server parameters with ALTER SYSTEM and a reload, without rolling the pod', async () => {
    const workMem = async () => (await h.kubelet.query('SHOW work_mem')).rows[0].work_mem as string;
    await waitFor(async () => (await workMem()) === '4MB', 20_000, () => 'work_mem=4MB');
    expect((await container()).args).toEqual(['postgres']);
    const generation = (await sts()).metadata?.generation;
    await h.patch('PostgreSQLServer', 'resizable', { spec: { serverParameters: { work_mem: '16MB' } } });
    await waitFor(async () => (await workMem()) === '16MB', 20_000, () => 'work_mem=16MB');
    expect((await sts()).metadata?.generation).toBe(generation);
    expect(h.kubelet.postgresRestarts).toBe(0);
  });

  it('does nothing at a restart with handler_on_resume: false (no backend calls for settled objects)', async () => {
    await h.waitForReady('PostgreSQLServer', 'resizable');
    await h.operator!.whenIdle();
    await h.stopOperator();
    h.api.resetCounts();
    await h.startOperator(configFrom(testConfig(h.pg.port, { reconcile: { resync_seconds: 3600 } })));
    await new Promise((r) => setTimeout(r, 1500));
    const made = h.api.requestCountsFor(OPERATOR_CLIENT);
    expect(made['LIST postgresqlservers']).toBeGreaterThan(0);
    expect(made['GET statefulsets'] ?? 0).toBe(0);
  });

  it('reconciles everything at a restart with handler_on_resume: true', async () => {
    await h.stopOperator();
    h.api.resetCounts();
    await h.startOperator(configFrom(testConfig(h.pg.port, { handler_on_resume: true })));
    await waitFor(() => (h.api.requestCountsFor(OPERATOR_CLIENT)['GET statefulsets'] ?? 0) > 0, 10_000, () => 'the server observed at start');
  });

  it('rolls every managed server when the config names a new image', async () => {
    await h.stopOperator();
    await h.startOperator(configFrom(testConfig(h.pg.port, { handler_on_resume: true, backends: { statefulset: { image: { repository: 'registry.example/mirror/postgres' } } } })));
    await waitFor(async () => (await container()).image === 'registry.example/mirror/postgres:17', 20_000, () => 'the mirrored image');
    await h.waitForReady('PostgreSQLServer', 'resizable');
  });

  it('holds a new image for a server with a maintenance window until it opens, or until operator/action: restart', async () => {
    const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
    const closed = { weekday: weekdays[(new Date().getUTCDay() + 3) % 7], starttime: '03:00' };
    await h.patch('PostgreSQLServer', 'resizable', { spec: { maintenance: { window: closed } } });
    await h.waitForReady('PostgreSQLServer', 'resizable');
    await h.stopOperator();
    await h.startOperator(configFrom(testConfig(h.pg.port, { handler_on_resume: true, backends: { statefulset: { image: { repository: 'registry.example/other/postgres' } } } })));
    const message = async () => (await h.get<{ status?: { conditions?: Array<{ message: string }> } }>('PostgreSQLServer', 'resizable'))?.status?.conditions?.[0]?.message ?? '';
    await waitFor(async () => /waits for the maintenance window/.test(await message()), 20_000, () => 'the image held');
    expect((await container()).image).toBe('registry.example/mirror/postgres:17');
    // status.maintenance says what waits and when, and one event says it started waiting.
    const held = (await h.get<{ status?: { maintenance?: { pending: string[]; scheduledFor: string; window: string } } }>('PostgreSQLServer', 'resizable'))?.status?.maintenance;
    expect(held).toEqual({ pending: ['image registry.example/mirror/postgres:17 → registry.example/other/postgres:17'], scheduledFor: expect.stringMatching(/T03:00:00\.000Z$/), window: `${closed.weekday} 03:00 UTC` });
    expect(new Date(held!.scheduledFor).getUTCDay()).toBe(weekdays.indexOf(closed.weekday!));
    h.operator!['servers'].enqueue('default', 'resizable');
    await h.operator!.whenIdle();
    await new Promise((r) => setTimeout(r, 200));
    const events = (await h.kube.core.listNamespacedEvent({ namespace: 'default' })).items.filter((e) => e.involvedObject.name === 'resizable' && e.reason === 'MaintenanceScheduled');
    // One Event object, recorded once (a repeat would have raised its count).
    expect(events.map((e) => [e.type, e.count, e.message])).toEqual([['Normal', 1, expect.stringContaining('image registry.example/mirror/postgres:17 → registry.example/other/postgres:17')]]);
    await h.patch('PostgreSQLServer', 'resizable', { metadata: { labels: { 'operator/action': 'restart' } } });
    await waitFor(async () => (await container()).image === 'registry.example/other/postgres:17', 20_000, () => 'the new image after the restart label');
    await waitFor(async () => !(await h.get<{ metadata: { labels?: Record<string, string> } }>('PostgreSQLServer', 'resizable'))?.metadata.labels?.['operator/action'], 20_000, () => 'label removed');
    await h.waitForReady('PostgreSQLServer', 'resizable');
    await waitFor(async () => (await h.get<{ status?: { maintenance?: unknown } }>('PostgreSQLServer', 'resizable'))?.status?.maintenance === undefined, 20_000, () => 'status.maintenance cleared');
  });
});
