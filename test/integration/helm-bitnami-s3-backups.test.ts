/**
 * S3 backups of the helmbitnami backend, end to end (ADR 0023): the operator (in process, against
 * the fake API server) drives the recording helm stand-in, which renders the local Bitnami chart
 * fixture with the real helm and writes its objects. A release that backs up into the chart's
 * claim is switched to a bucket: the chart's backup CronJob goes (backup.enabled false, its claim
 * stays), the operator's own CronJob comes, with the dump in the release's image and the operator
 * image's uploader. The test plays the CronJob/Job controllers and the kubelet and runs the real
 * commands (the backup script against the test PostgreSQL, this checkout's `dist/src/main.js
 * backup-s3` against a local S3-compatible service); the server reports the backup, and a new
 * helm server restored from the bucket has the rows back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { BackupStatus } from '../../src/api/types.js';
import { FakeJobRunner } from '../support/fake-job-runner.js';
import { createHelmStub, type HelmStub } from '../support/helm-stub/index.js';
import { BITNAMI_CHART_FIXTURE, realHelmBinary } from '../support/helm-stub/real-helm.js';
import { Harness, waitFor } from '../support/operator-harness.js';
import { playServerIn } from '../support/played-server.js';
import { startPostgres, type TestPostgres } from '../support/postgres-server.js';
import { S3Emulator } from '../support/s3-emulator/index.js';

type Server = { metadata: { uid: string }; status?: { backup?: BackupStatus; restoredFrom?: Record<string, string> } };

const OPERATOR_IMAGE = 'registry.example/hybrid-cloud-postgresql-operator:9.9.9';
const KEY_ID = 'orders-team-backups';
const SECRET_KEY = 'do-not-leak-this-secret-key';
const RELEASE = 'orders-postgresql';
const RESTORED = 'orders-restored-postgresql';
const NS = 'default';
const BUCKET = { bucket: 'team-backups', region: 'eu-central-1', force_path_style: true, credentials_secret: 'backup-s3-credentials' };

describe('helmbitnami backups to an S3-compatible bucket (operator CronJob), and restore from it', () => {
  let h: Harness;
  let stub: HelmStub;
  let s3: S3Emulator;
  let second: TestPostgres;
  let jobs: FakeJobRunner;
  const previousImage = process.env.OPERATOR_IMAGE;

  const server = (name: string) => h.get<Server>('PostgreSQLServer', name);
  const resync = async (name: string) => {
    h.operator!['servers'].enqueue(NS, name);
    await new Promise((r) => setTimeout(r, 100));
    await h.operator!.whenIdle();
  };
  const cronJob = (name: string) => h.kube.batch.readNamespacedCronJob({ name, namespace: NS }).catch(() => undefined);
  const lastValues = async (release: string) => (await stub.release(NS, release))!.revisions.at(-1)!.values as Record<string, unknown>;
  const helmbitnami = () => h.config.backends.helmbitnami as Record<string, unknown>;

  beforeAll(async () => {
    // The chart passes the operator's own image; the uploader runs it.
    process.env.OPERATOR_IMAGE = OPERATOR_IMAGE;
    s3 = await S3Emulator.start({ buckets: ['team-backups'], accessKeys: { [KEY_ID]: SECRET_KEY } });
    stub = await createHelmStub({ realHelm: realHelmBinary() });
    // First without a bucket: backups in the chart's claim, as a release made before the switch.
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
            // The password as an env var, which the fake kubelet reads to play the image's first start.
            extra_values: { image: { registry: 'docker.io', repository: 'bitnamilegacy/postgresql' }, global: { security: { allowInsecureImages: true } }, auth: { usePasswordFiles: false } },
          },
        },
      },
    });
    await stub.connectApiServer(h.api.url);
    helmbitnami().operator_endpoint = `127.0.0.1:${h.pg.port}`;
    await h.stopOperator();
    await h.startOperator(h.config);
    second = await startPostgres();
    jobs = new FakeJobRunner(h.kube, { [`${RELEASE}.${NS}.svc`]: h.pg, [`${RESTORED}.${NS}.svc`]: second });
    await h.apply(readFileSync('examples/helmbitnami-server.yaml', 'utf8'));
    await h.waitForReady('PostgreSQLDatabase', 'orders-app', 'True', undefined, 90_000);
  }, 150_000);

  afterAll(async () => {
    if (previousImage === undefined) delete process.env.OPERATOR_IMAGE;
    else process.env.OPERATOR_IMAGE = previousImage;
    await h?.stop();
    await Promise.all([stub?.cleanup(), second?.stop(), s3?.stop()]);
    jobs?.cleanup();
  });

  it('switching the config to a bucket turns the chart\'s backup off (its claim stays) and makes the operator\'s own CronJob', async () => {
    expect(await cronJob(`${RELEASE}-pgdumpall`)).toBeDefined();
    await h.kube.core.readNamespacedPersistentVolumeClaim({ name: `${RELEASE}-pgdumpall`, namespace: NS });
    const revisions = (await stub.release(NS, RELEASE))!.revisions.length;

    helmbitnami().backup = { s3: { ...BUCKET, endpoint: s3.endpoint } };
    await h.stopOperator();
    await h.startOperator(h.config);
    await waitFor(async () => (await cronJob(`${RELEASE}-backup`)) !== undefined, 60_000, () => 'the operator\'s CronJob');

    // One upgrade: the chart's backup off in the values (no window: the pod does not restart).
    expect((await lastValues(RELEASE)).backup).toEqual({ enabled: false });
    expect((await stub.release(NS, RELEASE))!.revisions).toHaveLength(revisions + 1);
    expect(await cronJob(`${RELEASE}-pgdumpall`)).toBeUndefined();
    // helm.sh/resource-policy: keep — the backups made so far stay in the chart's claim.
    await h.kube.core.readNamespacedPersistentVolumeClaim({ name: `${RELEASE}-pgdumpall`, namespace: NS });
  });

  it('builds the CronJob as the statefulset backend\'s: the dump in the release\'s image, the uploader with the operator image, secrets by reference only', async () => {
    const cron = (await cronJob(`${RELEASE}-backup`))!;
    expect(cron.metadata!.ownerReferences).toEqual([expect.objectContaining({ kind: 'PostgreSQLServer', name: 'orders', uid: (await server('orders'))!.metadata.uid })]);
    const pod = cron.spec!.jobTemplate.spec!.template.spec!;
    expect(pod.initContainers?.map((c) => [c.name, c.image])).toEqual([['pg-dump', 'docker.io/bitnamilegacy/postgresql:16']]);
    expect(pod.containers.map((c) => [c.name, c.image, c.command?.at(-1)])).toEqual([['s3-upload', OPERATOR_IMAGE, 'upload']]);
    expect(pod.securityContext).toMatchObject({ runAsUser: 1001, runAsNonRoot: true });
    const dumpEnv = Object.fromEntries((pod.initContainers![0]!.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(dumpEnv).toMatchObject({ PGHOST: `${RELEASE}.${NS}.svc`, PGPORT: '5432', PGUSER: 'postgres', PGPASSWORD: { secretKeyRef: { name: 'hybridcloud-pgserver-orders', key: 'password' } } });
    const env = Object.fromEntries((pod.containers[0]!.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({ S3_BUCKET: 'team-backups', S3_ENDPOINT: s3.endpoint, S3_PREFIX: 'default/orders/', RETENTION_DAYS: '7' });
    expect(env.AWS_SECRET_ACCESS_KEY).toEqual({ secretKeyRef: { name: 'backup-s3-credentials', key: 'AWS_SECRET_ACCESS_KEY' } });
    // The server's data volume is 8 GB: the scratch space is what the claim would have been.
    expect(pod.volumes).toContainEqual({ name: 'backup', emptyDir: { sizeLimit: '16Gi' } });
    // Its pods stay out of the release's Services, which select on the instance label.
    const labels = cron.spec!.jobTemplate.spec!.template.metadata!.labels!;
    expect(labels).toMatchObject({ 'app.kubernetes.io/component': 'backup', 'hybridcloud.maibornwolff.de/server': 'orders' });
    expect(labels['app.kubernetes.io/instance']).toBeUndefined();
    const admin = await h.secret('hybridcloud-pgserver-orders');
    expect(JSON.stringify(cron)).not.toContain(admin!.password!);
  });

  it('says at once that the credentials Secret is missing; the warning goes once it is there', async () => {
    await resync('orders');
    await waitFor(async () => (await h.ready('PostgreSQLServer', 'orders'))?.message.includes('backups to S3 cannot run') ?? false, 20_000, () => 'warning');
    await h.kube.core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'backup-s3-credentials' }, stringData: { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET_KEY } } });
    await resync('orders');
    await waitFor(async () => !((await h.ready('PostgreSQLServer', 'orders'))?.message.includes('backups to S3')), 20_000, () => 'warning gone');
  });

  it('a job run stores the backup in the bucket; status.backup reports it', async () => {
    const app = await h.secret('orders-app-postgres-credentials');
    const client = new pg.Client({ host: '127.0.0.1', port: h.pg.port, user: app!.username, password: app!.password, database: app!.dbname });
    await client.connect();
    await client.query("CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders VALUES (1, 'tea'), (2, 'scones')");
    await client.end();
    const job = await jobs.jobFromCronJob(NS, `${RELEASE}-backup`);
    expect(JSON.stringify(job)).not.toContain(SECRET_KEY);
    expect(await jobs.run(job)).toBe(0);
    await resync('orders');
    await waitFor(async () => (await server('orders'))?.status?.backup?.lastSuccessful !== undefined, 20_000, () => 'lastSuccessful');
    const backup = (await server('orders'))!.status!.backup!;
    expect(backup.backups).toEqual([backup.lastSuccessful!.name]);
    expect(backup.lastSuccessful!.sizeBytes).toBeGreaterThan(0);
    expect(s3.keys('team-backups', `default/orders/${backup.lastSuccessful!.name}/`)).toContain(`default/orders/${backup.lastSuccessful!.name}/backup.json`);
  });

  it('restores a new helm server from the bucket: the restore Job downloads first, the rows come back', async () => {
    const backup = (await server('orders'))!.status!.backup!.lastSuccessful!.name;
    // One shared test PostgreSQL plays every release: the restored one is played by a second server.
    h.kubelet.ignore.add(`${NS}/${RESTORED}`);
    await h.create({
      apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1',
      kind: 'PostgreSQLServer',
      metadata: { name: 'orders-restored', namespace: NS },
      spec: { backend: 'helmbitnami', version: '16', size: { class: 'small', storageGB: 8 }, credentialsSecret: 'orders-restored-credentials', restoreFrom: { server: 'orders', backup } },
    });
    // helm writes the objects first, then records the release.
    await waitFor(async () => (await stub.release(NS, RESTORED)) !== undefined, 60_000, () => 'the release');
    expect((await lastValues(RESTORED)).backup).toEqual({ enabled: false });
    const adminPassword = await playServerIn(h, second, { statefulSet: RESTORED, namespace: NS, adminSecret: 'hybridcloud-pgserver-orders-restored' });
    await waitFor(async () => (await h.kube.batch.readNamespacedJob({ name: `${RESTORED}-restore`, namespace: NS }).catch(() => undefined)) !== undefined, 30_000, () => 'restore Job');
    const restore = await h.kube.batch.readNamespacedJob({ name: `${RESTORED}-restore`, namespace: NS });
    const pod = restore.spec!.template.spec!;
    expect(pod.initContainers?.map((c) => [c.name, c.image, c.command?.at(-1)])).toEqual([['s3-download', OPERATOR_IMAGE, 'download']]);
    expect(pod.containers.map((c) => [c.name, c.image])).toEqual([['pg-restore', 'docker.io/bitnamilegacy/postgresql:16']]);
    const env = Object.fromEntries((pod.initContainers![0]!.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    // The source's prefix, the team's Secret by reference.
    expect(env).toMatchObject({ S3_PREFIX: 'default/orders/', BACKUP_NAME: backup, AWS_ACCESS_KEY_ID: { secretKeyRef: { name: 'backup-s3-credentials', key: 'AWS_ACCESS_KEY_ID' } } });
    expect(pod.volumes).toContainEqual({ name: 'backup', emptyDir: { sizeLimit: '16Gi' } });
    expect(JSON.stringify(restore)).not.toContain(SECRET_KEY);
    expect(await jobs.run(restore)).toBe(0);
    await resync('orders-restored');
    await h.waitForReady('PostgreSQLServer', 'orders-restored');
    expect((await server('orders-restored'))?.status?.restoredFrom).toMatchObject({ server: 'orders', backup });
    const client = new pg.Client({ host: second.host, port: second.port, user: 'postgres', password: adminPassword, database: 'orders_app' });
    await client.connect();
    const rows = await client.query('SELECT id, item FROM orders ORDER BY id');
    await client.end();
    expect(rows.rows).toEqual([{ id: 1, item: 'tea' }, { id: 2, item: 'scones' }]);
  });

  it("removing the bucket from the config deletes the operator's CronJob and brings the chart's back", async () => {
    helmbitnami().backup = {};
    await h.stopOperator();
    await h.startOperator(h.config);
    await waitFor(async () => (await cronJob(`${RELEASE}-backup`)) === undefined && (await cronJob(`${RELEASE}-pgdumpall`)) !== undefined, 60_000, () => "the chart's CronJob back, the operator's gone");
    expect((await lastValues(RELEASE)).backup).toMatchObject({ enabled: true });
  });
});
