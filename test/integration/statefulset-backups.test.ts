/**
 * Backups and restore of the statefulset backend, end to end: the operator (in process) against
 * the fake API server creates the backup CronJob and claim; the test plays the CronJob/Job
 * controllers and runs the Jobs' real commands against real test PostgreSQL servers; the
 * operator reports the backup in status, a failed backup as a warning and an event, and brings a
 * new server up from a backup with the rows back, and never restores again over its data.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { BackupStatus } from '../../src/api/types.js';
import { mergePatchOptions } from '../../src/k8s/patch.js';
import { createMetrics, METRIC_PREFIX, metricsHooks } from '../../src/observability/metrics.js';
import { FakeJobRunner } from '../support/fake-job-runner.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';
import { Harness, waitFor } from '../support/operator-harness.js';
import { playServerIn } from '../support/played-server.js';

type Server = { metadata: { uid: string }; status?: { backup?: BackupStatus; restoredFrom?: Record<string, string>; conditions?: Array<{ type: string; status: string; reason: string; message: string }> } };

describe('statefulset backups and restore against the fake API server and real PostgreSQL', () => {
  let h: Harness;
  let second: TestPostgres;
  let jobs: FakeJobRunner;
  const metrics = createMetrics({ defaultMetrics: false });

  const server = (name: string) => h.get<Server>('PostgreSQLServer', name);
  const resync = async (name: string) => {
    h.operator!['servers'].enqueue('default', name);
    await new Promise((r) => setTimeout(r, 100));
    await h.operator!.whenIdle();
  };

  beforeAll(async () => {
    h = await Harness.start({ hooks: metricsHooks(metrics) });
    second = await startPostgres();
    jobs = new FakeJobRunner(h.kube, { 'demoteam-postgresql.default.svc': h.pg, 'demoteam-restored-postgresql.default.svc': second });
    await h.apply(readFileSync('examples/simple.yaml', 'utf8'));
    await h.waitForReady('PostgreSQLDatabase', 'demoservice');
  });

  afterAll(async () => {
    await h?.stop();
    await second?.stop();
    jobs?.cleanup();
  });

  it('creates the backup CronJob (nightly, UTC, owned by the server) and its claim (not owned: backups outlive the server)', async () => {
    await waitFor(async () => (await h.kube.batch.readNamespacedCronJob({ name: 'demoteam-postgresql-backup', namespace: 'default' }).catch(() => undefined)) !== undefined, 20_000, () => 'CronJob created');
    const cron = await h.kube.batch.readNamespacedCronJob({ name: 'demoteam-postgresql-backup', namespace: 'default' });
    const owner = await server('demoteam');
    expect(cron.spec).toMatchObject({ schedule: '0 2 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    expect(cron.metadata?.ownerReferences?.[0]?.uid).toBe(owner?.metadata.uid);
    const container = cron.spec!.jobTemplate.spec!.template.spec!.containers[0]!;
    expect(container.image).toBe('docker.io/library/postgres:17');
    expect(container.env?.find((e) => e.name === 'PGPASSWORD')?.valueFrom?.secretKeyRef?.name).toBe('hybridcloud-pgserver-demoteam');
    const claim = await h.kube.core.readNamespacedPersistentVolumeClaim({ name: 'demoteam-postgresql-backup', namespace: 'default' });
    expect(claim.metadata?.ownerReferences).toBeUndefined();
    expect(claim.spec?.resources?.requests?.storage).toBe('2Gi');
    await waitFor(async () => (await server('demoteam'))?.status?.backup?.schedule === '0 2 * * *', 20_000, () => 'status.backup');
  });

  it('reports a successful backup (name and size) read from its job, and lists it for restores', async () => {
    const admin = await h.secret('hybridcloud-pgserver-demoteam');
    const client = new pg.Client({ host: h.pg.host, port: h.pg.port, user: 'postgres', password: admin!.password!, database: 'demoservice' });
    await client.connect();
    await client.query("CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders VALUES (1, 'tea'), (2, 'scones'); ALTER TABLE orders OWNER TO demoservice");
    await client.end();
    const job = await jobs.jobFromCronJob('default', 'demoteam-postgresql-backup');
    expect(await jobs.run(job)).toBe(0);
    await resync('demoteam');
    await waitFor(async () => (await server('demoteam'))?.status?.backup?.lastSuccessful !== undefined, 20_000, () => 'lastSuccessful');
    const backup = (await server('demoteam'))!.status!.backup!;
    expect(backup.lastSuccessful!.name).toMatch(/^\d{8}T\d{6}Z$/);
    expect(backup.lastSuccessful!.sizeBytes).toBeGreaterThan(0);
    expect(backup.backups).toEqual([backup.lastSuccessful!.name]);
    expect(backup.lastFailure).toBeUndefined();
  });

  it('reports a failed backup as a warning in the Ready condition and one BackupFailed event', async () => {
    const job = await jobs.jobFromCronJob('default', 'demoteam-postgresql-backup');
    expect(await jobs.run(job, { PGPASSWORD: 'wrong-password' })).not.toBe(0);
    await resync('demoteam');
    await waitFor(async () => (await server('demoteam'))?.status?.backup?.lastFailure !== undefined, 20_000, () => 'lastFailure');
    const status = (await server('demoteam'))!.status!;
    expect(status.backup!.lastFailure!.message).toMatch(/password authentication failed/);
    const ready = status.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'True', reason: 'Available' });
    expect(ready.message).toContain(`the last backup failed (Job ${job.metadata!.name})`);
    await resync('demoteam');
    const failures = (await h.events('demoteam')).filter((e) => e.reason === 'BackupFailed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ type: 'Warning' });
    expect(await metrics.registry.metrics()).toContain(`${METRIC_PREFIX}backup_failures_total{namespace="default",server="demoteam"} 1`);
    // The next successful backup clears the warning.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await jobs.run(await jobs.jobFromCronJob('default', 'demoteam-postgresql-backup'))).toBe(0);
    await resync('demoteam');
    await waitFor(async () => (await server('demoteam'))?.status?.backup?.lastFailure === undefined, 20_000, () => 'failure cleared');
    expect((await h.ready('PostgreSQLServer', 'demoteam'))?.message).toBe('server is ready');
  });

  it('refuses a restore from a backup the source does not list, before creating anything', async () => {
    await h.create({
      apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
      kind: 'PostgreSQLServer',
      metadata: { name: 'wrong-restore', namespace: 'default' },
      spec: { size: { storageGB: 1 }, credentialsSecret: 'wrong-restore-credentials', restoreFrom: { server: 'demoteam', backup: '20190101T000000Z' } },
    });
    const ready = await h.waitForReady('PostgreSQLServer', 'wrong-restore', 'False', 'InvalidSpec');
    expect(ready.message).toMatch(/backup 20190101T000000Z is not listed by PostgreSQLServer demoteam; available: \d{8}T\d{6}Z/);
    await expect(h.kube.apps.readNamespacedStatefulSet({ name: 'wrong-restore-postgresql', namespace: 'default' })).rejects.toMatchObject({ code: 404 });
  });

  it('brings a new server up from a listed backup: Ready only after the restore Job, with the rows back', async () => {
    const backup = (await server('demoteam'))!.status!.backup!.lastSuccessful!.name;
    // The second server runs in the second test PostgreSQL; the fake kubelet serves only the first.
    h.kubelet.ignore.add('default/demoteam-restored-postgresql');
    await h.create({
      apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
      kind: 'PostgreSQLServer',
      metadata: { name: 'demoteam-restored', namespace: 'default' },
      spec: { size: { storageGB: 1 }, credentialsSecret: 'demoteam-restored-credentials', restoreFrom: { server: 'demoteam', backup } },
    });
    const adminPassword = await playServerIn(h, second, { statefulSet: 'demoteam-restored-postgresql', namespace: 'default', adminSecret: 'hybridcloud-pgserver-demoteam-restored' });
    await waitFor(async () => (await h.kube.batch.readNamespacedJob({ name: 'demoteam-restored-postgresql-restore', namespace: 'default' }).catch(() => undefined)) !== undefined, 20_000, () => 'restore Job');
    // Not Ready while the restore runs.
    await waitFor(async () => (await h.ready('PostgreSQLServer', 'demoteam-restored'))?.message.includes(`restoring backup ${backup} of server demoteam`) ?? false, 20_000, () => 'restoring');
    expect((await h.ready('PostgreSQLServer', 'demoteam-restored'))?.status).toBe('False');
    const restore = await h.kube.batch.readNamespacedJob({ name: 'demoteam-restored-postgresql-restore', namespace: 'default' });
    expect(restore.spec!.template.spec!.volumes).toContainEqual({ name: 'backup', persistentVolumeClaim: { claimName: 'demoteam-postgresql-backup', readOnly: true } });
    expect(await jobs.run(restore)).toBe(0);
    await resync('demoteam-restored');
    await h.waitForReady('PostgreSQLServer', 'demoteam-restored');
    const restored = await server('demoteam-restored');
    expect(restored?.status?.restoredFrom).toMatchObject({ server: 'demoteam', backup });
    const client = new pg.Client({ host: second.host, port: second.port, user: 'postgres', password: adminPassword, database: 'demoservice' });
    await client.connect();
    const rows = await client.query('SELECT id, item FROM orders ORDER BY id');
    const owner = await client.query("SELECT tableowner FROM pg_tables WHERE tablename = 'orders'");
    await client.end();
    expect(rows.rows).toEqual([{ id: 1, item: 'tea' }, { id: 2, item: 'scones' }]);
    expect(owner.rows[0].tableowner).toBe('demoservice');
  });

  it('never restores again over data in use: with the status and the restore Job both lost, the re-created Job finds the marker and rows written since survive', async () => {
    const before = (await server('demoteam-restored'))!.status!.restoredFrom!;
    const admin = await h.secret('hybridcloud-pgserver-demoteam-restored');
    const write = new pg.Client({ host: second.host, port: second.port, user: 'postgres', password: admin!.password!, database: 'demoservice' });
    await write.connect();
    await write.query("INSERT INTO orders (id, item) VALUES (3, 'written after the restore')");
    await write.end();
    await h.kube.batch.deleteNamespacedJob({ name: 'demoteam-restored-postgresql-restore', namespace: 'default' });
    await h.kube.custom.patchNamespacedCustomObjectStatus(
      { group: 'hybridcloud.maibornwolff.de', version: 'v1alpha1', namespace: 'default', plural: 'postgresqlservers', name: 'demoteam-restored', body: { status: { restoredFrom: null } } },
      mergePatchOptions(),
    );
    // A status change alone starts no reconcile: the next resync does. The operator starts the
    // restore again (here it cannot read the marker itself: its endpoint is the first server).
    expect((await server('demoteam-restored'))?.status?.restoredFrom).toBeUndefined();
    await resync('demoteam-restored');
    await waitFor(async () => (await h.kube.batch.readNamespacedJob({ name: 'demoteam-restored-postgresql-restore', namespace: 'default' }).catch(() => undefined)) !== undefined, 20_000, () => 'restore Job again');
    const again = await h.kube.batch.readNamespacedJob({ name: 'demoteam-restored-postgresql-restore', namespace: 'default' });
    expect(await jobs.run(again)).toBe(0);
    await resync('demoteam-restored');
    await h.waitForReady('PostgreSQLServer', 'demoteam-restored');
    expect((await server('demoteam-restored'))?.status?.restoredFrom).toMatchObject({ server: before.server, backup: before.backup });
    const read = new pg.Client({ host: second.host, port: second.port, user: 'postgres', password: admin!.password!, database: 'demoservice' });
    await read.connect();
    const rows = await read.query('SELECT id FROM orders ORDER BY id');
    await read.end();
    expect(rows.rows.map((r) => r.id)).toEqual([1, 2, 3]);
  });

  it('removes the CronJob when the server asks for 0 retention days, and keeps the claim with the backups', async () => {
    await h.patch('PostgreSQLServer', 'demoteam', { spec: { backup: { retentionDays: 0 } } });
    await waitFor(async () => (await h.kube.batch.readNamespacedCronJob({ name: 'demoteam-postgresql-backup', namespace: 'default' }).catch(() => undefined)) === undefined, 20_000, () => 'CronJob removed');
    const claim = await h.kube.core.readNamespacedPersistentVolumeClaim({ name: 'demoteam-postgresql-backup', namespace: 'default' });
    expect(claim.metadata?.deletionTimestamp).toBeUndefined();
    await waitFor(async () => (await server('demoteam'))?.status?.backup === undefined, 20_000, () => 'status.backup removed');
    await h.waitForReady('PostgreSQLServer', 'demoteam');
  });
});
