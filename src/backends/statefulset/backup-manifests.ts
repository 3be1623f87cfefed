import { createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { LABEL_COMPONENT, LABEL_INSTANCE } from '../../api/constants.js';
import type { RestoreSource } from '../../api/types.js';
import type { BackupPlan } from '../common/backup-plan.js';
import { backupScript } from '../common/backup-script.js';
import { buildRestoreJob as buildCommonRestoreJob, verifiedTls } from '../common/restore-job.js';
import { serverPrefix, uploaderContainer, type S3Target } from '../common/s3-backup-containers.js';
import { recordedTls } from '../common/tls/server-tls.js';
import type { ServerContext } from '../types.js';
import { PORT, SPEC_HASH_ANNOTATION, tlsSecretName, workloadName } from './manifests.js';

/**
 * Pure builders for the statefulset backend's backups (ADR 0020): the backup volume claim, the
 * CronJob that fills it, and the one-shot Job that restores a backup into a new server (built by
 * common/restore-job.ts). All run
 * the server's own image as the same non-root user as the server, with the admin password from
 * the operator's Secret (secretKeyRef: never in the manifest).
 */

const BACKUP_MOUNT = '/backup';

/** What the builders need beyond the context: resolved from the config by the backend. */
export interface BackupSettings {
  image: string;
  adminUsername: string;
  /** Size of the backup claim, or with S3 the most the emptyDir a backup is staged in may take. */
  storageGB: number;
  storageClass?: string;
  /** Backups go to this bucket instead of the claim (ADR 0023). */
  s3?: S3Target;
}

/** `<workload>-backup`: the CronJob and the claim of a server's backups. */
export const backupName = (server: string): string => `${workloadName(server)}-backup`;
/** `<workload>-restore`: the one-shot restore Job of a new server. */
export const restoreJobName = (server: string): string => `${workloadName(server)}-restore`;

/**
 * Labels of backup objects: the server's, with `component: backup`. Pods leave out the
 * instance label, so the server's Service (which selects on it) never sends clients to them.
 */
export function backupLabels(ctx: ServerContext, component: 'backup' | 'restore', forPods = false): Record<string, string> {
  const labels: Record<string, string> = { ...ctx.labels, [LABEL_COMPONENT]: component };
  if (forPods) delete labels[LABEL_INSTANCE];
  return labels;
}

/**
 * The claim backups go to. Not owned by the server: backups outlive it (a deleted server is what
 * they are for); deleted with the server's volumes only when `pvc_cleanup` is on.
 */
export function buildBackupClaim(ctx: ServerContext, settings: BackupSettings): k8s.V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: backupName(ctx.name), namespace: ctx.namespace, labels: backupLabels(ctx, 'backup') },
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(settings.storageClass ? { storageClassName: settings.storageClass } : {}),
      resources: { requests: { storage: `${settings.storageGB}Gi` } },
    },
  };
}

export function buildBackupCronJob(ctx: ServerContext, plan: BackupPlan, settings: BackupSettings): k8s.V1CronJob {
  const pod = jobPod(ctx, settings, backupName(ctx.name), backupScript(plan.retentionDays), plan.retentionDays);
  const cron: k8s.V1CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: backupName(ctx.name), namespace: ctx.namespace, labels: backupLabels(ctx, 'backup'), ownerReferences: [ctx.owner] },
    spec: {
      schedule: plan.schedule,
      timeZone: 'Etc/UTC',
      // A backup still running when the next is due: skip the next, never two dumps at once.
      concurrencyPolicy: 'Forbid',
      // An operator or cluster outage of under an hour still gets its backup.
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: backupLabels(ctx, 'backup', true) },
        spec: { backoffLimit: 2, template: { metadata: { labels: backupLabels(ctx, 'backup', true) }, spec: pod } },
      },
    },
  };
  cron.metadata!.annotations = { [SPEC_HASH_ANNOTATION]: createHash('sha256').update(JSON.stringify(cron.spec)).digest('hex').slice(0, 16) };
  return cron;
}

/** The Job that restores `source.backup` from the source server's backup claim into this server. */
export function buildRestoreJob(ctx: ServerContext, source: RestoreSource, settings: BackupSettings): k8s.V1Job {
  return buildCommonRestoreJob({
    name: restoreJobName(ctx.name),
    namespace: ctx.namespace,
    labels: backupLabels(ctx, 'restore', true),
    owner: ctx.owner,
    image: settings.image,
    host: `${workloadName(ctx.name)}.${ctx.namespace}.svc`,
    port: PORT,
    user: settings.adminUsername,
    adminSecret: ctx.adminSecret,
    claim: backupName(source.server),
    ...(settings.s3 ? { s3: { target: settings.s3, prefix: serverPrefix(settings.s3, ctx.namespace, source.server), sizeGB: settings.storageGB } } : {}),
    source,
    runAsUser: 999,
    ...(serverTlsSecret(ctx) ? { tlsSecret: serverTlsSecret(ctx) } : {}),
  });
}

/** The server's certificate Secret when the recorded state says it serves TLS (its pod mounts it). */
function serverTlsSecret(ctx: ServerContext): string | undefined {
  return recordedTls(ctx.state)?.enabled ? tlsSecretName(ctx.name) : undefined;
}

/**
 * The backup job's pod: the script with the claim mounted at /backup. With a bucket (ADR 0023)
 * the script runs as an init container into an emptyDir, and the uploader container (the pod's
 * only regular container, so its termination message is the report) stores it in the bucket.
 */
function jobPod(ctx: ServerContext, settings: BackupSettings, claim: string, script: string, retentionDays: number): k8s.V1PodSpec {
  const tls = verifiedTls(serverTlsSecret(ctx));
  const dump: k8s.V1Container = {
    name: 'pg-dump',
    image: settings.image,
    command: ['sh', '-c', script],
    env: [
      { name: 'PGHOST', value: `${workloadName(ctx.name)}.${ctx.namespace}.svc` },
      { name: 'PGPORT', value: String(PORT) },
      { name: 'PGUSER', value: settings.adminUsername },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: ctx.adminSecret.name, key: ctx.adminSecret.passwordKey } } },
      { name: 'BACKUP_DIR', value: BACKUP_MOUNT },
      ...tls.env,
    ],
    // The backup's report (success) or the log's tail (failure) becomes the pod's termination message.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    volumeMounts: [
      { name: 'backup', mountPath: BACKUP_MOUNT },
      { name: 'tmp', mountPath: '/tmp' },
      ...tls.mounts,
    ],
  };
  const s3 = settings.s3;
  return {
    restartPolicy: 'Never',
    enableServiceLinks: false,
    automountServiceAccountToken: false,
    securityContext: { runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    ...(s3 ? { initContainers: [dump], containers: [uploaderContainer(s3, serverPrefix(s3, ctx.namespace, ctx.name), { volume: 'backup', path: BACKUP_MOUNT, sizeGB: settings.storageGB }, retentionDays)] } : { containers: [dump] }),
    volumes: [
      s3 ? { name: 'backup', emptyDir: { sizeLimit: `${settings.storageGB}Gi` } } : { name: 'backup', persistentVolumeClaim: { claimName: claim } },
      { name: 'tmp', emptyDir: {} },
      ...tls.volumes,
    ],
  };
}
