import type * as k8s from '@kubernetes/client-node';
import type { RestoreSource } from '../../api/types.js';
import { isNotFound, type KubeClients } from '../../k8s/clients.js';
import { jobCondition, lastLines, terminationMessage } from './backup-plan.js';
import { restoreScript } from './backup-script.js';
import { downloaderContainer, type S3Target } from './s3-backup-containers.js';

/**
 * The one-shot Job that restores a backup into a new in-cluster server (ADR 0020), for both
 * in-cluster backends: the source's backup claim mounted read-only, the server's own image, the
 * new server's admin password from the operator's Secret (secretKeyRef, never inline).
 */
export interface RestoreJobSpec {
  name: string;
  namespace: string;
  /** Labels of the Job and its pod (never the server's Service selector). */
  labels: Record<string, string>;
  owner: k8s.V1OwnerReference;
  image: string;
  /** The new server's Service host, port and admin user. */
  host: string;
  port: number;
  user: string;
  adminSecret: { name: string; passwordKey: string };
  /** The source server's backup claim. */
  claim: string;
  /**
   * The source's backups are in a bucket (ADR 0023): an init container downloads the backup into
   * an emptyDir (at most `sizeGB`), from which the restore runs; the claim is not used.
   */
  s3?: { target: S3Target; prefix: string; sizeGB: number };
  source: RestoreSource;
  /** The image's non-root user (999 for the official image, 1001 for Bitnami's). */
  runAsUser: number;
  /** The server's certificate Secret when it serves TLS: the job then verifies the server (its `ca.crt` only is mounted). */
  tlsSecret?: string;
}

const BACKUP_MOUNT = '/backup';
const CA_MOUNT = '/tls';
const CA_KEY = 'ca.crt';

/**
 * What a backup or restore pod needs to send the password only to the real server: `verify-full`
 * against the operator's CA (the host must be a name the certificate carries, the Service's),
 * with only `ca.crt` of the server's certificate Secret mounted (never its private key).
 * Without TLS on the server: nothing (libpq's default).
 */
export function verifiedTls(tlsSecret: string | undefined): { env: k8s.V1EnvVar[]; mounts: k8s.V1VolumeMount[]; volumes: k8s.V1Volume[] } {
  if (!tlsSecret) return { env: [], mounts: [], volumes: [] };
  return {
    env: [
      { name: 'PGSSLMODE', value: 'verify-full' },
      { name: 'PGSSLROOTCERT', value: `${CA_MOUNT}/${CA_KEY}` },
    ],
    mounts: [{ name: 'server-ca', mountPath: CA_MOUNT, readOnly: true }],
    volumes: [{ name: 'server-ca', secret: { secretName: tlsSecret, items: [{ key: CA_KEY, path: CA_KEY }] } }],
  };
}

export function buildRestoreJob(r: RestoreJobSpec): k8s.V1Job {
  const tls = verifiedTls(r.tlsSecret);
  const backupVolume: k8s.V1Volume = r.s3
    ? { name: 'backup', emptyDir: { sizeLimit: `${r.s3.sizeGB}Gi` } }
    : { name: 'backup', persistentVolumeClaim: { claimName: r.claim, readOnly: true } };
  const pod: k8s.V1PodSpec = {
    restartPolicy: 'Never',
    enableServiceLinks: false,
    automountServiceAccountToken: false,
    securityContext: { runAsUser: r.runAsUser, runAsGroup: r.runAsUser, fsGroup: r.runAsUser, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    ...(r.s3 ? { initContainers: [downloaderContainer(r.s3.target, r.s3.prefix, { volume: 'backup', path: BACKUP_MOUNT }, r.source.backup)] } : {}),
    containers: [
      {
        name: 'pg-restore',
        image: r.image,
        command: ['sh', '-c', restoreScript()],
        env: [
          { name: 'PGHOST', value: r.host },
          { name: 'PGPORT', value: String(r.port) },
          { name: 'PGUSER', value: r.user },
          { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: r.adminSecret.name, key: r.adminSecret.passwordKey } } },
          { name: 'BACKUP_DIR', value: BACKUP_MOUNT },
          { name: 'BACKUP_NAME', value: r.source.backup },
          { name: 'RESTORE_SOURCE', value: r.source.server },
          ...tls.env,
        ],
        // The end of the log becomes the pod's termination message when the restore fails.
        terminationMessagePolicy: 'FallbackToLogsOnError',
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        volumeMounts: [
          { name: 'backup', mountPath: BACKUP_MOUNT, readOnly: true },
          { name: 'tmp', mountPath: '/tmp' },
          ...tls.mounts,
        ],
      },
    ],
    volumes: [
      backupVolume,
      { name: 'tmp', emptyDir: {} },
      ...tls.volumes,
    ],
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: r.name, namespace: r.namespace, labels: r.labels, ownerReferences: [r.owner] },
    // A failed restore is retried from the start (pg_restore --clean); after three it is reported.
    spec: { backoffLimit: 2, template: { metadata: { labels: r.labels }, spec: pod } },
  };
}

export type RestoreObservation =
  | { phase: 'none' }
  | { phase: 'start'; message: string }
  | { phase: 'running'; message: string }
  | { phase: 'failed'; message: string }
  | { phase: 'done'; restoredFrom: RestoreSource & { at: string } };

/**
 * Where the restore of `source` by the Job `jobName` stands (read-only). Only a Job owned by this
 * server (`ownerUid`) counts: one of a deleted namesake, not yet collected, is waited out.
 */
export async function observeRestore(kube: KubeClients, namespace: string, jobName: string, source: RestoreSource | undefined, ownerUid: string): Promise<RestoreObservation> {
  if (!source) return { phase: 'none' };
  const what = `backup ${source.backup} of server ${source.server}`;
  let job: k8s.V1Job | undefined;
  try {
    job = await kube.batch.readNamespacedJob({ name: jobName, namespace });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!job) return { phase: 'start', message: `restoring ${what}` };
  if (!job.metadata?.ownerReferences?.some((o) => o.uid === ownerUid)) {
    return { phase: 'running', message: `restoring ${what}: waiting for Job ${jobName}, which is not this server's, to be deleted` };
  }
  if (jobCondition(job, 'Complete')) {
    const at = job.status?.completionTime;
    return { phase: 'done', restoredFrom: { ...source, at: at ? new Date(at).toISOString() : new Date().toISOString() } };
  }
  if (jobCondition(job, 'Failed')) {
    const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: `job-name=${jobName}` });
    const own = pods.items.filter((p) => p.metadata?.ownerReferences?.some((o) => o.uid === job.metadata?.uid));
    const why = lastLines(terminationMessage(own, jobName));
    return { phase: 'failed', message: `the restore of ${what} failed${why ? `: ${why}` : ''}; delete this server and create it again to retry` };
  }
  return { phase: 'running', message: `restoring ${what} (Job ${jobName})` };
}

/** Creates the restore Job unless it exists (a retry after a kill; observeRestore checks whose it is). */
export async function startRestore(kube: KubeClients, job: k8s.V1Job): Promise<void> {
  try {
    await kube.batch.createNamespacedJob({ namespace: job.metadata!.namespace!, body: job });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

/** Observation fields while a restore is under way: not ready until it is done. */
export function restoreObservation<T extends { ready: boolean; busy?: boolean; message?: string; retryAfterSeconds?: number }>(observed: T, restore: RestoreObservation, pollSeconds: number): T {
  if (restore.phase === 'none' || restore.phase === 'done') return observed;
  const waitSeconds = restore.phase === 'failed' ? 60 : pollSeconds;
  return { ...observed, ready: false, busy: (observed.busy ?? false) || restore.phase === 'running', message: observed.ready ? restore.message : observed.message, retryAfterSeconds: waitSeconds };
}
