import type * as k8s from '@kubernetes/client-node';
import { LABEL_COMPONENT, LABEL_INSTANCE } from '../../api/constants.js';
import type { RestoreSource } from '../../api/types.js';
import type { BackupPlan } from '../common/backup-plan.js';
import { buildBackupCronJob as buildCommonBackupCronJob } from '../common/backup-cronjob.js';
import { buildRestoreJob as buildCommonRestoreJob } from '../common/restore-job.js';
import { serverPrefix, type S3Target } from '../common/s3-backup-containers.js';
import { recordedTls } from '../common/tls/server-tls.js';
import type { ServerContext } from '../types.js';
import { PORT, tlsSecretName, workloadName } from './manifests.js';

/**
 * Pure builders for the statefulset backend's backups (ADR 0020): the backup volume claim, the
 * CronJob that fills it, and the one-shot Job that restores a backup into a new server (the Jobs
 * built by common/backup-cronjob.ts and common/restore-job.ts). All run the server's own image
 * as the same non-root user as the server, with the admin password from the operator's Secret
 * (secretKeyRef: never in the manifest).
 */

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

/** The server's backup CronJob (built by common/backup-cronjob.ts, as the helmbitnami backend's for a bucket). */
export function buildBackupCronJob(ctx: ServerContext, plan: BackupPlan, settings: BackupSettings): k8s.V1CronJob {
  return buildCommonBackupCronJob({
    name: backupName(ctx.name),
    namespace: ctx.namespace,
    labels: backupLabels(ctx, 'backup'),
    podLabels: backupLabels(ctx, 'backup', true),
    owner: ctx.owner,
    image: settings.image,
    host: `${workloadName(ctx.name)}.${ctx.namespace}.svc`,
    port: PORT,
    user: settings.adminUsername,
    adminSecret: ctx.adminSecret,
    to: settings.s3 ? { s3: { target: settings.s3, prefix: serverPrefix(settings.s3, ctx.namespace, ctx.name), sizeGB: settings.storageGB } } : { claim: backupName(ctx.name) },
    runAsUser: 999,
    ...(serverTlsSecret(ctx) ? { tlsSecret: serverTlsSecret(ctx) } : {}),
  }, plan);
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
