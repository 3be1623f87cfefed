import { createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { GROUP } from '../../api/constants.js';
import type { BackupPlan } from './backup-plan.js';
import { backupScript } from './backup-script.js';
import { verifiedTls } from './restore-job.js';
import { uploaderContainer, type S3Target } from './s3-backup-containers.js';

/**
 * The backup CronJob the operator makes itself (ADR 0020, 0023), for both in-cluster backends:
 * the statefulset backend's always, the helmbitnami backend's when backups go to a bucket (the
 * Bitnami chart's own CronJob has no room for the uploader). It runs the server's own image as
 * the image's non-root user, with the admin password from the operator's Secret (secretKeyRef:
 * never in the manifest), and verifies the server (`verify-full`) when it serves TLS.
 */
export interface BackupCronJobSpec {
  name: string;
  namespace: string;
  /** Labels of the CronJob. */
  labels: Record<string, string>;
  /** Labels of its Jobs and pods (never the server's Service selector). */
  podLabels: Record<string, string>;
  owner: k8s.V1OwnerReference;
  image: string;
  /** The server's Service host (a name its certificate carries), port and admin user. */
  host: string;
  port: number;
  user: string;
  adminSecret: { name: string; passwordKey: string };
  /**
   * Where backups go: the backup claim, or a bucket under `prefix` (ADR 0023): then the dump runs
   * as an init container into an emptyDir of at most `sizeGB`, and the uploader is the pod's only
   * regular container (its termination message is the report).
   */
  to: { claim: string } | { s3: { target: S3Target; prefix: string; sizeGB: number } };
  /** The image's non-root user (999 for the official image, 1001 for Bitnami's). */
  runAsUser: number;
  /** The server's certificate Secret when it serves TLS: the job then verifies the server (its `ca.crt` only is mounted). */
  tlsSecret?: string;
}

/** The hash of the CronJob's spec: observe compares it instead of the whole object (same key as the statefulset backend's StatefulSet). */
export const SPEC_HASH_ANNOTATION = `${GROUP}/spec-hash`;

const BACKUP_MOUNT = '/backup';

export function buildBackupCronJob(spec: BackupCronJobSpec, plan: BackupPlan): k8s.V1CronJob {
  const cron: k8s.V1CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels, ownerReferences: [spec.owner] },
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
        metadata: { labels: spec.podLabels },
        spec: { backoffLimit: 2, template: { metadata: { labels: spec.podLabels }, spec: jobPod(spec, plan.retentionDays) } },
      },
    },
  };
  cron.metadata!.annotations = { [SPEC_HASH_ANNOTATION]: createHash('sha256').update(JSON.stringify(cron.spec)).digest('hex').slice(0, 16) };
  return cron;
}

/**
 * The backup job's pod: the script with the claim mounted at /backup. With a bucket (ADR 0023)
 * the script runs as an init container into an emptyDir, and the uploader container (the pod's
 * only regular container, so its termination message is the report) stores it in the bucket.
 */
function jobPod(spec: BackupCronJobSpec, retentionDays: number): k8s.V1PodSpec {
  const tls = verifiedTls(spec.tlsSecret);
  const dump: k8s.V1Container = {
    name: 'pg-dump',
    image: spec.image,
    command: ['sh', '-c', backupScript(retentionDays)],
    env: [
      { name: 'PGHOST', value: spec.host },
      { name: 'PGPORT', value: String(spec.port) },
      { name: 'PGUSER', value: spec.user },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: spec.adminSecret.name, key: spec.adminSecret.passwordKey } } },
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
  const user = spec.runAsUser;
  return {
    restartPolicy: 'Never',
    enableServiceLinks: false,
    automountServiceAccountToken: false,
    securityContext: { runAsUser: user, runAsGroup: user, fsGroup: user, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    ...('s3' in spec.to
      ? { initContainers: [dump], containers: [uploaderContainer(spec.to.s3.target, spec.to.s3.prefix, { volume: 'backup', path: BACKUP_MOUNT, sizeGB: spec.to.s3.sizeGB }, retentionDays)] }
      : { containers: [dump] }),
    volumes: [
      's3' in spec.to ? { name: 'backup', emptyDir: { sizeLimit: `${spec.to.s3.sizeGB}Gi` } } : { name: 'backup', persistentVolumeClaim: { claimName: spec.to.claim } },
      { name: 'tmp', emptyDir: {} },
      ...tls.volumes,
    ],
  };
}
