/**
 * S3 backups of the statefulset backend, end to end (ADR 0023): the operator (in process, against
 * the fake API server) with `backup.s3` pointing at a local S3-compatible service builds the
 * backup CronJob (dump in an init container, the operator image's uploader after it) and the
 * restore Job (download first); the test plays the CronJob/Job controllers and the kubelet and
 * runs their real commands (the backup script against the test PostgreSQL, this checkout's
 * `dist/src/main.js backup-s3`), and the operator reports the backup and restores it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { BackupStatus } from '../../src/api/types.js';
import { FakeJobRunner } from '../support/fake-job-runner.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';
import { Harness, waitFor } from '../support/operator-harness.js';
import { playServerIn } from '../support/played-server.js';
import { S3Emulator } from '../support/s3-emulator/index.js';

type Server = { status?: { backup?: BackupStatus; restoredFrom?: Record<string, string>; conditions?: Array<{ type: string; status: string; reason: string; message: string }> } };

const OPERATOR_IMAGE = 'registry.example/hybrid-cloud-postgresql-operator:9.9.9';
const KEY_ID = 'demoteam-backups';
const SECRET_KEY = 'do-not-leak-this-secret-key';

describe('statefulset backups to an S3-compatible bucket, and restore from it', () => {
  let h: Harness;
  let s3: S3Emulator;
  let second: TestPostgres;
  let jobs: FakeJobRunner;
  const previousImage = process.env.OPERATOR_IMAGE;

  const server = (name: string) => h.get<Server>('PostgreSQLServer', name);
  const resync = async (name: string) => {
    h.operator!['servers'].enqueue('default', name);
    await new Promise((r) => setTimeout(r, 100));
    await h.operator!.whenIdle();
  };
  const cronJob = () => h.kube.batch.readNamespacedCronJob({ name: 'demoteam-postgresql-backup', namespace: 'default' });

  beforeAll(async () => {
    // The chart passes the operator's own image; the uploader runs it.
    process.env.OPERATOR_IMAGE = OPERATOR_IMAGE;
    s3 = await S3Emulator.start({ buckets: ['team-backups'], accessKeys: { [KEY_ID]: SECRET_KEY } });
    h = await Harness.start({
      config: { backends: { statefulset: { backup: { s3: { bucket: 'team-backups', endpoint: s3.endpoint, region: 'eu-central-1', force_path_style: true, credentials_secret: 'backup-s3-credentials' } } } } },
    });
    second = await startPostgres();
    jobs = new FakeJobRunner(h.kube, { 'demoteam-postgresql.default.svc': h.pg, 'demoteam-restored-postgresql.default.svc': second });
    await h.apply(readFileSync('examples/simple.yaml', 'utf8'));
    await h.waitForReady('PostgreSQLDatabase', 'demoservice');
  });

  afterAll(async () => {
    if (previousImage === undefined) delete process.env.OPERATOR_IMAGE;
    else process.env.OPERATOR_IMAGE = previousImage;
    await h?.stop();
    await Promise.all([second?.stop(), s3?.stop()]);
    jobs?.cleanup();
  });

  it('builds the CronJob: the dump as init container into an emptyDir, then the uploader with the operator image and the team Secret by reference; no claim', async () => {
    await waitFor(async () => (await cronJob().catch(() => undefined)) !== undefined, 20_000, () => 'CronJob created');
    const pod = (await cronJob()).spec!.jobTemplate.spec!.template.spec!;
    expect(pod.initContainers?.map((c) => [c.name, c.image])).toEqual([['pg-dump', 'docker.io/library/postgres:17']]);
    expect(pod.containers.map((c) => [c.name, c.image])).toEqual([['s3-upload', OPERATOR_IMAGE]]);
    const upload = pod.containers[0]!;
    expect(upload.command).toEqual(['node', 'dist/src/main.js', 'backup-s3', 'upload']);
    const env = Object.fromEntries((upload.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({ S3_BUCKET: 'team-backups', S3_ENDPOINT: s3.endpoint, S3_REGION: 'eu-central-1', S3_PREFIX: 'default/demoteam/', S3_FORCE_PATH_STYLE: 'true', RETENTION_DAYS: '7', BACKUP_DIR: '/backup' });
    expect(env.AWS_ACCESS_KEY_ID).toEqual({ secretKeyRef: { name: 'backup-s3-credentials', key: 'AWS_ACCESS_KEY_ID' } });
    expect(env.AWS_SECRET_ACCESS_KEY).toEqual({ secretKeyRef: { name: 'backup-s3-credentials', key: 'AWS_SECRET_ACCESS_KEY' } });
    expect(upload.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(upload.volumeMounts).toContainEqual({ name: 'backup', mountPath: '/backup', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'backup', emptyDir: { sizeLimit: '2Gi' } });
    await expect(h.kube.core.readNamespacedPersistentVolumeClaim({ name: 'demoteam-postgresql-backup', namespace: 'default' })).rejects.toMatchObject({ code: 404 });
  });

  it('says at once that the credentials Secret is missing from the server\'s namespace (the job would wait forever)', async () => {
    await resync('demoteam');
    await waitFor(async () => (await h.ready('PostgreSQLServer', 'demoteam'))?.message.includes('backups to S3 cannot run') ?? false, 20_000, () => 'warning');
    expect((await h.ready('PostgreSQLServer', 'demoteam'))?.message).toContain('Secret backup-s3-credentials in namespace default with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    await h.kube.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'backup-s3-credentials' }, stringData: { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET_KEY } } });
    await resync('demoteam');
    await waitFor(async () => !((await h.ready('PostgreSQLServer', 'demoteam'))?.message.includes('backups to S3')), 20_000, () => 'warning gone');
  });

  it('stores a backup in the bucket and reports it in status.backup; no secret value in any manifest', async () => {
    const admin = await h.secret('hybridcloud-pgserver-demoteam');
    const client = new pg.Client({ host: h.pg.host, port: h.pg.port, user: 'postgres', password: admin!.password!, database: 'demoservice' });
    await client.connect();
    await client.query("CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders VALUES (1, 'tea'), (2, 'scones'); ALTER TABLE orders OWNER TO demoservice");
    await client.end();
    const job = await jobs.jobFromCronJob('default', 'demoteam-postgresql-backup');
    expect(JSON.stringify(job)).not.toContain(SECRET_KEY);
    expect(JSON.stringify(job)).not.toContain(admin!.password!);
    expect(await jobs.run(job)).toBe(0);
    await resync('demoteam');
    await waitFor(async () => (await server('demoteam'))?.status?.backup?.lastSuccessful !== undefined, 20_000, () => 'lastSuccessful');
    const backup = (await server('demoteam'))!.status!.backup!;
    expect(backup.backups).toEqual([backup.lastSuccessful!.name]);
    expect(s3.keys('team-backups', `default/demoteam/${backup.lastSuccessful!.name}/`)).toContain(`default/demoteam/${backup.lastSuccessful!.name}/backup.json`);
    expect(backup.lastSuccessful!.sizeBytes).toBeGreaterThan(0);
  });

  it('reports a failed dump (init container) and a failed upload (uploader) with the end of their logs', async () => {
    expect(await jobs.run(await jobs.jobFromCronJob('default', 'demoteam-postgresql-backup'), { PGPASSWORD: 'wrong-password' })).not.toBe(0);
    await resync('demoteam');
    await waitFor(async () => /password authentication failed/.test((await server('demoteam'))?.status?.backup?.lastFailure?.message ?? ''), 20_000, () => 'dump failure');
    await new Promise((r) => setTimeout(r, 1100));
    expect(await jobs.run(await jobs.jobFromCronJob('default', 'demoteam-postgresql-backup'), { AWS_ACCESS_KEY_ID: 'not-a-key' })).not.toBe(0);
    await resync('demoteam');
    await waitFor(async () => /backup-s3 upload: .*Access Key Id/.test((await server('demoteam'))?.status?.backup?.lastFailure?.message ?? ''), 20_000, () => 'upload failure');
  });

  it('restores a new server from the bucket: the restore Job downloads first, the rows come back', async () => {
    const backup = (await server('demoteam'))!.status!.backup!.lastSuccessful!.name;
    h.kubelet.ignore.add('default/demoteam-restored-postgresql');
    await h.create({
      apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
      kind: 'PostgreSQLServer',
      metadata: { name: 'demoteam-restored', namespace: 'default' },
      spec: { size: { storageGB: 1 }, credentialsSecret: 'demoteam-restored-credentials', restoreFrom: { server: 'demoteam', backup } },
    });
    const adminPassword = await playServerIn(h, second, { statefulSet: 'demoteam-restored-postgresql', namespace: 'default', adminSecret: 'hybridcloud-pgserver-demoteam-restored' });
    await waitFor(async () => (await h.kube.batch.readNamespacedJob({ name: 'demoteam-restored-postgresql-restore', namespace: 'default' }).catch(() => undefined)) !== undefined, 20_000, () => 'restore Job');
    const restore = await h.kube.batch.readNamespacedJob({ name: 'demoteam-restored-postgresql-restore', namespace: 'default' });
    const pod = restore.spec!.template.spec!;
    expect(pod.initContainers?.map((c) => [c.name, c.image, c.command?.at(-1)])).toEqual([['s3-download', OPERATOR_IMAGE, 'download']]);
    const env = Object.fromEntries((pod.initContainers![0]!.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    // The source's prefix, the team's Secret by reference.
    expect(env).toMatchObject({ S3_PREFIX: 'default/demoteam/', BACKUP_NAME: backup, AWS_SECRET_ACCESS_KEY: { secretKeyRef: { name: 'backup-s3-credentials', key: 'AWS_SECRET_ACCESS_KEY' } } });
    expect(pod.volumes).toContainEqual({ name: 'backup', emptyDir: { sizeLimit: '2Gi' } });
    expect(JSON.stringify(restore)).not.toContain(SECRET_KEY);
    expect(await jobs.run(restore)).toBe(0);
    await resync('demoteam-restored');
    await h.waitForReady('PostgreSQLServer', 'demoteam-restored');
    expect((await server('demoteam-restored'))?.status?.restoredFrom).toMatchObject({ server: 'demoteam', backup });
    const client = new pg.Client({ host: second.host, port: second.port, user: 'postgres', password: adminPassword, database: 'demoservice' });
    await client.connect();
    const rows = await client.query('SELECT id, item FROM orders ORDER BY id');
    await client.end();
    expect(rows.rows).toEqual([{ id: 1, item: 'tea' }, { id: 2, item: 'scones' }]);
  });
});
