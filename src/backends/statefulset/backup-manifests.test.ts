import { describe, expect, it } from '@jest/globals';
import type { ServerContext } from '../types.js';
import { backupScript, restoreScript } from '../common/backup-script.js';
import { backupName, buildBackupClaim, buildBackupCronJob, buildRestoreJob, restoreJobName, type BackupSettings } from './backup-manifests.js';
import { buildService, selectorLabels, SPEC_HASH_ANNOTATION } from './manifests.js';

const ctx: ServerContext = {
  namespace: 'team-a',
  name: 'demoteam',
  uid: 'uid-1',
  generation: 1,
  spec: { size: { storageGB: 20 }, credentialsSecret: 'c' },
  resolved: { version: '17', sizeClass: 'small' },
  adminPassword: 'secret-password-1',
  adminSecret: { name: 'hybridcloud-pgserver-demoteam', passwordKey: 'password' },
  owner: { apiVersion: 'hybridcloud.maibornwolff.de/v1alpha1', kind: 'PostgreSQLServer', name: 'demoteam', uid: 'uid-1', controller: true, blockOwnerDeletion: true },
  labels: { 'app.kubernetes.io/instance': 'demoteam-postgresql', 'app.kubernetes.io/managed-by': 'hybrid-cloud-postgresql-operator', 'hybridcloud.maibornwolff.de/server': 'demoteam' },
  state: {},
};
const settings: BackupSettings = { image: 'docker.io/library/postgres:17', adminUsername: 'pgadmin', storageGB: 40, storageClass: 'fast' };
const plan = { schedule: '30 3 * * *', retentionDays: 5 };

describe('backup CronJob of the statefulset backend', () => {
  const cron = buildBackupCronJob(ctx, plan, settings);
  const job = cron.spec!.jobTemplate.spec!;
  const pod = job.template.spec!;
  const container = pod.containers[0]!;
  const env = Object.fromEntries(container.env!.map((e) => [e.name, e]));

  it('runs on the schedule in UTC, one at a time, owned by the server', () => {
    expect(cron.metadata!.name).toBe('demoteam-postgresql-backup');
    expect(cron.spec).toMatchObject({ schedule: '30 3 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    expect(cron.metadata!.ownerReferences).toEqual([ctx.owner]);
    expect(pod.restartPolicy).toBe('Never');
  });

  it("uses the server's image and the backup script with the retention, into the backup claim", () => {
    expect(container.image).toBe('docker.io/library/postgres:17');
    expect(container.command).toEqual(['sh', '-c', backupScript(5)]);
    expect(container.command![2]).toContain('-mmin +7200');
    expect(pod.volumes).toContainEqual({ name: 'backup', persistentVolumeClaim: { claimName: backupName('demoteam') } });
    expect(container.volumeMounts).toContainEqual({ name: 'backup', mountPath: '/backup' });
    expect(env.BACKUP_DIR?.value).toBe('/backup');
    // The report (or the log's end on failure) is what the operator reads back.
    expect(container.terminationMessagePolicy).toBe('FallbackToLogsOnError');
  });

  it("reaches the server through its Service and reads the admin password from the operator's Secret, never inline", () => {
    expect(env.PGHOST?.value).toBe('demoteam-postgresql.team-a.svc');
    expect(env.PGPORT?.value).toBe('5432');
    expect(env.PGUSER?.value).toBe('pgadmin');
    expect(env.PGPASSWORD?.value).toBeUndefined();
    expect(env.PGPASSWORD?.valueFrom?.secretKeyRef).toEqual({ name: 'hybridcloud-pgserver-demoteam', key: 'password' });
    expect(JSON.stringify(cron)).not.toContain('secret-password-1');
  });

  it("runs as the server's non-root user, without privileges or a service account token", () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, fsGroup: 999 });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  it("keeps its pods out of the server's Service", () => {
    const selector = buildService(ctx, { image: '', cpu: '1', memory: '1Gi', adminUsername: 'pgadmin', serviceType: 'ClusterIP' }).spec!.selector!;
    expect(selector).toEqual(selectorLabels(ctx));
    const labels = job.template.metadata!.labels!;
    expect(Object.entries(selector).every(([k, v]) => labels[k] === v)).toBe(false);
    expect(labels['app.kubernetes.io/component']).toBe('backup');
    expect(labels['hybridcloud.maibornwolff.de/server']).toBe('demoteam');
  });

  it('changes its hash when the schedule or the retention changes, not otherwise', () => {
    const hash = (p: typeof plan) => buildBackupCronJob(ctx, p, settings).metadata!.annotations![SPEC_HASH_ANNOTATION];
    expect(hash(plan)).toBe(hash({ ...plan }));
    expect(hash({ ...plan, schedule: '0 2 * * *' })).not.toBe(hash(plan));
    expect(hash({ ...plan, retentionDays: 6 })).not.toBe(hash(plan));
  });
});

describe('backup claim', () => {
  it('is sized and classed by the config, carries the server labels (pvc_cleanup finds it) and no owner (backups outlive the server)', () => {
    const claim = buildBackupClaim(ctx, settings);
    expect(claim.metadata!.name).toBe('demoteam-postgresql-backup');
    expect(claim.metadata!.ownerReferences).toBeUndefined();
    expect(claim.metadata!.labels).toMatchObject(ctx.labels);
    expect(claim.spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '40Gi' } } });
  });
});

describe('restore Job', () => {
  const target: ServerContext = { ...ctx, name: 'demoteam-restored', adminSecret: { name: 'hybridcloud-pgserver-demoteam-restored', passwordKey: 'password' } };
  const job = buildRestoreJob(target, { server: 'demoteam', backup: '20261206T020000Z' }, settings);
  const pod = job.spec!.template.spec!;
  const env = Object.fromEntries(pod.containers[0]!.env!.map((e) => [e.name, e]));

  it("reads the source's backup claim read-only and restores into the new server with its own admin Secret", () => {
    expect(job.metadata!.name).toBe(restoreJobName('demoteam-restored'));
    expect(pod.volumes).toContainEqual({ name: 'backup', persistentVolumeClaim: { claimName: 'demoteam-postgresql-backup', readOnly: true } });
    expect(pod.containers[0]!.command).toEqual(['sh', '-c', restoreScript()]);
    expect(env.BACKUP_NAME?.value).toBe('20261206T020000Z');
    expect(env.PGHOST?.value).toBe('demoteam-restored-postgresql.team-a.svc');
    expect(env.PGPASSWORD?.valueFrom?.secretKeyRef?.name).toBe('hybridcloud-pgserver-demoteam-restored');
    expect(job.metadata!.ownerReferences).toEqual([target.owner]);
  });
});

describe('backup and restore of a server with TLS', () => {
  const tlsCtx: ServerContext = { ...ctx, state: { tls: { enabled: true, require: false, generation: 1 } } };

  it('verify the server against the CA, with only ca.crt of its certificate Secret mounted', () => {
    const cronPod = buildBackupCronJob(tlsCtx, plan, settings).spec!.jobTemplate.spec!.template.spec!;
    const restorePod = buildRestoreJob(tlsCtx, { server: 'old', backup: '20261206T020000Z' }, settings).spec!.template.spec!;
    for (const pod of [cronPod, restorePod]) {
      const c = pod.containers[0]!;
      const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value]));
      expect(env).toMatchObject({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/tls/ca.crt', PGHOST: 'demoteam-postgresql.team-a.svc' });
      expect(c.volumeMounts).toContainEqual({ name: 'server-ca', mountPath: '/tls', readOnly: true });
      expect(pod.volumes).toContainEqual({ name: 'server-ca', secret: { secretName: 'demoteam-postgresql-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    }
  });

  it('leave libpq alone when the server serves no TLS', () => {
    const c = buildBackupCronJob(ctx, plan, settings).spec!.jobTemplate.spec!.template.spec!.containers[0]!;
    expect(c.env!.map((e) => e.name)).not.toContain('PGSSLMODE');
  });

  it('the script verifies the server whenever a CA file is given (the Bitnami chart sets PGSSLROOTCERT)', () => {
    expect(backupScript(5)).toContain('if [ -n "${PGSSLROOTCERT:-}" ] && [ -f "$PGSSLROOTCERT" ]; then export PGSSLMODE=verify-full; fi');
    expect(restoreScript()).toContain('export PGSSLMODE=verify-full');
  });
});
