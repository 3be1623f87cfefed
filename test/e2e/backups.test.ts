import { expect, it } from '@jest/globals';
import type * as k8s from '@kubernetes/client-node';
import { backupName } from '../../src/backends/statefulset/backup-manifests.js';
import { chartBackupName } from '../../src/backends/helm-bitnami/backup-values.js';
import { releaseName } from '../../src/backends/helm-bitnami/release-name.js';
import { serverManifest, SIMPLE } from './support/manifests.js';
import { describeE2E, e2eBackends, readSettings, type InClusterBackend } from './support/settings.js';
import { simpleExampleReady, useScenario } from './support/use-scenario.js';

type BackupStatus = { lastSuccessful?: { name: string; sizeBytes: number }; backups?: string[] };

/** The server's backup CronJob: the backend's own, or the one the Bitnami chart renders. */
const cronJobName = (backend: InClusterBackend, namespace: string, server: string): string =>
  backend === 'helmbitnami' ? chartBackupName(releaseName(namespace, server)) : backupName(server);

/**
 * In port-forward mode the operator reaches only the scenario's first server's pod, so it cannot
 * manage a second (restored) server: the restore needs cluster DNS or an endpoint template.
 */
const restoreReachable = readSettings().reach.kind !== 'port-forward';

/**
 * Backups and restore on each in-cluster backend: the server's backup CronJob is run at once (as
 * `kubectl create job --from=cronjob/…` does) over TLS with verify-full, the server reports the
 * backup, and a new server restored from it has the rows back and carries the restore's marker.
 */
for (const backend of e2eBackends()) {
  describeE2E(`e2e: backups and restore (${backend})`, () => {
    const s = useScenario({ server: SIMPLE.server, backend }, simpleExampleReady);
    let backup: BackupStatus | undefined;

    it('runs the backup CronJob (verifying the server) and reports the backup in status', async () => {
      const made = await s.psql(SIMPLE.databaseSecret, `psql -X -v ON_ERROR_STOP=1 -c "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1), (2)"`, 'seed');
      expect(made.phase).toBe('Succeeded');
      const cronName = cronJobName(backend, s.namespace, SIMPLE.server);
      await s.waitUntil(async () => (await s.kube.batch.readNamespacedCronJob({ name: cronName, namespace: s.namespace }).catch(() => undefined)) !== undefined, () => `the backup CronJob ${cronName}`);
      const cron = await s.kube.batch.readNamespacedCronJob({ name: cronName, namespace: s.namespace });
      // The password goes only to the verified server (the env of the statefulset's job, the command of the chart's).
      expect(JSON.stringify(cron.spec!.jobTemplate.spec!.template)).toContain('verify-full');
      const job: k8s.V1Job = {
        metadata: { name: `${cronName}-now`, labels: cron.spec!.jobTemplate.metadata?.labels, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronName, uid: cron.metadata!.uid! }] },
        spec: cron.spec!.jobTemplate.spec,
      };
      await s.kube.batch.createNamespacedJob({ namespace: s.namespace, body: job });
      await s.waitUntil(async () => {
        // A label change makes the operator look again before its resync.
        await s.label('PostgreSQLServer', SIMPLE.server, { 'e2e/poke': String(Date.now()) });
        backup = ((await s.get('PostgreSQLServer', SIMPLE.server)) as { status?: { backup?: BackupStatus } } | undefined)?.status?.backup;
        return backup?.lastSuccessful !== undefined;
      }, () => `status.backup.lastSuccessful; last: ${JSON.stringify(backup)}`, 5000);
      expect(backup!.lastSuccessful!.sizeBytes).toBeGreaterThan(0);
    });

    (restoreReachable ? it : it.skip)('restores the backup into a new server: the rows back, status.restoredFrom and the marker in the data', async () => {
      expect(backup?.lastSuccessful).toBeDefined();
      const name = backup!.lastSuccessful!.name;
      await s.create(serverManifest('demoteam-restored', { restoreFrom: { server: SIMPLE.server, backup: name } }));
      await s.waitForReady('PostgreSQLServer', 'demoteam-restored');
      const restored = await s.get('PostgreSQLServer', 'demoteam-restored');
      expect(restored?.status?.backend).toBe(backend);
      expect(restored?.status?.restoredFrom).toMatchObject({ server: SIMPLE.server, backup: name });
      const rows = await s.psql('demoteam-restored-credentials', 'psql -X -tA -v ON_ERROR_STOP=1 -d demoservice -c "SELECT count(*) FROM orders"', 'restored');
      expect(rows.logs.trim()).toBe('2');
      const marker = await s.adminQuery('demoteam-restored-credentials', "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'postgres'");
      expect(marker).toContain('hybridcloud.maibornwolff.de/restored-from ');
      expect(marker).toContain(name);
    });
  });
}
