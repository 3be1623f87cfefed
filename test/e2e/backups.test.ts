import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type * as k8s from '@kubernetes/client-node';
import { E2eScenario } from './support/scenario.js';
import { serverManifest, SIMPLE } from './support/manifests.js';
import { describeE2E } from './support/settings.js';

type BackupStatus = { lastSuccessful?: { name: string; sizeBytes: number }; backups?: string[] };

/**
 * Backups and restore on the in-cluster backend: the operator's CronJob is run at once (as
 * `kubectl create job --from=cronjob/…` does), the server reports the backup, and a new server
 * restored from it has the rows back.
 */
describeE2E('e2e: backups and restore', () => {
  let s: E2eScenario;

  beforeAll(async () => {
    s = await E2eScenario.setup({ server: SIMPLE.server });
    await s.applyExample(SIMPLE.file);
    await s.waitForReady('PostgreSQLDatabase', SIMPLE.database);
  });

  afterAll(async () => {
    await s?.teardown();
  });

  it('runs the backup CronJob, reports the backup in status and restores it into a new server', async () => {
    const made = await s.psql(SIMPLE.databaseSecret, `psql -X -v ON_ERROR_STOP=1 -c "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1), (2)"`, 'seed');
    expect(made.phase).toBe('Succeeded');
    const cronName = 'demoteam-postgresql-backup';
    await s.waitUntil(async () => (await s.kube.batch.readNamespacedCronJob({ name: cronName, namespace: s.namespace }).catch(() => undefined)) !== undefined, () => 'the backup CronJob');
    const cron = await s.kube.batch.readNamespacedCronJob({ name: cronName, namespace: s.namespace });
    const job: k8s.V1Job = {
      metadata: { name: `${cronName}-now`, labels: cron.spec!.jobTemplate.metadata?.labels, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronName, uid: cron.metadata!.uid! }] },
      spec: cron.spec!.jobTemplate.spec,
    };
    await s.kube.batch.createNamespacedJob({ namespace: s.namespace, body: job });
    let backup: BackupStatus | undefined;
    await s.waitUntil(async () => {
      // A label change makes the operator look again before its resync.
      await s.label('PostgreSQLServer', SIMPLE.server, { 'e2e/poke': String(Date.now()) });
      backup = ((await s.get('PostgreSQLServer', SIMPLE.server)) as { status?: { backup?: BackupStatus } } | undefined)?.status?.backup;
      return backup?.lastSuccessful !== undefined;
    }, () => `status.backup.lastSuccessful; last: ${JSON.stringify(backup)}`, 5000);
    expect(backup!.lastSuccessful!.sizeBytes).toBeGreaterThan(0);

    await s.create(serverManifest('demoteam-restored', { restoreFrom: { server: SIMPLE.server, backup: backup!.lastSuccessful!.name } }));
    await s.waitForReady('PostgreSQLServer', 'demoteam-restored');
    const count = await s.adminQuery('demoteam-restored-credentials', 'SELECT 1');
    expect(count).toBe('1');
    const rows = await s.psql('demoteam-restored-credentials', 'psql -X -tA -v ON_ERROR_STOP=1 -d demoservice -c "SELECT count(*) FROM orders"', 'restored');
    expect(rows.logs.trim()).toBe('2');
  });
});
