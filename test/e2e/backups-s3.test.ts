import { describe, expect, it } from '@jest/globals';
import type * as k8s from '@kubernetes/client-node';
import { backupName } from '../../src/backends/statefulset/backup-manifests.js';
import { bucketBackupName } from '../../src/backends/helm-bitnami/bucket-backups.js';
import { releaseName } from '../../src/backends/helm-bitnami/release-name.js';
import { serverManifest, SIMPLE } from './support/manifests.js';
import { describeE2E, e2eBackends, type InClusterBackend } from './support/settings.js';
import { simpleExampleReady, useScenario } from './support/use-scenario.js';

type BackupStatus = { lastSuccessful?: { name: string; sizeBytes: number }; backups?: string[] };

/** The operator's backup CronJob of a server: the statefulset backend's, or the one it makes for a release when backups go to a bucket. */
const cronJobName = (backend: InClusterBackend, namespace: string, server: string): string =>
  backend === 'helmbitnami' ? bucketBackupName(releaseName(namespace, server)) : backupName(server);

/**
 * Backups to an S3-compatible bucket and a restore from it (ADR 0023), on a real cluster, for each
 * in-cluster backend (helmbitnami: the operator's CronJob instead of the chart's). Needs a
 * bucket the cluster's pods reach and an operator image the cluster can pull (the uploader runs
 * it): E2E_S3_BUCKET, E2E_S3_ENDPOINT ("" = AWS), E2E_S3_REGION, E2E_S3_ACCESS_KEY_ID,
 * E2E_S3_SECRET_ACCESS_KEY, E2E_OPERATOR_IMAGE. Skipped without them.
 */
const env = process.env;
const s3Ready = Boolean(env.E2E_S3_BUCKET && env.E2E_S3_ACCESS_KEY_ID && env.E2E_S3_SECRET_ACCESS_KEY && env.E2E_OPERATOR_IMAGE);
const describeS3 = s3Ready ? describeE2E : describe.skip;

for (const backend of e2eBackends()) {
  describeS3(`e2e: backups to an S3-compatible bucket and restore from it (${backend})`, () => {
    const s = useScenario({ server: SIMPLE.server, backend, startOperator: false }, async () => {
      s.operator.reconfigure((config) => {
        const backends = config.backends as Record<InClusterBackend, Record<string, unknown>>;
        backends[backend].backup = {
          s3: {
            bucket: env.E2E_S3_BUCKET,
            endpoint: env.E2E_S3_ENDPOINT ?? '',
            region: env.E2E_S3_REGION || 'us-east-1',
            force_path_style: Boolean(env.E2E_S3_ENDPOINT),
            credentials_secret: 'backup-s3-credentials',
            uploader_image: env.E2E_OPERATOR_IMAGE,
          },
        };
      });
      await s.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'backup-s3-credentials' }, stringData: { AWS_ACCESS_KEY_ID: env.E2E_S3_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: env.E2E_S3_SECRET_ACCESS_KEY } });
      s.operator.start();
      await simpleExampleReady(s);
    });

    it('runs the backup CronJob into the bucket, reports it in status and restores it into a new server', async () => {
      const made = await s.psql(SIMPLE.databaseSecret, `psql -X -v ON_ERROR_STOP=1 -c "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1), (2)"`, 'seed');
      expect(made.phase).toBe('Succeeded');
      const cronName = cronJobName(backend, s.namespace, SIMPLE.server);
      await s.waitUntil(async () => (await s.kube.batch.readNamespacedCronJob({ name: cronName, namespace: s.namespace }).catch(() => undefined)) !== undefined, () => 'the backup CronJob');
      const cron = await s.kube.batch.readNamespacedCronJob({ name: cronName, namespace: s.namespace });
      expect(cron.spec!.jobTemplate.spec!.template.spec!.containers[0]!.name).toBe('s3-upload');
      // The password goes only to the verified server.
      expect(JSON.stringify(cron.spec!.jobTemplate.spec!.template)).toContain('verify-full');
      const job: k8s.V1Job = {
        metadata: { name: `${cronName}-now`, labels: cron.spec!.jobTemplate.metadata?.labels, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronName, uid: cron.metadata!.uid! }] },
        spec: cron.spec!.jobTemplate.spec,
      };
      await s.kube.batch.createNamespacedJob({ namespace: s.namespace, body: job });
      let backup: BackupStatus | undefined;
      await s.waitUntil(async () => {
        await s.label('PostgreSQLServer', SIMPLE.server, { 'e2e/poke': String(Date.now()) });
        backup = ((await s.get('PostgreSQLServer', SIMPLE.server)) as { status?: { backup?: BackupStatus } } | undefined)?.status?.backup;
        return backup?.lastSuccessful !== undefined;
      }, () => `status.backup.lastSuccessful; last: ${JSON.stringify(backup)}`, 5000);
      expect(backup!.lastSuccessful!.sizeBytes).toBeGreaterThan(0);

      await s.create(serverManifest('demoteam-restored', { restoreFrom: { server: SIMPLE.server, backup: backup!.lastSuccessful!.name } }));
      await s.waitForReady('PostgreSQLServer', 'demoteam-restored');
      expect((await s.get('PostgreSQLServer', 'demoteam-restored'))?.status?.backend).toBe(backend);
      const rows = await s.psql('demoteam-restored-credentials', 'psql -X -tA -v ON_ERROR_STOP=1 -d demoservice -c "SELECT count(*) FROM orders"', 'restored');
      expect(rows.logs.trim()).toBe('2');
    });
  });
}
