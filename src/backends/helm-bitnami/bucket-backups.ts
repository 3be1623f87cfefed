import type * as k8s from '@kubernetes/client-node';
import { LABEL_COMPONENT, LABEL_INSTANCE } from '../../api/constants.js';
import type { RestoreSource } from '../../api/types.js';
import type { BackupSection } from '../../config/sections/backup.js';
import type { KubeClients } from '../../k8s/clients.js';
import { buildBackupCronJob } from '../common/backup-cronjob.js';
import { BackupCronJobs, type BackupObservation, type DesiredBackups } from '../common/backup-cronjob-sync.js';
import { backupPlan, type BackupPlan } from '../common/backup-plan.js';
import { s3Target, serverPrefix, type S3Target } from '../common/s3-backup-containers.js';
import { recordedTls } from '../common/tls/server-tls.js';
import type { ServerContext } from '../types.js';
import { CHART_SUPERUSER } from './admin-sql.js';
import { releaseImage } from './restore.js';
import { certificateSecretName } from './tls.js';
import type { HelmValues } from './values.js';

/**
 * Backups of a release to an S3-compatible bucket (ADR 0023). The chart's backup CronJob runs one
 * container, with no room for the uploader, so with `backup.s3.bucket` set the chart's backup is
 * off (`backup.enabled: false`, backup-values.ts) and the operator makes its own CronJob
 * `<release>-backup`, the one the statefulset backend makes (common/backup-cronjob.ts): the
 * release's image as Bitnami's user 1001, its Service, the chart's superuser with the operator's
 * Secret, the certificate's `ca.crt` when the release serves TLS; owned by the server and
 * observed by the same code (common/backup-cronjob-sync.ts). Without a bucket the server has no
 * such CronJob: one left from a bucket configured before is removed (its backups stay in the bucket).
 */
export class ReleaseBucketBackups {
  private readonly cronJobs: BackupCronJobs;

  constructor(
    kube: KubeClients,
    private readonly section: BackupSection,
    /** OPERATOR_IMAGE: it uploads unless backup.s3.uploader_image names another image. */
    private readonly operatorImage: string | undefined,
  ) {
    this.cronJobs = new BackupCronJobs(kube);
  }

  /** The bucket, or undefined when backups go to the chart's claim. Throws when no image can upload (refused at start, see startup/backup-uploader.ts). */
  target(): S3Target | undefined {
    return s3Target(this.section.s3, this.operatorImage);
  }

  /** `values`: the release's desired values (its image); `port`: its Service's. */
  observe(ctx: ServerContext, release: string, values: HelmValues, port: number): Promise<BackupObservation> {
    return this.cronJobs.observe(ctx, bucketBackupName(release), this.desired(ctx, release, values, port));
  }

  converge(ctx: ServerContext, release: string, values: HelmValues, port: number): Promise<void> {
    return this.cronJobs.converge(ctx, bucketBackupName(release), this.desired(ctx, release, values, port)?.cron);
  }

  /** Where a restore from the bucket downloads `source`'s backups (for common/restore-job.ts), or undefined for the claim. */
  restoreSource(ctx: ServerContext, source: RestoreSource): { target: S3Target; prefix: string; sizeGB: number } | undefined {
    const target = this.target();
    return target && { target, prefix: serverPrefix(target, ctx.namespace, source.server), sizeGB: this.scratchGB(ctx) };
  }

  private desired(ctx: ServerContext, release: string, values: HelmValues, port: number): DesiredBackups | undefined {
    const target = this.target();
    const plan = target && backupPlan(ctx.spec, this.section);
    if (!target || !plan) return undefined;
    return { cron: buildReleaseBackupCronJob(ctx, plan, { release, values, port, target, scratchGB: this.scratchGB(ctx) }), plan, s3: target };
  }

  /** The most a backup or restore may stage in its emptyDir: the size the claim would have. */
  private scratchGB(ctx: ServerContext): number {
    return this.section.storage_gb ?? 2 * ctx.spec.size.storageGB;
  }
}

/** What the CronJob of a release needs beyond the server's context. */
export interface ReleaseBackupInput {
  release: string;
  /** The release's desired values: its image. */
  values: HelmValues;
  /** Its Service's port. */
  port: number;
  target: S3Target;
  /** The most the emptyDir a backup is staged in may take. */
  scratchGB: number;
}

/** The operator's backup CronJob of a release (pure): common/backup-cronjob.ts with the release's Service, image, user and certificate. */
export function buildReleaseBackupCronJob(ctx: ServerContext, plan: BackupPlan, input: ReleaseBackupInput): k8s.V1CronJob {
  const { release, target } = input;
  return buildBackupCronJob({
    name: bucketBackupName(release),
    namespace: ctx.namespace,
    labels: { ...ctx.labels, [LABEL_COMPONENT]: 'backup' },
    podLabels: backupPodLabels(ctx),
    owner: ctx.owner,
    image: releaseImage(input.values),
    // One of the names in the release's certificate (tls.ts).
    host: `${release}.${ctx.namespace}.svc`,
    port: input.port,
    user: CHART_SUPERUSER,
    adminSecret: ctx.adminSecret,
    to: { s3: { target, prefix: serverPrefix(target, ctx.namespace, ctx.name), sizeGB: input.scratchGB } },
    runAsUser: 1001,
    ...(recordedTls(ctx.state)?.enabled ? { tlsSecret: certificateSecretName(release) } : {}),
  }, plan);
}

/** `<release>-backup`: the operator's backup CronJob of a release (the chart's own is `<release>-pgdumpall`). */
export const bucketBackupName = (release: string): string => `${release}-backup`;

/** The server's labels with `component: backup`, without the release's instance label: its Services select on it. */
function backupPodLabels(ctx: ServerContext): Record<string, string> {
  const labels: Record<string, string> = { ...ctx.labels, [LABEL_COMPONENT]: 'backup' };
  delete labels[LABEL_INSTANCE];
  return labels;
}
