/**
 * A restored server outlives its source: once the restore is done, the source server (and its
 * backups) may be deleted, and a server whose `status.restoredFrom` is lost then is found restored
 * by the marker in its data, not refused for a source it no longer needs. A restore still to be
 * done from a source that is gone is refused before anything is created. The operator runs in
 * process against the fake API server; the restored server is the harness's real PostgreSQL (the
 * one the operator reaches), the source a second one.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { BackupStatus } from '../../src/api/types.js';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import { FakeJobRunner } from '../support/fake-job-runner.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';
import { Harness, waitFor } from '../support/operator-harness.js';
import { playServerIn } from '../support/played-server.js';

type Server = { status?: { backup?: BackupStatus; restoredFrom?: Record<string, string> } };

const server = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
  kind: 'PostgreSQLServer',
  metadata: { name, namespace: 'default' },
  spec: { size: { storageGB: 1 }, credentialsSecret: `${name}-credentials`, ...spec },
});

describe('a restored server whose source is gone', () => {
  let h: Harness;
  let source: TestPostgres;
  let jobs: FakeJobRunner;
  let backup = '';
  const restoreJob = () => h.kube.batch.readNamespacedJob({ name: 'copy-postgresql-restore', namespace: 'default' }).catch(() => undefined);
  const resync = async (name: string) => {
    h.operator!['servers'].enqueue('default', name);
    await new Promise((r) => setTimeout(r, 100));
    await h.operator!.whenIdle();
  };

  beforeAll(async () => {
    h = await Harness.start();
    source = await startPostgres();
    jobs = new FakeJobRunner(h.kube, { 'origin-postgresql.default.svc': source, 'copy-postgresql.default.svc': h.pg });
    const seed = new pg.Client({ host: source.host, port: source.port, user: 'postgres', password: source.password, database: 'postgres' });
    await seed.connect();
    await seed.query('CREATE DATABASE shop');
    await seed.end();
    const shop = new pg.Client({ host: source.host, port: source.port, user: 'postgres', password: source.password, database: 'shop' });
    await shop.connect();
    await shop.query("CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders VALUES (1, 'tea')");
    await shop.end();

    // The source runs in the second PostgreSQL: the fake kubelet (which serves the first) leaves it alone.
    h.kubelet.ignore.add('default/origin-postgresql');
    await h.create(server('origin'));
    await playServerIn(h, source, { statefulSet: 'origin-postgresql', namespace: 'default', adminSecret: 'hybridcloud-pgserver-origin' });
    await h.waitForReady('PostgreSQLServer', 'origin');
    await waitFor(async () => (await h.kube.batch.readNamespacedCronJob({ name: 'origin-postgresql-backup', namespace: 'default' }).catch(() => undefined)) !== undefined, 20_000, () => 'origin backup CronJob');
    expect(await jobs.run(await jobs.jobFromCronJob('default', 'origin-postgresql-backup'))).toBe(0);
    await resync('origin');
    await waitFor(async () => ((backup = (await h.get<Server>('PostgreSQLServer', 'origin'))?.status?.backup?.backups?.[0] ?? '')) !== '', 20_000, () => 'backup listed');

    await h.create(server('copy', { restoreFrom: { server: 'origin', backup } }));
    await waitFor(async () => (await restoreJob()) !== undefined, 20_000, () => 'restore Job');
    expect(await jobs.run((await restoreJob())!)).toBe(0);
    await resync('copy');
    await h.waitForReady('PostgreSQLServer', 'copy');
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
    await source?.stop();
    jobs?.cleanup();
  });

  it('stays Ready with restoredFrom read from the marker when its status lost it after the source was deleted, and starts no restore', async () => {
    const rows = async () => {
      const admin = await h.secret('hybridcloud-pgserver-copy');
      const c = new pg.Client({ host: h.pg.host, port: h.pg.port, user: 'postgres', password: admin!.password!, database: 'shop' });
      await c.connect();
      try {
        return (await c.query('SELECT id FROM orders ORDER BY id')).rows.map((r) => r.id as number);
      } finally {
        await c.end();
      }
    };
    expect((await h.get<Server>('PostgreSQLServer', 'copy'))?.status?.restoredFrom).toMatchObject({ server: 'origin', backup });

    await h.delete('PostgreSQLServer', 'origin');
    await waitFor(async () => (await h.get('PostgreSQLServer', 'origin')) === undefined, 20_000, () => 'origin deleted');
    // Status and Job both lost (a status rebuilt from a backup of the cluster's objects, a Job collected).
    await h.kube.batch.deleteNamespacedJob({ name: 'copy-postgresql-restore', namespace: 'default' });
    await h.kube.custom.patchNamespacedCustomObjectStatus(
      { group: 'hybridcloud.maibornwolff.de', version: 'v1alpha1', namespace: 'default', plural: 'postgresqlservers', name: 'copy', body: { status: { restoredFrom: null } } },
      mergePatchOptions(),
    );
    await resync('copy');
    let seen: Server | undefined;
    await waitFor(async () => (seen = await h.get<Server>('PostgreSQLServer', 'copy'))?.status?.restoredFrom !== undefined, 20_000, () => `restoredFrom from the marker; status: ${JSON.stringify(seen?.status)}`);
    expect((await h.get<Server>('PostgreSQLServer', 'copy'))?.status?.restoredFrom).toMatchObject({ server: 'origin', backup });
    expect(await h.ready('PostgreSQLServer', 'copy')).toMatchObject({ status: 'True', reason: 'Available' });
    expect(await restoreJob()).toBeUndefined();
    expect((await h.events('copy')).filter((e) => e.reason === 'InvalidSpec')).toEqual([]);
    expect(await rows()).toEqual([1]);
  });

  it('refuses a restore still to be done from a source that is gone, before anything is created', async () => {
    await h.create(server('late', { restoreFrom: { server: 'origin', backup } }));
    const ready = await h.waitForReady('PostgreSQLServer', 'late', 'False', 'InvalidSpec');
    expect(ready.message).toBe('spec.restoreFrom: PostgreSQLServer origin not found in namespace default');
    await expect(h.kube.apps.readNamespacedStatefulSet({ name: 'late-postgresql', namespace: 'default' })).rejects.toMatchObject({ code: 404 });
  });
});
